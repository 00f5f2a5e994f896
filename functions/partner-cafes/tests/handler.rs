//! Handler tests on an embedded store: catalogue sync through the partner gate (no key → 401;
//! every answer metered, 4xx billed by the rule), pages with cursors, `updatedSince`, and 400
//! problem+json for a bad `updatedSince`, `limit` or cursor (never a 5xx).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use lambda_http::{Body, Request};
use partner_cafes::{Deps, handle_at};
use shared::cursor::CursorCodec;
use shared::domain::partner::{ApiKeySecret, Partner, Tier};
use shared::emf::EmfSink;
use shared::ports::{CatalogWriter, Meter};
use shared::store::sqlite::SqliteStore;
use shared::testing::json_body;

fn at(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

fn request(n: u32, key: Option<&str>, query: &[(&str, &str)]) -> Request {
    shared::testing::partner_request("/partner/v1/cafes", n, key, query)
}

fn codec(secret: u8) -> CursorCodec {
    CursorCodec::new(&[secret; 32]).unwrap()
}

/// A store with `n` cafés (written one by one, so each has its own stamp) and a partner key.
async fn deps(n: usize) -> (Deps<SqliteStore>, Partner, ApiKeySecret) {
    let store = SqliteStore::in_memory().unwrap();
    let (partner, key) = shared::testing::partner_with_key(
        &store,
        1,
        Tier::Standard,
        Tier::Standard.default_limits(),
        at("2026-11-01T00:00:00Z"),
    )
    .await;
    let mut cafes = shared::demo::catalog().unwrap().cafes;
    cafes.truncate(n);
    for cafe in &cafes {
        store.put_cafe(cafe).await.unwrap();
    }
    let deps = Deps {
        store,
        cursors: codec(7),
        metrics: EmfSink::memory().0,
    };
    (deps, partner, key)
}

const NOW: &str = "2026-11-29T12:00:00Z";

fn problem(response: &lambda_http::Response<Body>) -> (u16, String) {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    (
        response.status().as_u16(),
        json_body(response)["type"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn pages_through_every_cafe_once_in_update_order() {
    let (deps, _, key) = deps(7).await;
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut n = 0;
    loop {
        let mut query = vec![("limit", "3")];
        if let Some(c) = cursor.as_deref() {
            query.push(("cursor", c));
        }
        n += 1;
        let response = handle_at(&deps, request(n, Some(key.expose()), &query), at(NOW)).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("ratelimit"));
        let body = json_body(&response);
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        for item in items {
            // The café profile's fields, plus updatedAt.
            assert!(item["name"].is_string() && item["hours"].is_object());
            seen.push((
                item["updatedAt"].as_str().unwrap().to_owned(),
                item["id"].as_str().unwrap().to_owned(),
            ));
        }
        match body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");

    // From the fourth café's stamp on: every café stamped at or after it (cafés written in the
    // same millisecond share a stamp).
    let since = seen[3].0.clone();
    let response = handle_at(
        &deps,
        request(100, Some(key.expose()), &[("updatedSince", &since)]),
        at(NOW),
    )
    .await;
    let body = json_body(&response);
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = seen
        .iter()
        .filter(|(stamp, _)| *stamp >= since)
        .map(|(_, id)| id.as_str())
        .collect();
    assert!(expected.len() >= 4 && expected.len() < 7 || seen[0].0 == since);
    assert_eq!(ids, expected);
    assert!(body["nextCursor"].is_null());
}

#[tokio::test]
async fn the_default_page_is_fifty() {
    let (deps, _, key) = deps(60).await;
    let response = handle_at(&deps, request(1, Some(key.expose()), &[]), at(NOW)).await;
    let body = json_body(&response);
    assert_eq!(body["items"].as_array().unwrap().len(), 50);
    assert!(body["nextCursor"].is_string());
}

#[tokio::test]
async fn bad_input_is_a_metered_400_never_a_5xx() {
    let (deps, partner, key) = deps(3).await;
    let first = handle_at(
        &deps,
        request(1, Some(key.expose()), &[("limit", "1")]),
        at(NOW),
    )
    .await;
    let cursor = json_body(&first)["nextCursor"].as_str().unwrap().to_owned();
    let foreign = codec(9).encode(
        "partner-cafes|0",
        &serde_json::json!({"s": "x", "p": "y", "k": "z"}),
    );
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("updatedSince", "yesterday")],
        vec![("updatedSince", "2026-11-23")],
        vec![("updatedSince", "2026-11-23T08:30:00")],
        vec![("limit", "0")],
        vec![("limit", "101")],
        vec![("limit", "ten")],
        vec![("cursor", "not-a-cursor")],
        vec![("cursor", &foreign)],
        // A cursor only holds under the updatedSince it was made with.
        vec![
            ("cursor", &cursor),
            ("updatedSince", "2026-01-01T00:00:00Z"),
        ],
        vec![("unknown", "1")],
    ];
    for (i, query) in cases.iter().enumerate() {
        let response = handle_at(
            &deps,
            request(10 + i as u32, Some(key.expose()), query),
            at(NOW),
        )
        .await;
        let (status, kind) = problem(&response);
        assert_eq!(status, 400, "{query:?}");
        assert!(kind.starts_with("https://"), "{query:?}: {kind}");
    }
    // The cursor still works under its own updatedSince.
    let again = handle_at(
        &deps,
        request(50, Some(key.expose()), &[("cursor", &cursor)]),
        at(NOW),
    )
    .await;
    assert_eq!(again.status(), 200);

    // Without a key: 401 from the gate, nothing metered.
    let response = handle_at(&deps, request(60, None, &[]), at(NOW)).await;
    assert_eq!(problem(&response).0, 401);

    // Every admitted call metered once on the cafés route: 2 × 200 and the 400s, all billed.
    let day = at(NOW).to_zoned(jiff::tz::TimeZone::UTC).date();
    let rows = deps.store.usage(&partner.id, day, day).await.unwrap();
    let cafes: Vec<_> = rows.iter().filter(|r| r.route == "cafes").collect();
    let billed: u64 = cafes.iter().map(|r| r.billed).sum();
    let client: u64 = cafes.iter().map(|r| r.client_errors).sum();
    assert_eq!(billed, 2 + cases.len() as u64);
    assert_eq!(client, cases.len() as u64);
}
