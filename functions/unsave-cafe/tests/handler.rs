//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::{CafeId, SavedCafe};
use shared::http::WriteGuard;
use shared::ports::SavedCafeStore;
use shared::query::PageLimit;
use shared::testing::{event, json_body, public_id, user_keys};
use unsave_cafe::{Deps, handle};

#[tokio::test]
async fn unsaving_is_idempotent() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let user = public_id("fixture-user");
    let cafe: CafeId = shared::demo::catalog().unwrap().cafes[0].id.clone();
    store
        .save_cafe(
            &user,
            &SavedCafe {
                cafe_id: cafe,
                saved_at: jiff::Timestamp::now(),
            },
        )
        .await
        .unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
    };
    for _ in 0..2 {
        let response = handle(&deps, event("unsave-cafe")).await;
        assert_eq!(response.status(), 204, "{}", json_body(&response));
        let saved = store
            .list_saved_cafes(&user, PageLimit::max(), None)
            .await
            .unwrap();
        assert!(saved.items.is_empty());
    }
}
