//! Turning a handler's result into a response: JSON with a strong `ETag`, `304` for a matching
//! `If-None-Match`, `Cache-Control` for CloudFront, and problem+json for every error.
//!
//! Every body is JSON, so it goes out as [`Body::Text`]: `lambda_http` base64-encodes only
//! [`Body::Binary`] (`isBase64Encoded: true`), which would add a third to every response on its
//! way through Lambda's 6 MB response limit.

use std::future::Future;
use std::time::Instant;

use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderValue, IF_NONE_MATCH, RETRY_AFTER,
};
use http::{HeaderName, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use tracing::{Instrument, error, info, info_span, warn};

use super::problem::ApiError;
use super::routes::{PathParams, RouteSpec, allowed_methods, match_path, method_serves};
use crate::digest::sha256_hex;

/// Response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The write limit's policy (draft-ietf-httpapi-ratelimit-headers): `"reviews";q=10;w=3600`.
pub const RATELIMIT_POLICY: &str = "ratelimit-policy";
/// What is left of it: `"reviews";r=9;t=360`.
pub const RATELIMIT: &str = "ratelimit";
/// Response headers a browser script may read (CORS `Access-Control-Expose-Headers`), in the
/// template's HttpApi and in the local server alike.
pub const EXPOSED_HEADERS: &[&str] = &[
    REQUEST_ID_HEADER,
    "idempotent-replayed",
    "etag",
    "location",
    "retry-after",
    RATELIMIT_POLICY,
    RATELIMIT,
];

/// How a successful response may be cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Public data: browsers keep it `max_age` seconds, CloudFront `s_maxage` seconds, and
    /// either may serve a stale copy while revalidating for another minute.
    Public { max_age: u32, s_maxage: u32 },
    /// Never cache (personal or write responses).
    NoStore,
}

impl CachePolicy {
    /// The default for catalogue reads: one minute in browsers, five at the edge.
    pub const CATALOGUE: CachePolicy = CachePolicy::Public {
        max_age: 60,
        s_maxage: 300,
    };

    /// User-written content (reviews, stories): half a minute in browsers, one at the edge.
    pub const USER_CONTENT: CachePolicy = CachePolicy::Public {
        max_age: 30,
        s_maxage: 60,
    };

    /// Answers that depend on the current time (a nearby search's `openNow`): half a minute.
    pub const LIVE: CachePolicy = CachePolicy::Public {
        max_age: 30,
        s_maxage: 30,
    };

    fn header(self) -> String {
        match self {
            Self::Public { max_age, s_maxage } => {
                format!("public, max-age={max_age}, s-maxage={s_maxage}, stale-while-revalidate=60")
            }
            Self::NoStore => "no-store".to_owned(),
        }
    }
}

/// A successful answer: status, JSON text, cache policy and extra headers.
#[derive(Clone, Debug)]
pub struct Reply {
    status: StatusCode,
    body: String,
    cache: CachePolicy,
    headers: Vec<(HeaderName, String)>,
}

impl Reply {
    /// `200` with `value` as JSON.
    pub fn json<T: Serialize>(value: &T, cache: CachePolicy) -> Result<Self, ApiError> {
        let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(Box::new(e)))?;
        Ok(Self {
            status: StatusCode::OK,
            body,
            cache,
            headers: Vec::new(),
        })
    }

    /// `200` with `json`, already serialized (list bodies, [`super::list`]).
    pub(super) fn json_text(json: String, cache: CachePolicy) -> Self {
        Self {
            status: StatusCode::OK,
            body: json,
            cache,
            headers: Vec::new(),
        }
    }

    /// The JSON text of the body.
    pub fn body_text(&self) -> &str {
        &self.body
    }

    /// Changes the status (e.g. `201`).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Adds `RateLimit-Policy` and `RateLimit` for the token this write spent.
    pub fn with_rate_limit(self, quota: &crate::domain::Quota) -> Self {
        self.with_header(
            HeaderName::from_static(RATELIMIT_POLICY),
            quota.policy_header(),
        )
        .with_header(HeaderName::from_static(RATELIMIT), quota.limit_header())
    }

    /// Adds a header.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Announces that this route is deprecated (docs/api-evolution.md): `Deprecation` (RFC 9745,
    /// `@<unix seconds>`) since when, `Sunset` (RFC 8594, an HTTP-date) from when it may stop
    /// answering, and `Link: <link>; rel="deprecation"` to the page that says what to use
    /// instead. A sunset outside the years 0–9999 cannot be written as an HTTP-date; it is
    /// logged and left out rather than sent malformed.
    pub fn deprecated(
        mut self,
        since: jiff::Timestamp,
        sunset: jiff::Timestamp,
        link: &str,
    ) -> Self {
        self.headers.push((
            HeaderName::from_static("deprecation"),
            format!("@{}", since.as_second()),
        ));
        match jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&sunset) {
            Ok(date) => self.headers.push((HeaderName::from_static("sunset"), date)),
            Err(e) => error!(error = %e, %sunset, "sunset cannot be written as an HTTP-date"),
        }
        self.headers
            .push((http::header::LINK, format!("<{link}>; rel=\"deprecation\"")));
        self
    }

    /// `204 No Content`.
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: String::new(),
            cache: CachePolicy::NoStore,
            headers: Vec::new(),
        }
    }

    /// What an idempotency record keeps of this reply.
    pub fn to_stored(&self) -> crate::ports::StoredResponse {
        crate::ports::StoredResponse {
            status: self.status.as_u16(),
            body: self.body.clone(),
            location: self
                .headers
                .iter()
                .find(|(n, _)| n == http::header::LOCATION)
                .map(|(_, v)| v.clone()),
        }
    }

    /// Rebuilds a reply from an idempotency record.
    pub fn from_stored(stored: &crate::ports::StoredResponse) -> Self {
        let mut reply = Self {
            status: StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
            body: stored.body.clone(),
            cache: CachePolicy::NoStore,
            headers: vec![(
                HeaderName::from_static("idempotent-replayed"),
                "true".to_owned(),
            )],
        };
        if let Some(location) = &stored.location {
            reply
                .headers
                .push((http::header::LOCATION, location.clone()));
        }
        reply
    }

    fn etag(&self) -> String {
        format!("\"{}\"", sha256_hex(self.body.as_bytes(), 16))
    }

    fn into_response(self, if_none_match: Option<&str>, request_id: &str) -> Response<Body> {
        let mut builder = Response::builder()
            .header(CACHE_CONTROL, self.cache.header())
            .header(REQUEST_ID_HEADER, request_id);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        // Only cacheable reads get validators; a write's 200 must never turn into a 304.
        let cacheable = matches!(self.cache, CachePolicy::Public { .. });
        let etag = (self.status == StatusCode::OK && cacheable).then(|| self.etag());
        if let Some(etag) = &etag {
            builder = builder.header(ETAG, etag);
            if if_none_match.is_some_and(|inm| etag_matches(inm, etag)) {
                return finish(builder.status(StatusCode::NOT_MODIFIED), Body::Empty);
            }
        }
        finish(
            builder
                .status(self.status)
                .header(CONTENT_TYPE, "application/json"),
            body_of(self.body),
        )
    }
}

/// JSON text as a Lambda body: `Text` (never base64), or `Empty` for a `204`.
fn body_of(json: String) -> Body {
    if json.is_empty() {
        Body::Empty
    } else {
        Body::Text(json)
    }
}

fn finish(builder: http::response::Builder, body: Body) -> Response<Body> {
    builder.body(body).unwrap_or_else(|e| {
        // Only an invalid header value can get here; say so without leaking it.
        error!(error = %e, "failed to build response");
        let mut fallback = Response::new(Body::Empty);
        *fallback.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

/// RFC 9110 weak comparison: `W/` prefixes are ignored and `*` matches anything.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

/// What a handler learns about its request.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub path_params: PathParams,
}

impl RequestInfo {
    /// A path parameter captured by the route.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Parses path parameter `name`; a missing or malformed value is a 400 naming it.
    pub fn parse_path<T, E: std::fmt::Display>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, ApiError> {
        let raw = self
            .path_param(name)
            .ok_or_else(|| ApiError::path_param(name, "is required"))?;
        parse(raw).map_err(|e| ApiError::path_param(name, e))
    }
}

/// The request id clients see: API Gateway's (the HTTP API's, or the partner REST API's), else
/// the Lambda invocation's, else a caller's `x-request-id` header (local server), else
/// `unknown`. Partner metering is idempotent per request id, so a Lambda retry of the same
/// REST request (same API Gateway id, new invocation id) must read the gateway's.
pub fn request_id(req: &Request) -> String {
    let gateway = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.as_deref(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.as_deref(),
        _ => None,
    };
    if let Some(id) = gateway.filter(|id| !id.is_empty()) {
        return id.to_owned();
    }
    if let Some(ctx) = req.lambda_context_ref() {
        return ctx.request_id.clone();
    }
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .unwrap_or("unknown")
        .to_owned()
}

/// The path as the client sent it, without API Gateway's stage prefix.
pub fn request_path(req: &Request) -> String {
    let raw = req.raw_http_path();
    let path = if raw.is_empty() {
        req.uri().path()
    } else {
        raw
    };
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref()
        && let Some(stage) = ctx.stage.as_deref().filter(|s| *s != "$default")
        && let Some(rest) = path.strip_prefix('/').and_then(|p| p.strip_prefix(stage))
        && rest.starts_with('/')
    {
        return rest.to_owned();
    }
    path.to_owned()
}

/// Answers an error as problem+json, logging 4xx as warnings and 5xx with their cause chain.
pub fn error_response(err: &ApiError, instance: &str, request_id: &str) -> Response<Body> {
    let status = err.status();
    if status.is_server_error() {
        let mut chain = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = source {
            chain.push(e.to_string());
            source = e.source();
        }
        error!(status = status.as_u16(), kind = err.kind(), cause = ?chain, "request failed");
    } else {
        warn!(status = status.as_u16(), kind = err.kind(), error = %err, "request rejected");
    }
    let body = serde_json::to_string(&err.problem(instance, request_id)).unwrap_or_default();
    let mut builder = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/problem+json")
        .header(CACHE_CONTROL, "no-store")
        .header(REQUEST_ID_HEADER, request_id);
    match err {
        ApiError::MethodNotAllowed { allowed, .. } => {
            builder = builder.header(ALLOW, allowed.join(", "))
        }
        ApiError::Unavailable(_) | ApiError::OutOfTime | ApiError::InProgress => {
            builder = builder.header(RETRY_AFTER, HeaderValue::from_static("1"))
        }
        ApiError::TooManyWrites { quota } => {
            builder = builder
                .header(RETRY_AFTER, quota.reset_secs.max(1).to_string())
                .header(RATELIMIT_POLICY, quota.policy_header())
                .header(RATELIMIT, quota.limit_header())
        }
        ApiError::RateLimited { outcome } => {
            let after = outcome.refused_by.map_or(1, |r| r.1.max(1));
            builder = builder.header(RETRY_AFTER, after.to_string());
            for (name, value) in super::partner::rate_limit_headers(&outcome.windows) {
                builder = builder.header(name, value);
            }
        }
        ApiError::InvalidApiKey(_) => {
            builder = builder.header(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("ApiKey header=\"x-api-key\""),
            )
        }
        ApiError::Unauthorized(_) => {
            builder = builder.header(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer"),
            )
        }
        _ => {}
    }
    finish(builder, body_of(body))
}

/// The response to a `HEAD`: every header of the `GET` answer, `Content-Length` included, and
/// no body.
fn without_body(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let len = match &body {
        Body::Text(text) => text.len(),
        Body::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    parts
        .headers
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    Response::from_parts(parts, Body::Empty)
}

/// Runs `handler` for a request to `route` and always produces a response. A `HEAD` request
/// to a `GET` route runs the `GET` handler and drops the body.
///
/// Path parameters come from API Gateway when it routed the request, or are matched from the
/// path against the route template otherwise (`cargo lambda watch`, local server, tests).
pub async fn serve<F, Fut>(req: Request, route: &'static RouteSpec, handler: F) -> Response<Body>
where
    F: FnOnce(RequestInfo, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let started = Instant::now();
    let request_id = request_id(&req);
    let path = request_path(&req);
    let method = req.method().as_str().to_owned();
    let span = info_span!("request", request_id = %request_id, route = route.path, function = route.function);
    async move {
        let if_none_match = req
            .headers()
            .get(IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let from_gateway: PathParams = req
            .path_parameters_ref()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let path_params = if from_gateway.is_empty() {
            match_path(route.path, &path).map(|(p, _)| p)
        } else {
            Some(from_gateway)
        };
        let result = match path_params {
            None => Err(ApiError::RouteNotFound {
                method: method.clone(),
                path: path.clone(),
            }),
            Some(_) if !method_serves(&method, route.method) => Err(ApiError::MethodNotAllowed {
                method: method.clone(),
                allowed: allowed_methods(route.method),
            }),
            Some(path_params) => {
                let info = RequestInfo {
                    request_id: request_id.clone(),
                    method: method.clone(),
                    path: path.clone(),
                    path_params,
                };
                handler(info, req).await
            }
        };
        let response = match result {
            Ok(reply) => reply.into_response(if_none_match.as_deref(), &request_id),
            Err(err) => error_response(&err, &path, &request_id),
        };
        let response = if method.eq_ignore_ascii_case("HEAD") {
            without_body(response)
        } else {
            response
        };
        info!(
            method = %method,
            path = %path,
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request served"
        );
        response
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_weakly_and_accept_lists_and_star() {
        let tag = "\"abc\"";
        assert!(etag_matches("\"abc\"", tag));
        assert!(etag_matches("W/\"abc\"", tag));
        assert!(etag_matches("\"x\", \"abc\"", tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"abd\"", tag));
        assert!(!etag_matches("abc", tag));
    }

    /// A partner REST API event (payload 1.0, `events/partner-usage.json`): the id is API
    /// Gateway's, not the Lambda invocation's, and the path has no stage prefix.
    #[test]
    fn rest_api_events_carry_the_gateway_request_id_and_the_path_without_stage() {
        let mut req =
            lambda_http::request::from_str(include_str!("../../../events/partner-usage.json"))
                .unwrap();
        assert!(matches!(
            req.request_context_ref(),
            Some(RequestContext::ApiGatewayV1(_))
        ));
        assert_eq!(request_id(&req), "fixture-partner-usage-rest");
        assert_eq!(request_path(&req), "/partner/v1/usage");
        // The invocation's id (it differs on a Lambda retry) does not win over the gateway's.
        let mut context = lambda_http::Context::default();
        context.request_id = "lambda-invocation-1".into();
        req.extensions_mut().insert(context);
        assert_eq!(request_id(&req), "fixture-partner-usage-rest");
    }

    /// With REST events enabled (`apigw_rest`, tried first by lambda_http), an HTTP API event
    /// (payload 2.0) is still read as one, with its own request id and path.
    #[test]
    fn http_api_events_are_still_read_as_http_api_events() {
        let req =
            lambda_http::request::from_str(include_str!("../../../events/get-cafe.json")).unwrap();
        assert!(matches!(
            req.request_context_ref(),
            Some(RequestContext::ApiGatewayV2(_))
        ));
        assert_eq!(request_id(&req), "fixture-get-cafe");
        assert_eq!(request_path(&req), "/cafes/caf_u099n1d2jztgorth");
    }

    /// What the Lambda runtime sends back to API Gateway for `response`, serialized: this goes
    /// through `lambda_http`'s own adapter (the one `lambda_http::run` uses), from the
    /// `events/get-story.json` fixture.
    async fn as_sent_to_api_gateway(response: Response<Body>) -> serde_json::Value {
        use lambda_http::tower::Service;
        let event: lambda_http::request::LambdaRequest =
            serde_json::from_str(include_str!("../../../events/get-story.json")).unwrap();
        let mut adapter = lambda_http::Adapter::from(lambda_http::service_fn(move |_req| {
            let response = response.clone();
            async move { Ok::<_, std::convert::Infallible>(response) }
        }));
        let sent = adapter
            .call(lambda_http::LambdaEvent::new(
                event,
                lambda_http::Context::default(),
            ))
            .await
            .unwrap();
        serde_json::to_value(sent).unwrap()
    }

    #[tokio::test]
    async fn json_and_problems_go_out_as_text_never_base64() {
        let value = serde_json::json!({ "title": "Café ☕", "n": 1 });
        let ok = Reply::json(&value, CachePolicy::CATALOGUE)
            .unwrap()
            .into_response(None, "req-1");
        let problem = error_response(&ApiError::not_found("story", "sty_1"), "/stories/x", "r");
        for (what, response, content_type) in [
            ("a 200", ok, "application/json"),
            ("a 404", problem, "application/problem+json"),
        ] {
            let sent = as_sent_to_api_gateway(response).await;
            assert_eq!(sent["isBase64Encoded"], false, "{what}: {sent}");
            let body = sent["body"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: {sent}"));
            let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(
                sent["headers"]["content-type"], content_type,
                "{what}: {sent}"
            );
            if what == "a 200" {
                assert_eq!(parsed, value, "the JSON text itself, not its base64");
            }
        }
    }

    #[test]
    fn bodies_are_text_and_etags_hash_the_same_bytes() {
        let reply = Reply::json(&serde_json::json!({"a": "é"}), CachePolicy::CATALOGUE).unwrap();
        let expected = format!("\"{}\"", sha256_hex("{\"a\":\"é\"}".as_bytes(), 16));
        let response = reply.clone().into_response(None, "r");
        assert_eq!(response.headers()[ETAG], expected.as_str());
        assert!(matches!(response.body(), Body::Text(t) if t == "{\"a\":\"é\"}"));
        let not_modified = reply.into_response(Some(&expected), "r");
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert!(matches!(not_modified.body(), Body::Empty));
        assert!(matches!(
            Reply::no_content().into_response(None, "r").body(),
            Body::Empty
        ));
    }

    #[test]
    fn a_deprecated_reply_announces_when_and_where_to_go() {
        let since: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let sunset: jiff::Timestamp = "2027-01-06T08:49:37Z".parse().unwrap();
        let reply = Reply::json(&serde_json::json!({}), CachePolicy::CATALOGUE)
            .unwrap()
            .deprecated(since, sunset, "https://craftbean.app/docs/v2-migration");
        let response = reply.into_response(None, "req-1");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(header("deprecation"), "@1767225600");
        assert_eq!(header("sunset"), "Wed, 06 Jan 2027 08:49:37 GMT");
        assert_eq!(
            header("link"),
            "<https://craftbean.app/docs/v2-migration>; rel=\"deprecation\""
        );
        // Still an ordinary cacheable 200 otherwise.
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!header("etag").is_empty());
    }
}
