//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use delete_review::{Deps, handle};
use shared::domain::{Rating, Review, ReviewDraft, ReviewId, ReviewText};
use shared::http::WriteGuard;
use shared::ports::{ReviewReader, ReviewWriter};
use shared::store::reviews::ReviewStore;
use shared::testing::event;

#[tokio::test]
async fn the_author_deletes_the_fixture_review_and_the_summary_drops() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let reviews = ReviewStore::new(store.clone(), "test");
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    let review = Review::new(
        ReviewId::parse("rev_0000000000000001").unwrap(),
        cafe.clone(),
        shared::testing::public_id("fixture-user"),
        ReviewDraft {
            rating: Rating::new(4).unwrap(),
            text: ReviewText::parse("Lovely cortado, a little too much milk for me.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        jiff::Timestamp::from_second(1_700_000_000).unwrap(),
    );
    reviews.create_review(&review).await.unwrap();
    let deps = Deps {
        reviews,
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        catalog: store,
        users: shared::testing::user_keys(),
    };
    let response = handle(&deps, event("delete-review")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(deps.reviews.rating_summary(&cafe).await.unwrap().count, 0);
    assert_eq!(
        handle(&deps, event("delete-review")).await.status(),
        404,
        "already gone"
    );
}
