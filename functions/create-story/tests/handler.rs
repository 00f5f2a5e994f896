//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use create_story::{Deps, handle};
use shared::config::WriteConfig;
use shared::store::reviews::ReviewStore;
use shared::testing::{event, json_body};

#[tokio::test]
async fn publishes_the_fixture_story() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        records: ReviewStore::new(store.clone(), "test"),
        store,
        users: shared::testing::user_keys(),
        config: WriteConfig {
            limits: shared::config::WriteLimits::all_per_hour(30),
            region: "test".to_owned(),
        },
    };
    let response = handle(&deps, event("create-story")).await;
    assert_eq!(response.status(), 201, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(
        body["author"]["id"],
        shared::testing::public_id("fixture-user").as_str()
    );
    assert!(body["author"]["displayName"].is_string());
    assert!(!body.to_string().contains("fixture-user"));
    assert_eq!(body["tags"], serde_json::json!(["espresso", "winter"]));
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("/stories/{}", body["id"].as_str().unwrap())
    );
}
