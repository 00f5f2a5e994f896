//! Handler tests with events/ fixtures against an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_stories::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::domain::{Slug, Story, StoryId};
use shared::ports::StoryWriter;
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_stories_with_the_fixture_tag_newest_first() {
    let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
    for (n, tag) in [(1u128, "winter"), (2, "summer"), (3, "winter")] {
        let story = Story {
            id: StoryId::from_entropy(n),
            author_id: shared::testing::public_id("ana"),
            title: format!("Story {n}"),
            body: "A cup worth writing about.".to_owned(),
            tags: vec![Slug::parse(tag).unwrap()],
            cafe_ids: vec![],
            created_at: jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap(),
            updated_at: None,
        };
        store.create_story(&story).await.unwrap();
    }
    let deps = Deps {
        store,
        cursors: CursorCodec::new(&[4u8; 32]).unwrap(),
    };
    let response = handle(&deps, event("list-stories")).await;
    assert_eq!(response.status(), 200);
    let titles: Vec<String> = json_body(&response)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, vec!["Story 3", "Story 1"]);
}
