//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_cafe::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn serves_the_fixture_cafe_and_404s_an_unknown_one() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps { store };
    let catalog = shared::demo::catalog().unwrap();

    let response = handle(&deps, event("get-cafe")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(body["id"], catalog.cafes[0].id.as_str());
    assert_eq!(body["name"], catalog.cafes[0].name.as_str());
    assert!(response.headers().contains_key("etag"));
    assert_eq!(body["rating"]["count"], 0, "no reviews yet");
    assert_eq!(body["latestReviews"], serde_json::json!([]));

    let response = handle(&deps, event("get-cafe-unknown")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        json_body(&response)["type"],
        "https://craftbean.app/problems/not-found"
    );
}
