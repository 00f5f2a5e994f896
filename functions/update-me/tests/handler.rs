//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::http::WriteGuard;
use shared::testing::{event, json_body, public_id, user_keys};
use update_me::{Deps, handle};

async fn deps() -> Deps<shared::store::sqlite::SqliteStore, shared::store::sqlite::SqliteStore> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        users: user_keys(),
    }
}

fn with_body(body: serde_json::Value) -> lambda_http::Request {
    let mut req = event("update-me");
    *req.body_mut() = lambda_http::Body::Text(body.to_string());
    req
}

#[tokio::test]
async fn edits_the_profile() {
    let deps = deps().await;
    let response = handle(&deps, event("update-me")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(body["id"], public_id("fixture-user").as_str());
    assert_eq!(body["displayName"], "Fixture Fan");
    assert_eq!(body["homeCity"], "Lisbon");
    assert_eq!(body["bio"], "Filter in the morning,\nespresso after lunch.");
    let stored = shared::ports::UserReader::get_profile(&deps.store, &public_id("fixture-user"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.display_name, "Fixture Fan");

    // Dropping the optional fields clears them.
    let response = handle(
        &deps,
        with_body(serde_json::json!({ "displayName": "Fixture" })),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(json_body(&response)["bio"], serde_json::Value::Null);
}

#[tokio::test]
async fn invalid_profiles_are_422_naming_each_field() {
    let deps = deps().await;
    let cases = [
        (serde_json::json!({}), vec!["displayName"]),
        (
            serde_json::json!({ "displayName": "" }),
            vec!["displayName"],
        ),
        (
            serde_json::json!({ "displayName": "x".repeat(51) }),
            vec!["displayName"],
        ),
        (
            serde_json::json!({ "displayName": "two\nlines" }),
            vec!["displayName"],
        ),
        (
            serde_json::json!({ "displayName": "Ana", "bio": "b".repeat(301) }),
            vec!["bio"],
        ),
        (
            serde_json::json!({ "displayName": "Ana", "homeCity": 7 }),
            vec!["homeCity"],
        ),
        (
            serde_json::json!({ "displayName": "Ana", "email": "a@b.c" }),
            vec!["email"],
        ),
        (
            serde_json::json!({ "displayName": "Ana", "tasteMethods": ["tea"] }),
            vec!["tasteMethods"],
        ),
        (
            serde_json::json!({ "displayName": "Ana", "tasteMethods": "v60" }),
            vec!["tasteMethods"],
        ),
        (
            serde_json::json!({ "displayName": "Ana", "tasteMethods": ["v60", 7] }),
            vec!["tasteMethods"],
        ),
        (
            serde_json::json!({ "displayName": "", "tasteMethods":
                ["v60", "espresso", "aeropress", "chemex", "siphon", "moka-pot"] }),
            vec!["displayName", "tasteMethods"],
        ),
    ];
    for (body, fields) in cases {
        let response = handle(&deps, with_body(body.clone())).await;
        assert_eq!(response.status(), 422, "{body}: {}", json_body(&response));
        let problem = json_body(&response);
        let named: Vec<&str> = problem["invalidParams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(named, fields, "{body}");
    }
    let mut req = event("update-me");
    *req.body_mut() = lambda_http::Body::Text("{not json".to_owned());
    assert_eq!(handle(&deps, req).await.status(), 400);
}

#[tokio::test]
async fn the_taste_is_set_kept_when_omitted_and_cleared_by_null() {
    let deps = deps().await;
    let put = |body: serde_json::Value| handle(&deps, with_body(body));
    let response = put(serde_json::json!({
        "displayName": "Ana",
        "tasteMethods": ["siphon", "v60", "siphon"]
    }))
    .await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(
        json_body(&response)["tasteMethods"],
        serde_json::json!(["siphon", "v60"]),
        "deduplicated, in the order given"
    );
    // A client that does not know the field keeps the taste.
    let response = put(serde_json::json!({ "displayName": "Ana B." })).await;
    assert_eq!(
        json_body(&response)["tasteMethods"],
        serde_json::json!(["siphon", "v60"])
    );
    let stored = shared::ports::UserReader::get_profile(&deps.store, &public_id("fixture-user"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.taste_methods.len(), 2);
    for clear in [serde_json::json!(null), serde_json::json!([])] {
        put(serde_json::json!({ "displayName": "Ana", "tasteMethods": ["v60"] })).await;
        let response =
            put(serde_json::json!({ "displayName": "Ana", "tasteMethods": clear })).await;
        assert_eq!(response.status(), 200);
        assert_eq!(json_body(&response)["tasteMethods"], serde_json::json!([]));
    }
}
