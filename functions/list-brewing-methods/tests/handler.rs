//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_brewing_methods::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_every_method_by_name() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
    };
    let response = handle(&deps, event("list-brewing-methods")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    let names: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| shared::store::keys::name_key(m["name"].as_str().unwrap()))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        names.len(),
        shared::demo::catalog().unwrap().brewing_methods.len()
    );
}
