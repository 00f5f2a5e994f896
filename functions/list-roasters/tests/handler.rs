//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_roasters::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_the_first_page_of_roasters() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: CursorCodec::new(&[3u8; 32]).unwrap(),
    };
    let response = handle(&deps, event("list-roasters")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        10,
        "fixture asks for limit=10"
    );
    assert!(
        body["nextCursor"].is_string(),
        "the demo has more than ten roasters"
    );
}
