//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use delete_me::{Deps, handle};
use shared::domain::{CafeId, Rating, Review, ReviewDraft, ReviewId, ReviewText, UserProfile};
use shared::ports::{ReviewReader, ReviewWriter, UserReader, UserWriter};
use shared::query::PageLimit;
use shared::store::reviews::ReviewStore;
use shared::testing::{event, json_body, public_id, user_keys};

#[tokio::test]
async fn erases_the_account_and_keeps_the_rating_exact() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let reviews = ReviewStore::new(store.clone(), "test");
    let me = public_id("fixture-user");
    let cafe: CafeId = shared::demo::catalog().unwrap().cafes[0].id.clone();
    let before = reviews.rating_summary(&cafe).await.unwrap();
    store
        .ensure_profile(&UserProfile::first(me.clone(), jiff::Timestamp::now()))
        .await
        .unwrap();
    let review = Review::new(
        ReviewId::from_entropy(42),
        cafe.clone(),
        me.clone(),
        ReviewDraft {
            rating: Rating::new(1).unwrap(),
            text: ReviewText::parse("Cold cup, sour shot, long wait; not again.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        jiff::Timestamp::now(),
    );
    reviews.create_review(&review).await.unwrap();
    assert_eq!(
        reviews.rating_summary(&cafe).await.unwrap().count,
        before.count + 1
    );

    let deps = Deps {
        store: store.clone(),
        reviews: reviews.clone(),
        users: user_keys(),
    };
    let response = handle(&deps, event("delete-me")).await;
    assert_eq!(response.status(), 204, "{}", json_body(&response));
    assert_eq!(store.get_profile(&me).await.unwrap(), None);
    assert!(
        reviews
            .list_user_reviews(&me, PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(reviews.rating_summary(&cafe).await.unwrap(), before);
    // Idempotent.
    assert_eq!(handle(&deps, event("delete-me")).await.status(), 204);
}
