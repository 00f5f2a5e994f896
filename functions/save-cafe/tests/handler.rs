//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use save_cafe::{Deps, handle};
use shared::http::WriteGuard;
use shared::ports::SavedCafeStore;
use shared::query::PageLimit;
use shared::testing::{event, json_body, public_id, user_keys};

#[tokio::test]
async fn saving_is_idempotent() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
    };
    let first = handle(&deps, event("save-cafe")).await;
    assert_eq!(first.status(), 201, "{}", json_body(&first));
    let again = handle(&deps, event("save-cafe")).await;
    assert_eq!(again.status(), 200, "{}", json_body(&again));
    assert_eq!(json_body(&first), json_body(&again));
    let saved = store
        .list_saved_cafes(&public_id("fixture-user"), PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(saved.items.len(), 1, "saved once");
    assert_eq!(json_body(&first)["cafeId"], saved.items[0].cafe.id.as_str());
}

#[tokio::test]
async fn unknown_cafes_are_404_and_bad_ids_400() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        users: user_keys(),
    };
    for (id, status) in [("caf_0000000000000000", 404), ("nope", 400)] {
        let mut req = event("save-cafe");
        *req.uri_mut() = format!("/me/saved-cafes/{id}").parse().unwrap();
        // Keep the authorizer context, drop the fixture's path parameters.
        let context = lambda_http::RequestExt::request_context(&req);
        *req.extensions_mut() = lambda_http::http::Extensions::new();
        let req = lambda_http::RequestExt::with_request_context(req, context);
        let response = handle(&deps, req).await;
        assert_eq!(response.status(), status, "{id}: {}", json_body(&response));
    }
}
