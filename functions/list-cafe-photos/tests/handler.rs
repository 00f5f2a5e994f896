//! Handler tests with the events/ fixture against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_cafe_photos::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_the_fixture_cafes_ready_photos() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: CursorCodec::new(&[3u8; 32]).unwrap(),
    };
    let response = handle(&deps, event("list-cafe-photos")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(body["items"], serde_json::json!([]));
    assert!(body["nextCursor"].is_null());
}
