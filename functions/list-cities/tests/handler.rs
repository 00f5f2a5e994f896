//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_cities::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_every_demo_city_by_name_with_its_cafe_count() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
    };
    let response = handle(&deps, event("list-cities")).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("s-maxage")
    );
    let body = json_body(&response);
    let items = body["items"].as_array().unwrap();
    let catalog = shared::demo::catalog().unwrap();
    let mut expected: std::collections::BTreeMap<String, u64> = Default::default();
    for cafe in &catalog.cafes {
        *expected.entry(cafe.location.city.clone()).or_default() += 1;
    }
    assert_eq!(items.len(), expected.len(), "one entry per demo city");
    for item in items {
        let name = item["name"].as_str().unwrap();
        assert_eq!(
            item["cafeCount"].as_u64(),
            expected.get(name).copied(),
            "{name}"
        );
        let slug = shared::domain::Slug::from_text(name).unwrap();
        assert_eq!(item["slug"], slug.as_str(), "{name}");
    }
    assert!(
        items
            .iter()
            .any(|c| c["slug"] == "sao-paulo" && c["name"] == "São Paulo" && c["country"] == "BR")
    );
    let keys: Vec<String> = items
        .iter()
        .map(|c| shared::store::keys::name_key(c["name"].as_str().unwrap()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "by name");
}
