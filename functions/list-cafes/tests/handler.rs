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
