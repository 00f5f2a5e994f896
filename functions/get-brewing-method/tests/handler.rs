//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_brewing_method::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn serves_the_fixture_method() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
    };
    let method = &shared::demo::catalog().unwrap().brewing_methods[0];
    let response = handle(&deps, event("get-brewing-method")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(body["slug"], method.slug.as_str());
    assert!(!body["steps"].as_array().unwrap().is_empty());
}
