//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::{Rating, Review, ReviewDraft, ReviewId, ReviewText};
use shared::http::WriteGuard;
use shared::ports::ReviewWriter;
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body};
use update_review::{Deps, handle};

async fn deps_with_review(author: &str) -> Deps<SqliteStore, ReviewStore<SqliteStore>> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let reviews = ReviewStore::new(store.clone(), "test");
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    let review = Review::new(
        ReviewId::parse("rev_0000000000000001").unwrap(),
        cafe,
        shared::testing::public_id(author),
        ReviewDraft {
            rating: Rating::new(5).unwrap(),
            text: ReviewText::parse("First visit: a superb naturally processed Ethiopian.")
                .unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        jiff::Timestamp::from_second(1_700_000_000).unwrap(),
    );
    reviews.create_review(&review).await.unwrap();
    Deps {
        reviews,
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        catalog: store,
        users: shared::testing::user_keys(),
    }
}

#[tokio::test]
async fn the_author_edits_the_fixture_review() {
    let response = handle(
        &deps_with_review("fixture-user").await,
        event("update-review"),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(json_body(&response)["rating"], 3);
}

#[tokio::test]
async fn anyone_else_gets_a_403() {
    let response = handle(
        &deps_with_review("someone-else").await,
        event("update-review"),
    )
    .await;
    assert_eq!(response.status(), 403);
}
