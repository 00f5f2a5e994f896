//! HTTP plumbing shared by every API function: the route table, problem+json errors, query
//! parsing, conditional GETs and the `serve` wrapper that turns a handler's `Result` into a
//! response with the request id on every log line.

mod list;
mod params;
pub mod photos;
mod problem;
mod respond;
pub mod reviews;
pub mod routes;
pub mod stories;
mod write;

pub use list::{LIST_BUDGET_BYTES, ListPage};
pub use params::{Query, parse_amenity, parse_flag, parse_instant, parse_limit, parse_number_in};
pub use problem::{ApiError, InvalidParam, PROBLEM_BASE, ParamLocation};
pub use respond::{
    CachePolicy, EXPOSED_HEADERS, RATELIMIT, RATELIMIT_POLICY, REQUEST_ID_HEADER, Reply,
    RequestInfo, error_response, request_id, request_path, serve,
};
pub use routes::{ROUTES, RouteMatch, RouteSpec, match_route};
pub use write::{
    Fields, IDEMPOTENCY_KEY, MAX_BODY_BYTES, authenticated_user, caller, check_write_limit,
    idempotency_key, is_json_content_type, json_object, run_idempotent, verify_bearer,
};

/// Runs an HTTP handler as the Lambda function's event loop. Handlers answer every request
/// themselves (errors become problem+json), so the runtime never sees an error.
pub async fn run_lambda<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    lambda_http::run(lambda_http::service_fn(|req| {
        let response = handler(req);
        async move { Ok::<_, std::convert::Infallible>(response.await) }
    }))
    .await
}
