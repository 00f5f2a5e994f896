//! Handler tests with events/ fixtures against an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_story::{Deps, handle};
use shared::domain::{Story, StoryId};
use shared::ports::StoryWriter;
use shared::testing::{event, json_body};

#[tokio::test]
async fn serves_the_fixture_story_and_404s_before_it_exists() {
    let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
    let deps = Deps { store };
    assert_eq!(handle(&deps, event("get-story")).await.status(), 404);
    let story = Story {
        id: StoryId::parse("sty_0000000000000001").unwrap(),
        author_id: shared::testing::public_id("ana"),
        title: "Siphon theatre in Taipei".to_owned(),
        body: "Watching the siphon bubble was half the fun.".to_owned(),
        tags: vec![],
        cafe_ids: vec![],
        created_at: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
        updated_at: None,
    };
    deps.store.create_story(&story).await.unwrap();
    let response = handle(&deps, event("get-story")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["title"], "Siphon theatre in Taipei");
}
