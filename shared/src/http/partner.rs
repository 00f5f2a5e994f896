//! The partner API's gate (`/partner/v1/…`): every partner route runs its handler through
//! [`serve_partner`], which checks the `x-api-key`, admits the request against the key's and
//! the partner's limits ([`Meter::admit`]), runs the handler with [`serve`], settles the
//! request for billing by its status ([`Meter::settle`]) and puts `RateLimit-Policy` and
//! `RateLimit` on every response after the key check, 429s included.
//!
//! Refusals are problem+json, never a 5xx: no or unknown key → 401 `invalid-api-key`; revoked,
//! expired or suspended → 403 `api-key-refused`; a spent limit → 429 `rate-limited` with
//! `Retry-After`.
//!
//! Analytics: every admitted request is counted in CloudWatch's embedded metric format
//! ([`crate::emf`], namespace `CraftBean`) with dimensions `Partner` and `Route`: `Requests`,
//! `ClientErrors` (4xx), `ServerErrors` (5xx) and `Latency` (milliseconds, from the key check to
//! the answer); every 429 the gate answers counts `RateLimited` per `Route` and without
//! dimensions (the template's partner throttles alarm). The partner dashboard reads them.

use std::future::Future;
use std::time::Instant;

use http::HeaderName;
use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use sfv::{Integer, KeyRef, ListSerializer, RefBareItem, StringRef};
use tracing::{Instrument, error, info_span};

use super::problem::ApiError;
use super::respond::{RATELIMIT, RATELIMIT_POLICY};
use super::respond::{Reply, RequestInfo, error_response, request_id, request_path, serve};
use super::routes::RouteSpec;
use crate::domain::ApiKeyId;
use crate::domain::partner::{ApiKeySecret, Partner, PartnerStatus};
use crate::emf::EmfSink;
use crate::ports::{Admission, Meter, PartnerStore, RateWindow};

/// The request header that carries a partner's key (API Gateway's name for it).
pub const API_KEY_HEADER: &str = "x-api-key";

/// `GET /partner/v1/usage`
pub const PARTNER_USAGE: RouteSpec = RouteSpec {
    method: "GET",
    path: "/partner/v1/usage",
    function: "partner-usage",
    // Partners authenticate with a key (checked here), never with a user's token.
    auth: false,
};

/// `GET /partner/v1/users/{partnerUserId}/recommendations`
pub const PARTNER_RECOMMENDATIONS: RouteSpec = RouteSpec {
    method: "GET",
    path: "/partner/v1/users/{partnerUserId}/recommendations",
    function: "partner-recommendations",
    auth: false,
};

/// `GET /partner/v1/cafes` (catalogue sync)
pub const PARTNER_CAFES: RouteSpec = RouteSpec {
    method: "GET",
    path: "/partner/v1/cafes",
    function: "partner-cafes",
    auth: false,
};

/// Every partner route: the partner API's own route table (its OpenAPI document is
/// infra/partner-openapi.yaml once the REST API is deployed; see docs/partners.md).
pub const PARTNER_ROUTES: &[RouteSpec] = &[PARTNER_USAGE, PARTNER_RECOMMENDATIONS, PARTNER_CAFES];

/// CloudWatch namespace of the partner metrics (every CraftBean EMF metric's).
pub const EMF_NAMESPACE: &str = crate::emf::NAMESPACE;
/// Admitted requests, per `Partner` and `Route`.
pub const METRIC_REQUESTS: &str = "Requests";
/// Admitted requests answered 4xx (billed), per `Partner` and `Route`.
pub const METRIC_CLIENT_ERRORS: &str = "ClientErrors";
/// Admitted requests answered 5xx (not billed), per `Partner` and `Route`.
pub const METRIC_SERVER_ERRORS: &str = "ServerErrors";
/// Milliseconds from the key check to the answer, per `Partner` and `Route`.
pub const METRIC_LATENCY: &str = "Latency";
/// Requests refused 429 by the gate, per `Route` and in total (no dimensions).
pub const METRIC_RATE_LIMITED: &str = "RateLimited";
/// The per-partner metrics (dimensions `Partner`, `Route`) the partner dashboard shows.
pub const PARTNER_METRICS: [&str; 4] = [
    METRIC_REQUESTS,
    METRIC_CLIENT_ERRORS,
    METRIC_SERVER_ERRORS,
    METRIC_LATENCY,
];

/// Counts one admitted request's outcome.
fn record_served(
    sink: &EmfSink,
    partner: &str,
    route: &'static str,
    status: u16,
    started: Instant,
) {
    sink.record(|| {
        let labels = [
            metrics::Label::new("Partner", partner.to_owned()),
            metrics::Label::new("Route", route),
        ];
        metrics::counter!(METRIC_REQUESTS, labels.to_vec()).increment(1);
        if (400..500).contains(&status) {
            metrics::counter!(METRIC_CLIENT_ERRORS, labels.to_vec()).increment(1);
        }
        if status >= 500 {
            metrics::counter!(METRIC_SERVER_ERRORS, labels.to_vec()).increment(1);
        }
        metrics::histogram!(METRIC_LATENCY, labels.to_vec())
            .record(started.elapsed().as_secs_f64() * 1000.0);
    });
}

/// Counts one 429 of the gate, per route and in total.
fn record_rate_limited(sink: &EmfSink, route: &'static str) {
    sink.record(|| {
        metrics::counter!(METRIC_RATE_LIMITED, "Route" => route).increment(1);
        metrics::counter!(METRIC_RATE_LIMITED).increment(1);
    });
}

/// The route's name in usage counters and reports: the function name without `partner-`.
pub fn metered_name(route: &RouteSpec) -> &'static str {
    route
        .function
        .strip_prefix("partner-")
        .unwrap_or(route.function)
}

/// Who is calling, once the key check passed and the request was admitted.
#[derive(Clone, Debug)]
pub struct PartnerCaller {
    pub partner: Partner,
    pub key: ApiKeyId,
    /// The windows as admission left them (what `RateLimit` reports).
    pub windows: Vec<RateWindow>,
}

fn serialize_list(
    windows: &[RateWindow],
    params: impl Fn(&RateWindow) -> [(&str, u64); 2],
) -> String {
    let mut list = ListSerializer::new();
    for window in windows {
        // Names are the closed set `second`, `day`, `month`: always valid strings.
        let name = StringRef::constant(window.name);
        let mut item = list.bare_item(RefBareItem::String(name));
        for (key, value) in params(window) {
            let value = Integer::try_from(value).unwrap_or(Integer::MAX);
            item = item.parameter(KeyRef::constant(key), RefBareItem::Integer(value));
        }
    }
    list.finish().unwrap_or_default()
}

/// `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers), one list member
/// per window: `"second";q=5;w=1, "day";q=1000;w=86400` and
/// `"second";r=4;t=1, "day";r=990;t=43200`. Serialised as RFC 9651 structured fields by the
/// `sfv` crate.
pub fn rate_limit_headers(windows: &[RateWindow]) -> [(HeaderName, String); 2] {
    let policy = serialize_list(windows, |w| [("q", w.quota), ("w", w.window_secs)]);
    let limit = serialize_list(windows, |w| [("r", w.remaining), ("t", w.reset_secs)]);
    [
        (HeaderName::from_static(RATELIMIT_POLICY), policy),
        (HeaderName::from_static(RATELIMIT), limit),
    ]
}

/// Checks the key and admits the request: the caller, or the refusal to answer with.
async fn admit<S: PartnerStore + Meter>(
    store: &S,
    req: &Request,
    route: &RouteSpec,
    request_id: &str,
    now: Timestamp,
) -> Result<PartnerCaller, ApiError> {
    let raw = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::InvalidApiKey("send your API key in x-api-key".into()))?;
    let key = ApiKeySecret::parse(raw.trim())
        .map_err(|_| ApiError::InvalidApiKey("x-api-key is not a CraftBean API key".into()))?;
    let Some((record, partner)) = store.find_key(&key.hash()).await? else {
        return Err(ApiError::InvalidApiKey(
            "x-api-key is not a key we issued".into(),
        ));
    };
    if !record.valid_at(now) {
        return Err(ApiError::ApiKeyRefused(format!(
            "key {} was revoked or its rotation grace period ended; use your current key",
            record.key_id
        )));
    }
    if partner.status == PartnerStatus::Suspended {
        return Err(ApiError::ApiKeyRefused(format!(
            "partner {} is suspended",
            partner.id
        )));
    }
    let outcome = store
        .admit(&Admission {
            partner: &partner.id,
            key: &record.key_id,
            route: metered_name(route),
            request_id,
            limits: partner.limits,
            now,
        })
        .await?;
    if !outcome.admitted {
        return Err(ApiError::RateLimited { outcome });
    }
    Ok(PartnerCaller {
        partner,
        key: record.key_id,
        windows: outcome.windows,
    })
}

/// Runs a partner route's `handler` behind the key check and the limits, and settles the
/// request for billing by the status it answered. `now` is the admission instant (the UTC day
/// it is billed on). A settlement that fails is logged and leaves the request unbilled; the
/// response is not held back for it. Metrics go to standard output ([`serve_partner_with`]).
pub async fn serve_partner<S, F, Fut>(
    store: &S,
    req: Request,
    route: &'static RouteSpec,
    now: Timestamp,
    handler: F,
) -> Response<Body>
where
    S: PartnerStore + Meter,
    F: FnOnce(PartnerCaller, RequestInfo, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    serve_partner_with(store, &EmfSink::Stdout, req, route, now, handler).await
}

/// As [`serve_partner`], counting the request's metrics into `metrics`.
pub async fn serve_partner_with<S, F, Fut>(
    store: &S,
    metrics: &EmfSink,
    req: Request,
    route: &'static RouteSpec,
    now: Timestamp,
    handler: F,
) -> Response<Body>
where
    S: PartnerStore + Meter,
    F: FnOnce(PartnerCaller, RequestInfo, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let started = Instant::now();
    let request_id = request_id(&req);
    let path = request_path(&req);
    let span = info_span!("partner", request_id = %request_id, route = route.path, partner = tracing::field::Empty);
    async move {
        let caller = match admit(store, &req, route, &request_id, now).await {
            Ok(caller) => caller,
            Err(err) => {
                if matches!(err, ApiError::RateLimited { .. }) {
                    record_rate_limited(metrics, metered_name(route));
                }
                return error_response(&err, &path, &request_id);
            }
        };
        tracing::Span::current().record("partner", caller.partner.id.as_str());
        let partner = caller.partner.id.clone();
        let headers = rate_limit_headers(&caller.windows);
        let mut response = serve(req, route, |info, req| handler(caller, info, req)).await;
        let status = response.status().as_u16();
        record_served(
            metrics,
            partner.as_str(),
            metered_name(route),
            status,
            started,
        );
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Err(e) = store
            .settle_timed(&partner, &request_id, status, Some(latency_ms))
            .await
        {
            error!(error = %e, status, "settling a partner request failed; it stays unbilled");
        }
        for (name, value) in headers {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn headers_follow_the_draft() {
        let windows = vec![
            RateWindow {
                name: "second",
                quota: 5,
                window_secs: 1,
                remaining: 4,
                reset_secs: 1,
            },
            RateWindow {
                name: "day",
                quota: 1_000,
                window_secs: 86_400,
                remaining: 990,
                reset_secs: 43_200,
            },
        ];
        let [(p, policy), (l, limit)] = rate_limit_headers(&windows);
        assert_eq!(p.as_str(), "ratelimit-policy");
        assert_eq!(policy, r#""second";q=5;w=1, "day";q=1000;w=86400"#);
        assert_eq!(l.as_str(), "ratelimit");
        assert_eq!(limit, r#""second";r=4;t=1, "day";r=990;t=43200"#);
    }

    #[test]
    fn routes_are_metered_by_short_name() {
        assert_eq!(metered_name(&PARTNER_USAGE), "usage");
        assert_eq!(metered_name(&PARTNER_RECOMMENDATIONS), "recommendations");
        assert_eq!(metered_name(&PARTNER_CAFES), "cafes");
    }
}
