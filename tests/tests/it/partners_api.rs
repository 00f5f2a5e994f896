//! The partner API end to end through the local server (`make run`): `/partner/v1/…` answers
//! with the same key check, limits and headers as in AWS, and concurrent calls through HTTP are
//! admitted and billed exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::partner::{ApiKeySecret, Limits, Partner, Tier, utc_day};
use shared::ports::Meter;
use shared::store::sqlite::SqliteStore;

async fn partner_in(app: &tests::TestApp, limits: Limits) -> (SqliteStore, Partner, ApiKeySecret) {
    let store = SqliteStore::open(&app.data_dir.path().join(local_server::DB_FILE)).unwrap();
    let (partner, key) =
        shared::testing::partner_with_key(&store, 42, Tier::Free, limits, Timestamp::now()).await;
    (store, partner, key)
}

#[tokio::test]
async fn the_local_server_checks_keys_and_reports_limits() {
    let app = tests::spawn_app().await;
    let (_, partner, key) = partner_in(&app, Tier::Free.default_limits()).await;

    let documented = |reply| tests::openapi::partner_documented(reply, "GET", "/partner/v1/usage");
    let missing = documented(app.request("GET", "/partner/v1/usage", &[]).await);
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        missing.body["type"],
        "https://craftbean.app/problems/invalid-api-key"
    );
    let unknown = ApiKeySecret::generate();
    let wrong = documented(
        app.request(
            "GET",
            "/partner/v1/usage",
            &[("x-api-key", unknown.expose())],
        )
        .await,
    );
    assert_eq!(wrong.status, 401);

    let ok = documented(
        app.request("GET", "/partner/v1/usage", &[("x-api-key", key.expose())])
            .await,
    );
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["partnerId"], partner.id.as_str());
    assert_eq!(
        ok.header("ratelimit-policy"),
        Some(r#""second";q=5;w=1, "day";q=1000;w=86400"#)
    );
    assert!(
        ok.header("ratelimit")
            .unwrap()
            .starts_with(r#""second";r="#)
    );
    assert!(ok.header("ratelimit").unwrap().contains(r#""day";r=999;"#));

    let bad = documented(
        app.request(
            "GET",
            "/partner/v1/usage?from=2026-13-01",
            &[("x-api-key", key.expose())],
        )
        .await,
    );
    assert_eq!(bad.status, 400);
    assert!(bad.header("ratelimit").is_some(), "admitted: headers too");
}

#[tokio::test]
async fn concurrent_calls_through_http_are_admitted_and_billed_exactly() {
    let app = tests::spawn_app().await;
    let limits = Limits {
        per_second: 1_000,
        per_day: Some(12),
        per_month: None,
    };
    let (store, partner, key) = partner_in(&app, limits).await;
    let headers = [("x-api-key", key.expose())];
    let calls = (0..20).map(|_| app.request("GET", "/partner/v1/usage", &headers));
    let replies = futures_util::future::join_all(calls).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(ok, 12);
    assert_eq!(limited.len(), 8);
    for reply in limited {
        tests::openapi::assert_partner_documented(reply, "GET", "/partner/v1/usage");
        assert_eq!(
            reply.body["type"],
            "https://craftbean.app/problems/rate-limited"
        );
        let after: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&after));
        assert!(reply.header("ratelimit").unwrap().contains(r#""day";r=0;"#));
    }
    let today = utc_day(Timestamp::now());
    let rows = store.usage(&partner.id, today, today).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.billed).sum::<u64>(), 12);
}
