//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::{Story, StoryDraft, StoryId};
use shared::http::WriteGuard;
use shared::ports::{StoryReader, StoryWriter};
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body, public_id, user_keys};
use update_story::{Deps, handle};

async fn deps_with_story_by(author: &str) -> Deps<SqliteStore, SqliteStore> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let story = Story::new(
        StoryId::parse("sty_0000000000000001").unwrap(),
        public_id(author),
        StoryDraft {
            title: "A frosty morning flat white".to_owned(),
            body: "Walked in out of the sleet.".to_owned(),
            tags: vec![shared::domain::Slug::parse("winter").unwrap()],
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
async fn the_author_edits_a_story() {
    let deps = deps_with_story_by("fixture-user").await;
    let response = handle(&deps, event("update-story")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(body["title"], "A frosty morning flat white, revisited");
    assert_eq!(body["tags"], serde_json::json!(["espresso"]));
    assert_eq!(body["author"]["id"], public_id("fixture-user").as_str());
    assert_ne!(body["updatedAt"], body["createdAt"]);
    let stored = deps
        .store
        .get_story(&StoryId::parse("sty_0000000000000001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "A frosty morning flat white, revisited");
}

#[tokio::test]
async fn someone_else_gets_403_and_the_story_is_unchanged() {
    let deps = deps_with_story_by("someone-else").await;
    let response = handle(&deps, event("update-story")).await;
    assert_eq!(response.status(), 403, "{}", json_body(&response));
    let stored = deps
        .store
        .get_story(&StoryId::parse("sty_0000000000000001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "A frosty morning flat white");
}
