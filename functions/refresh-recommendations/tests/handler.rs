//! The job on the events/refresh-recommendations.json fixture (an EventBridge scheduled event),
//! over the demo data in an embedded store: every person with history gets a stored list, the
//! lists leave out what the person already reviewed, a second run replaces them, and an empty
//! store is a successful run that writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use jiff::SignedDuration;
use refresh_recommendations::{Deps, handle, refresh};
use shared::ports::RecommendationStore;

fn fixture() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/refresh-recommendations.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_scheduled_run_stores_every_users_recommendations_and_a_rerun_replaces_them() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
    };
    let before = shared::domain::time::now_millis();
    let first = handle(&deps, fixture()).await.unwrap();
    assert!(first.users > 300, "{first:?}");
    assert!(first.computed_at >= before);

    let people = shared::demo::catalog().unwrap().people;
    let author = people.reviews[0].author_id.clone();
    let reviewed: BTreeSet<String> = people
        .reviews
        .iter()
        .filter(|r| r.author_id == author)
        .map(|r| r.cafe_id.to_string())
        .collect();
    let stored = deps
        .store
        .recommendations_of(&author)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.computed_at, first.computed_at);
    assert!(!stored.cafes.is_empty());
    for pick in &stored.cafes {
        assert!(
            !reviewed.contains(pick.id.as_str()),
            "{} is already reviewed by {author}",
            pick.id
        );
    }

    let later = first.computed_at + SignedDuration::from_hours(6);
    let second = refresh(&deps, later).await.unwrap();
    assert_eq!(second.users, first.users, "same data, same people");
    let replaced = deps
        .store
        .recommendations_of(&author)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(replaced.computed_at, later);
    assert_eq!(
        replaced.cafes.iter().map(|c| &c.id).collect::<Vec<_>>(),
        stored.cafes.iter().map(|c| &c.id).collect::<Vec<_>>(),
        "the same data ranks the same way"
    );
}

#[tokio::test]
async fn an_empty_store_is_a_successful_run_that_writes_nothing() {
    let deps = Deps {
        store: shared::store::sqlite::SqliteStore::in_memory().unwrap(),
    };
    let done = handle(&deps, fixture()).await.unwrap();
    assert_eq!(done.users, 0);
}
