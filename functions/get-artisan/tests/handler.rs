//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_artisan::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn serves_the_fixture_artisan() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
    };
    let artisan = &shared::demo::catalog().unwrap().artisans[0];
    let response = handle(&deps, event("get-artisan")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(body["id"], artisan.id.as_str());
    assert_eq!(body["cafeId"], artisan.cafe_id.as_str());
}
