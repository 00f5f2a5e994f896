//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use delete_story::{Deps, handle};
use shared::domain::{Story, StoryDraft, StoryId};
use shared::http::WriteGuard;
use shared::ports::{StoryReader, StoryWriter};
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body, public_id, user_keys};

async fn deps_with_story_by(author: &str) -> Deps<SqliteStore, SqliteStore> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let story = Story::new(
        StoryId::parse("sty_0000000000000001").unwrap(),
        public_id(author),
        StoryDraft {
            title: "Gone tomorrow".to_owned(),
            body: "A story about to be deleted.".to_owned(),
            tags: vec![],
            cafe_ids: vec![],
        },
        jiff::Timestamp::from_second(1_790_000_000).unwrap(),
    );
    store.create_story(&story).await.unwrap();
    Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        users: user_keys(),
    }
}

#[tokio::test]
async fn the_author_deletes_a_story_once() {
    let deps = deps_with_story_by("fixture-user").await;
    let response = handle(&deps, event("delete-story")).await;
    assert_eq!(response.status(), 204, "{}", json_body(&response));
    let id = StoryId::parse("sty_0000000000000001").unwrap();
    assert_eq!(deps.store.get_story(&id).await.unwrap(), None);
    let again = handle(&deps, event("delete-story")).await;
    assert_eq!(again.status(), 404, "{}", json_body(&again));
}

#[tokio::test]
async fn someone_else_gets_403() {
    let deps = deps_with_story_by("someone-else").await;
    let response = handle(&deps, event("delete-story")).await;
    assert_eq!(response.status(), 403, "{}", json_body(&response));
    let id = StoryId::parse("sty_0000000000000001").unwrap();
    assert!(deps.store.get_story(&id).await.unwrap().is_some());
}
