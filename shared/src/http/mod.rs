//! HTTP plumbing shared by every API function: the route table, problem+json errors, query
//! parsing, conditional GETs and the `serve` wrapper that turns a handler's `Result` into a
//! response with the request id on every log line.

mod experiments;
mod list;
pub mod origin;
mod params;
pub mod partner;
pub mod photos;
mod problem;
mod respond;
pub mod reviews;
pub mod routes;
pub mod stories;
mod write;

pub use experiments::device_unit;
pub use list::{LIST_BUDGET_BYTES, ListPage, Paging};
pub use params::{Query, parse_amenity, parse_flag, parse_instant, parse_limit, parse_number_in};
pub use problem::{ApiError, InvalidParam, PROBLEM_BASE, ParamLocation};
pub use respond::{
    CachePolicy, EXPOSED_HEADERS, RATELIMIT, RATELIMIT_POLICY, REQUEST_ID_HEADER, Reply,
    RequestInfo, error_response, request_id, request_path, serve,
};
pub use routes::{ROUTES, RouteMatch, RouteSpec, match_route};
pub use write::{
    Fields, IDEMPOTENCY_KEY, MAX_BODY_BYTES, WriteGuard, authenticated_user, caller,
    idempotency_key, is_json_content_type, json_object, new_id_entropy, verify_bearer,
};

/// How long before the Lambda deadline a handler that is still running gives up and answers
/// 503 itself: enough to serialise and hand back the response before the platform cuts it off.
pub const DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_millis(300);

/// Runs an HTTP handler as the Lambda function's event loop. Handlers answer every request
/// themselves (errors become problem+json), so the runtime never sees an error.
///
/// Before any handler runs, the origin check ([`origin::OriginGuard`], configured once from the
/// environment) refuses requests that did not come through CloudFront with 403 problem+json;
/// without a configured secret (local runs, tests) every request is admitted. A handler still
/// running [`DEADLINE_MARGIN`] before the invocation's deadline is dropped and the request
/// answered 503 with `Retry-After` ([`within_deadline`]).
pub async fn run_lambda<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    serve_lambda(origin::OriginGuard::from_env()?, handler).await
}

/// As [`run_lambda`] without the origin check: only for `GET /health`, which Route 53's health
/// checkers call on each region's API domain directly and which reveals nothing but the region,
/// the version and whether the replica answers (`tidy::only_the_health_check_skips_the_origin_check`).
pub async fn run_lambda_unguarded<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    serve_lambda(origin::OriginGuard::disabled(), handler).await
}

async fn serve_lambda<F, Fut>(
    guard: origin::OriginGuard,
    handler: F,
) -> Result<(), lambda_http::Error>
where
    F: Fn(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    tracing::info!(
        origin_check = guard.is_enabled(),
        "answering requests (origin check on: only through the CDN)"
    );
    lambda_http::run(lambda_http::service_fn(|req| {
        let time_left = time_left(&req);
        let instance = request_path(&req);
        let id = request_id(&req);
        let response = match origin_refusal(&guard, &req) {
            None => futures_util::future::Either::Left(handler(req)),
            Some(refusal) => futures_util::future::Either::Right(std::future::ready(refusal)),
        };
        async move {
            Ok::<_, std::convert::Infallible>(
                within_deadline(response, time_left, &instance, &id).await,
            )
        }
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

/// The time left before this invocation's deadline (`None` outside Lambda).
pub fn time_left(req: &lambda_http::Request) -> Option<std::time::Duration> {
    use lambda_http::RequestExt;
    let ctx = req.lambda_context_ref()?;
    if ctx.deadline == 0 {
        return None;
    }
    Some(
        ctx.deadline()
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Races `response` against `time_left` less [`DEADLINE_MARGIN`]: the handler's answer, or,
/// when time runs out first, a logged 503 `unavailable` with `Retry-After`. Without a deadline
/// the handler runs to completion.
pub async fn within_deadline<Fut>(
    response: Fut,
    time_left: Option<std::time::Duration>,
    instance: &str,
    request_id: &str,
) -> lambda_http::Response<lambda_http::Body>
where
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>>,
{
    let Some(left) = time_left else {
        return response.await;
    };
    let budget = left.saturating_sub(DEADLINE_MARGIN);
    match tokio::time::timeout(budget, response).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(
                request_id,
                budget_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX),
                "handler ran out of time before the function deadline"
            );
            error_response(&ApiError::OutOfTime, instance, request_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

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
            let lambda_http::Body::Text(body) = refusal.body() else {
                panic!("a text problem body expected");
            };
            let problem: serde_json::Value = serde_json::from_str(body).unwrap();
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

    async fn slow(delay: Duration) -> lambda_http::Response<lambda_http::Body> {
        tokio::time::sleep(delay).await;
        lambda_http::Response::new(lambda_http::Body::from("done"))
    }

    #[tokio::test]
    async fn a_handler_past_the_deadline_is_answered_503_with_retry_after_in_time() {
        let started = Instant::now();
        let response = within_deadline(
            slow(Duration::from_secs(30)),
            Some(Duration::from_millis(500)),
            "/cafes",
            "req-1",
        )
        .await;
        let took = started.elapsed();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "1");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: serde_json::Value = match response.body() {
            lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or_default(),
            lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or_default(),
            lambda_http::Body::Empty => serde_json::Value::Null,
            _ => serde_json::Value::Null,
        };
        assert_eq!(body["type"], "https://craftbean.app/problems/unavailable");
        assert_eq!(body["requestId"], "req-1");
        assert!(
            took >= Duration::from_millis(150) && took < Duration::from_millis(500),
            "answered {took:?} after the start: after the budget, before the deadline"
        );
    }

    #[tokio::test]
    async fn a_handler_within_the_deadline_or_without_one_answers_itself() {
        let quick = within_deadline(
            slow(Duration::from_millis(10)),
            Some(Duration::from_secs(2)),
            "/cafes",
            "req-2",
        )
        .await;
        assert_eq!(quick.status(), 200);
        let unbounded =
            within_deadline(slow(Duration::from_millis(400)), None, "/cafes", "req-3").await;
        assert_eq!(unbounded.status(), 200);
    }
}
