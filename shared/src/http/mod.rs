//! HTTP plumbing shared by every API function: the route table, problem+json errors, query
//! parsing, conditional GETs and the `serve` wrapper that turns a handler's `Result` into a
//! response with the request id on every log line.

mod list;
pub mod origin;
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
    Fields, IDEMPOTENCY_KEY, MAX_BODY_BYTES, WriteGuard, authenticated_user, caller,
    idempotency_key, is_json_content_type, json_object, verify_bearer,
};

/// Runs an HTTP handler as the Lambda function's event loop. Handlers answer every request
/// themselves (errors become problem+json), so the runtime never sees an error.
///
/// Before any handler runs, the origin check ([`origin::OriginGuard`], configured once from the
/// environment) refuses requests that did not come through CloudFront with 403 problem+json;
/// without a configured secret (local runs, tests) every request is admitted.
pub async fn run_lambda<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    let guard = origin::OriginGuard::from_env()?;
    tracing::info!(
        origin_check = guard.is_enabled(),
        "answering requests (origin check on: only through the CDN)"
    );
    lambda_http::run(lambda_http::service_fn(|req| {
        let response = match origin_refusal(&guard, &req) {
            None => futures_util::future::Either::Left(handler(req)),
            Some(refusal) => futures_util::future::Either::Right(std::future::ready(refusal)),
        };
        async move { Ok::<_, std::convert::Infallible>(response.await) }
    }))
    .await
}

/// The answer to `req` when `guard` refuses it: 403 problem+json with the request id, like
/// every other error. `None` lets the request through to its handler.
pub fn origin_refusal(
    guard: &origin::OriginGuard,
    req: &lambda_http::Request,
) -> Option<lambda_http::Response<lambda_http::Body>> {
    guard
        .check(req.headers())
        .err()
        .map(|err| error_response(&err, &request_path(req), &request_id(req)))
}

#[cfg(test)]
mod tests {
    use super::origin::{ORIGIN_HEADER, OriginGuard};
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-origin";

    fn request(origin_header: Option<&str>) -> lambda_http::Request {
        let mut builder = http::Request::builder().uri("/cafes/caf_1");
        if let Some(value) = origin_header {
            builder = builder.header(ORIGIN_HEADER, value);
        }
        builder.body(lambda_http::Body::Empty).unwrap()
    }

    #[test]
    fn requests_without_the_secret_get_a_403_problem() {
        let guard = OriginGuard::new(&[SECRET]);
        assert!(origin_refusal(&guard, &request(Some(SECRET))).is_none());
        for header in [None, Some("not-the-secret")] {
            let refusal = origin_refusal(&guard, &request(header)).unwrap();
            assert_eq!(refusal.status(), http::StatusCode::FORBIDDEN);
            assert_eq!(
                refusal.headers()[http::header::CONTENT_TYPE],
                "application/problem+json"
            );
            assert_eq!(refusal.headers()[http::header::CACHE_CONTROL], "no-store");
            let lambda_http::Body::Binary(body) = refusal.body() else {
                panic!("problem body expected");
            };
            let problem: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert_eq!(problem["status"], 403);
            assert_eq!(problem["type"], format!("{PROBLEM_BASE}forbidden"));
            assert_eq!(problem["instance"], "/cafes/caf_1");
            assert!(!problem.to_string().contains(SECRET));
        }
    }

    #[test]
    fn without_a_secret_every_request_is_admitted() {
        let guard = OriginGuard::disabled();
        assert!(origin_refusal(&guard, &request(None)).is_none());
    }
}
