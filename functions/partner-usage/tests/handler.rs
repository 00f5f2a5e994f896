//! Handler tests on an embedded store: the key check (401/403 problem+json, never a 5xx), 429
//! with `Retry-After` and the RateLimit headers, usage rows billed by the rule, bad parameters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use lambda_http::{Body, Request, RequestExt};
use partner_usage::{Deps, handle_at};
use shared::domain::partner::{ApiKeySecret, Limits, Partner, PartnerStatus, Tier};
use shared::emf::EmfSink;
use shared::ports::PartnerStore;
use shared::store::sqlite::SqliteStore;
use shared::testing::json_body;

fn at(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

fn request(n: u32, key: Option<&str>, query: &[(&str, &str)]) -> Request {
    shared::testing::partner_request("/partner/v1/usage", n, key, query)
}

async fn partner_with_key(
    store: &SqliteStore,
    tier: Tier,
    limits: Limits,
) -> (Partner, ApiKeySecret) {
    shared::testing::partner_with_key(store, 1, tier, limits, at("2026-11-01T00:00:00Z")).await
}

fn problem_type(response: &lambda_http::Response<Body>) -> String {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    json_body(response)["type"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn refuses_missing_malformed_unknown_revoked_and_suspended_keys() {
    let store = SqliteStore::in_memory().unwrap();
    let (partner, key) = partner_with_key(&store, Tier::Free, Tier::Free.default_limits()).await;
    let deps = Deps {
        store,
        metrics: EmfSink::memory().0,
    };
    let now = at("2026-11-29T12:00:00Z");
    let unknown = ApiKeySecret::generate();
    let cases: [(Option<&str>, u16, &str); 5] = [
        (None, 401, "invalid-api-key"),
        (Some(""), 401, "invalid-api-key"),
        (Some("cbk_not-a-key"), 401, "invalid-api-key"),
        (Some("\u{e9}t\u{e9}"), 401, "invalid-api-key"),
        (Some(unknown.expose()), 401, "invalid-api-key"),
    ];
    for (i, (header, status, kind)) in cases.into_iter().enumerate() {
        let response = handle_at(&deps, request(i as u32, header, &[]), now).await;
        assert_eq!(response.status(), status, "{header:?}");
        assert!(problem_type(&response).ends_with(kind), "{header:?}");
        assert!(response.headers().contains_key("www-authenticate"));
        assert!(!response.headers().contains_key("ratelimit"));
    }

    let ok = handle_at(&deps, request(10, Some(key.expose()), &[]), now).await;
    assert_eq!(ok.status(), 200);

    let mut suspended = partner.clone();
    suspended.status = PartnerStatus::Suspended;
    deps.store.update_partner(&suspended).await.unwrap();
    let refused = handle_at(&deps, request(11, Some(key.expose()), &[]), now).await;
    assert_eq!(refused.status(), 403);
    assert!(problem_type(&refused).ends_with("api-key-refused"));
    assert!(
        json_body(&refused)["detail"]
            .as_str()
            .unwrap()
            .contains("suspended")
    );

    deps.store.update_partner(&partner).await.unwrap();
    deps.store
        .revoke_key(&partner.id, key.id(), at("2026-11-29T11:00:00Z"))
        .await
        .unwrap();
    let revoked = handle_at(&deps, request(12, Some(key.expose()), &[]), now).await;
    assert_eq!(revoked.status(), 403);
    assert!(problem_type(&revoked).ends_with("api-key-refused"));
}

#[tokio::test]
async fn answers_429_with_retry_after_and_rate_limit_headers() {
    let store = SqliteStore::in_memory().unwrap();
    let limits = Limits {
        per_second: 2,
        per_day: Some(1_000),
        per_month: None,
    };
    let (_, key) = partner_with_key(&store, Tier::Free, limits).await;
    let deps = Deps {
        store,
        metrics: EmfSink::memory().0,
    };
    let now = at("2026-11-29T12:00:00.400Z");
    let first = handle_at(&deps, request(1, Some(key.expose()), &[]), now).await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()["ratelimit-policy"],
        r#""second";q=2;w=1, "day";q=1000;w=86400"#
    );
    assert_eq!(
        first.headers()["ratelimit"],
        r#""second";r=1;t=1, "day";r=999;t=43200"#
    );
    assert_eq!(
        handle_at(&deps, request(2, Some(key.expose()), &[]), now)
            .await
            .status(),
        200
    );
    let limited = handle_at(&deps, request(3, Some(key.expose()), &[]), now).await;
    assert_eq!(limited.status(), 429);
    assert!(problem_type(&limited).ends_with("rate-limited"));
    assert_eq!(limited.headers()["retry-after"], "1");
    assert_eq!(
        limited.headers()["ratelimit"],
        r#""second";r=0;t=1, "day";r=998;t=43200"#
    );
    assert!(limited.headers().contains_key("ratelimit-policy"));
}

#[tokio::test]
async fn reports_usage_billed_by_the_rule_and_rejects_bad_ranges() {
    let store = SqliteStore::in_memory().unwrap();
    let (partner, key) =
        partner_with_key(&store, Tier::Standard, Tier::Standard.default_limits()).await;
    let deps = Deps {
        store,
        metrics: EmfSink::memory().0,
    };
    // Two successful calls and one bad parameter (400, billed) on the 28th.
    let day1 = at("2026-11-28T10:00:00Z");
    for n in 0..2 {
        let r = handle_at(&deps, request(n, Some(key.expose()), &[]), day1).await;
        assert_eq!(r.status(), 200);
    }
    let bad = handle_at(
        &deps,
        request(2, Some(key.expose()), &[("from", "yesterday")]),
        day1,
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(json_body(&bad)["invalidParams"][0]["name"], "from");
    for (n, query) in [
        (3, vec![("from", "2026-11-29"), ("to", "2026-11-28")]),
        (4, vec![("from", "2026-01-01"), ("to", "2026-11-28")]),
        (5, vec![("to", "2026-11-31")]),
        (6, vec![("unknown", "1")]),
    ] {
        let r = handle_at(&deps, request(n, Some(key.expose()), &query), day1).await;
        assert_eq!(r.status(), 400, "{query:?}");
    }

    let day2 = at("2026-11-29T08:00:00Z");
    let response = handle_at(
        &deps,
        request(9, Some(key.expose()), &[("from", "2026-11-01")]),
        day2,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    assert_eq!(body["partnerId"], partner.id.as_str());
    assert_eq!(body["tier"], "standard");
    assert_eq!(body["to"], "2026-11-29");
    // 2 × 200 + 5 × 400 on the 28th, all billed; this request is settled after its answer.
    assert_eq!(body["totals"]["billed"], 7);
    assert_eq!(body["totals"]["clientErrors"], 5);
    assert_eq!(body["days"][0]["day"], "2026-11-28");
    assert_eq!(body["days"][0]["keyId"], key.id().as_str());
    assert_eq!(body["days"][0]["route"], "usage");
    // The daily rollup of the route: the same 7 requests, 5 of them 4xx, and latency
    // percentiles, each a bound of the fixed histogram.
    let rollup = &body["rollup"][0];
    assert_eq!(rollup["day"], "2026-11-28");
    assert_eq!(rollup["route"], "usage");
    assert_eq!(rollup["requests"], 7);
    assert_eq!(rollup["clientErrors"], 5);
    assert_eq!(rollup["serverErrors"], 0);
    for p in ["latencyP50Ms", "latencyP95Ms", "latencyP99Ms"] {
        let ms = rollup[p].as_u64().unwrap();
        assert!(
            shared::domain::partner::LATENCY_BOUNDS_MS.contains(&ms),
            "{p}: {ms}"
        );
    }
    // And now it is counted, on the 29th.
    let later = handle_at(&deps, request(10, Some(key.expose()), &[]), day2).await;
    assert_eq!(json_body(&later)["totals"]["billed"], 8);
}

/// The REST API's event (`events/partner-usage.json`, payload 1.0, as API Gateway sends it for
/// the partner API) with `key` in `x-api-key`, invoked as Lambda invocation `invocation`.
fn rest_event(key: &str, invocation: &str) -> Request {
    let mut req =
        lambda_http::request::from_str(include_str!("../../../events/partner-usage.json")).unwrap();
    req.headers_mut().insert("x-api-key", key.parse().unwrap());
    let mut context = lambda_http::Context::default();
    context.request_id = invocation.to_owned();
    req.with_lambda_context(context)
}

/// Metering is idempotent per request id: the same REST request delivered twice (a Lambda
/// retry: same API Gateway request id, a new invocation id) is admitted and billed once.
#[tokio::test]
async fn a_rest_request_delivered_twice_is_billed_once() {
    let store = SqliteStore::in_memory().unwrap();
    let (_, key) = partner_with_key(&store, Tier::Standard, Tier::Standard.default_limits()).await;
    let deps = Deps {
        store,
        metrics: EmfSink::memory().0,
    };
    let now = at("2026-11-29T12:00:00Z");
    for invocation in ["invocation-1", "invocation-2"] {
        let response = handle_at(&deps, rest_event(key.expose(), invocation), now).await;
        assert_eq!(response.status(), 200, "{}", json_body(&response));
        assert_eq!(
            response.headers()["x-request-id"],
            "fixture-partner-usage-rest"
        );
        // The fixture's query string reached the handler.
        assert_eq!(json_body(&response)["from"], "2026-11-01");
    }
    let report = handle_at(&deps, request(1, Some(key.expose()), &[]), now).await;
    let body = json_body(&report);
    assert_eq!(body["totals"]["billed"], 1, "{body}");
    assert_eq!(body["days"][0]["route"], "usage");
}

/// The EMF documents the gate wrote for `partner`'s requests (and its 429s, per route).
fn emf_docs(buffer: &std::sync::Mutex<Vec<u8>>) -> Vec<serde_json::Value> {
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Analytics: the gate counts requests, 4xx and latency per partner and route, and 429s per
/// route and in total, as CloudWatch EMF in the `CraftBean` namespace.
#[tokio::test]
async fn the_gate_counts_requests_errors_latency_and_refusals_as_emf() {
    let store = SqliteStore::in_memory().unwrap();
    let limits = Limits {
        per_second: 2,
        per_day: Some(1_000),
        per_month: None,
    };
    // Its own partner id, so every document below names this test's partner.
    let (partner, key) = shared::testing::partner_with_key(
        &store,
        77,
        Tier::Free,
        limits,
        at("2026-11-01T00:00:00Z"),
    )
    .await;
    let (metrics, buffer) = EmfSink::memory();
    let deps = Deps { store, metrics };
    let now = at("2026-11-29T12:00:00.400Z");
    let ok = handle_at(&deps, request(1, Some(key.expose()), &[]), now).await;
    assert_eq!(ok.status(), 200);
    let bad = handle_at(&deps, request(2, Some(key.expose()), &[("to", "x")]), now).await;
    assert_eq!(bad.status(), 400);
    let limited = handle_at(&deps, request(3, Some(key.expose()), &[]), now).await;
    assert_eq!(limited.status(), 429);

    // Keep this partner's documents and the refusals (whose dimensions name no partner).
    let docs = emf_docs(&buffer);
    let mine: Vec<&serde_json::Value> = docs
        .iter()
        .filter(|d| d["Partner"] == partner.id.as_str())
        .collect();
    let sum = |metric: &str| -> u64 { mine.iter().filter_map(|d| d[metric].as_u64()).sum() };
    assert_eq!(sum("Requests"), 2, "{docs:?}");
    assert_eq!(sum("ClientErrors"), 1);
    assert_eq!(sum("ServerErrors"), 0);
    let latencies: usize = mine
        .iter()
        .filter_map(|d| d["Latency"].as_array())
        .map(Vec::len)
        .sum();
    assert_eq!(latencies, 2, "one latency value per admitted request");
    for doc in &mine {
        assert_eq!(doc["Route"], "usage");
        let block = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(block["Namespace"], "CraftBean");
        assert_eq!(
            block["Dimensions"][0],
            serde_json::json!(["Partner", "Route"])
        );
    }
    let limited_per_route = docs
        .iter()
        .filter(|d| d["Route"] == "usage" && d.get("Partner").is_none())
        .filter_map(|d| d["RateLimited"].as_u64())
        .sum::<u64>();
    assert!(limited_per_route >= 1, "{docs:?}");
    assert!(
        docs.iter().any(|d| d["RateLimited"].as_u64().is_some()
            && d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0] == serde_json::json!([])),
        "RateLimited without dimensions (the throttles alarm's metric)"
    );
}
