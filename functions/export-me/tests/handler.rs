//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use export_me::{Deps, handle};
use shared::domain::{SavedCafe, UserProfile};
use shared::ports::{SavedCafeStore, UserWriter};
use shared::testing::{event, json_body, public_id, user_keys};

#[tokio::test]
async fn exports_everything_about_the_caller_and_nothing_else() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let me = public_id("fixture-user");
    let now = jiff::Timestamp::now();
    store
        .ensure_profile(&UserProfile::first(me.clone(), now))
        .await
        .unwrap();
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    store
        .save_cafe(
            &me,
            &SavedCafe {
                cafe_id: cafe.clone(),
                saved_at: now,
            },
        )
        .await
        .unwrap();
    let deps = Deps {
        store,
        users: user_keys(),
        cursors: shared::cursor::CursorCodec::new(b"test-cursor-secret-0123456789abcdef").unwrap(),
    };
    let response = handle(&deps, event("export-me")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    assert_eq!(body["items"][0]["profile"]["id"], me.as_str());
    assert_eq!(body["items"][1]["savedCafe"]["cafe"]["id"], cafe.as_str());
    assert_eq!(body["items"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["nextCursor"], serde_json::Value::Null);
    assert!(
        !body.to_string().contains("fixture-user"),
        "no token subject"
    );
}
