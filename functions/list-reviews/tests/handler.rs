//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_reviews::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_an_empty_page_for_a_cafe_without_reviews() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        catalog: store,
        cursors: CursorCodec::new(&[5u8; 32]).unwrap(),
    };
    let response = handle(&deps, event("list-reviews")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(body["nextCursor"], serde_json::Value::Null);
}
