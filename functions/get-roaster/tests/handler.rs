//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_roaster::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn serves_the_fixture_roaster_with_the_cafes_it_supplies() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
    };
    let catalog = shared::demo::catalog().unwrap();
    let roaster = &catalog.roasters[0];
    let supplied = catalog
        .cafes
        .iter()
        .filter(|c| c.beans.iter().any(|b| b.roaster.id == roaster.id))
        .count();
    let response = handle(&deps, event("get-roaster")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(body["id"], roaster.id.as_str());
    let cafes = body["cafes"].as_array().unwrap();
    assert_eq!(
        cafes.len(),
        supplied.min(get_roaster::EMBEDDED_CAFES as usize)
    );
    assert_eq!(
        body["moreCafes"],
        supplied > get_roaster::EMBEDDED_CAFES as usize
    );
}
