//! Handler tests: API Gateway fixtures from events/ against the demo catalogue in an embedded
//! store, plus failure injection for the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_cafes::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::domain::{Cafe, CafeId, CafeSummary};
use shared::ports::{CafeReader, StoreError};
use shared::query::{CafeQuery, Page};
use shared::testing::{event, json_body as json};

fn cursors() -> CursorCodec {
    CursorCodec::new(&[9u8; 32]).unwrap()
}

#[tokio::test]
async fn lists_tokyo_cafes_from_the_fixture() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let response = handle(&deps, event("list-cafes")).await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "fixture asks for limit=5");
    assert!(items.iter().all(|c| c["location"]["city"] == "Tokyo"));
    assert!(
        body["nextCursor"].is_string(),
        "Tokyo has more than five demo cafés"
    );
    assert_eq!(response.headers()["x-request-id"], "fixture-list-cafes");
}

#[tokio::test]
async fn invalid_fixture_names_every_bad_parameter() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let response = handle(&deps, event("list-cafes-invalid")).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let names: Vec<String> = json(&response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["amenity", "sort", "limit"]);
}

/// A store that always fails the way the chosen error says.
struct FailingStore(fn() -> StoreError);

impl CafeReader for FailingStore {
    async fn list_cafes(&self, _: &CafeQuery) -> Result<Page<CafeSummary>, StoreError> {
        Err((self.0)())
    }
    async fn get_cafe(&self, _: &CafeId) -> Result<Option<Cafe>, StoreError> {
        Err((self.0)())
    }
}

#[tokio::test]
async fn store_failures_are_opaque_500s_and_throttling_is_a_503() {
    let failing = Deps {
        store: FailingStore(|| StoreError::Backend {
            operation: "query",
            source: "connection reset by secret-host.internal".into(),
        }),
        cursors: cursors(),
    };
    let response = handle(&failing, event("list-cafes")).await;
    assert_eq!(response.status(), 500);
    let body = json(&response);
    assert_eq!(body["type"], "https://craftbean.app/problems/internal");
    assert!(
        !body.to_string().contains("secret-host"),
        "no internals leak: {body}"
    );

    let throttled = Deps {
        store: FailingStore(|| StoreError::Throttled { operation: "query" }),
        cursors: cursors(),
    };
    let response = handle(&throttled, event("list-cafes")).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
}

/// The fixture request with its query string replaced by `pairs`.
fn with_query(pairs: &[(&str, &str)]) -> lambda_http::Request {
    use lambda_http::RequestExt;
    use std::collections::HashMap;
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    event("list-cafes").with_query_string_parameters(map)
}

fn invalid_names(response: &lambda_http::Response<lambda_http::Body>) -> Vec<String> {
    assert_eq!(response.status(), 400);
    json(response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

fn matches(q: &str, item: &serde_json::Value) -> bool {
    let cafe: CafeSummary = serde_json::from_value(item.clone()).unwrap();
    let text = shared::search::SearchText::parse(q).unwrap();
    text.quality(&shared::search::cafe_terms(&cafe)).is_some()
}

#[tokio::test]
async fn q_searches_names_roasters_neighbourhoods_and_cities_across_pages() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let first = handle(&deps, with_query(&[("q", "TOKYO"), ("limit", "4")])).await;
    assert_eq!(first.status(), 200);
    let body = json(&first);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|c| matches("tokyo", c)));
    let cursor = body["nextCursor"].as_str().unwrap().to_owned();

    let second = handle(
        &deps,
        with_query(&[("q", "tokyo"), ("limit", "4"), ("cursor", &cursor)]),
    )
    .await;
    assert_eq!(second.status(), 200, "same words, other case: same query");
    let next = json(&second);
    let next_items = next["items"].as_array().unwrap();
    assert!(!next_items.is_empty());
    assert!(next_items.iter().all(|c| !items.contains(c)), "no overlap");

    let other = handle(&deps, with_query(&[("q", "oslo"), ("cursor", &cursor)])).await;
    assert_eq!(other.status(), 400);
    assert_eq!(
        json(&other)["type"],
        "https://craftbean.app/problems/invalid-cursor"
    );
}

#[tokio::test]
async fn q_combines_with_filters() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let all = json(&handle(&deps, with_query(&[("q", "cafe"), ("limit", "100")])).await);
    let response = handle(
        &deps,
        with_query(&[("q", "cafe"), ("country", "JP"), ("limit", "100")]),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.len() < all["items"].as_array().unwrap().len());
    for item in items {
        assert_eq!(item["location"]["country"], "JP");
        assert!(matches("cafe", item));
    }
}

#[tokio::test]
async fn bad_q_values_are_400s_naming_q() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let long = "a".repeat(shared::search::MAX_QUERY_CHARS + 1);
    // (q, why it is refused)
    let cases = [
        ("", "empty"),
        ("   ", "blank"),
        ("☕ !!", "no letters or digits"),
        (long.as_str(), "too long"),
        ("a b c d e f", "too many words"),
    ];
    for (q, why) in cases {
        let response = handle(&deps, with_query(&[("q", q)])).await;
        assert_eq!(invalid_names(&response), ["q"], "{why}");
    }
    let response = handle(&deps, with_query(&[("q", "cafe"), ("sort", "rating")])).await;
    assert_eq!(invalid_names(&response), ["sort"], "sort with q");
    let reason = json(&response)["invalidParams"][0]["reason"].clone();
    assert!(reason.as_str().unwrap().contains("relevance"), "{reason}");
}
