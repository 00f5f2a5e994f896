//! Handler tests with events/ fixtures against an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use lambda_http::RequestExt;
use list_stories::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::domain::{EXCERPT_MAX_BYTES, Slug, Story, StoryId};
use shared::http::LIST_BUDGET_BYTES;
use shared::ports::StoryWriter;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body};

/// Story `n` by ana, written `n` seconds after the first.
fn story(n: u128, tag: &str, title: &str, body: &str) -> Story {
    Story {
        id: StoryId::from_entropy(n),
        author_id: shared::testing::public_id("ana"),
        title: title.to_owned(),
        body: body.to_owned(),
        tags: vec![Slug::parse(tag).unwrap()],
        cafe_ids: vec![],
        created_at: jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap(),
        updated_at: None,
    }
}

fn deps(store: SqliteStore) -> Deps<SqliteStore> {
    Deps {
        store,
        cursors: CursorCodec::new(&[4u8; 32]).unwrap(),
    }
}

#[tokio::test]
async fn lists_stories_with_the_fixture_tag_newest_first() {
    let store = SqliteStore::in_memory().unwrap();
    for (n, tag) in [(1u128, "winter"), (2, "summer"), (3, "winter")] {
        let story = story(n, tag, &format!("Story {n}"), "A cup worth writing about.");
        store.create_story(&story).await.unwrap();
    }
    let deps = deps(store);
    let response = handle(&deps, event("list-stories")).await;
    assert_eq!(response.status(), 200);
    let titles: Vec<String> = json_body(&response)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, vec!["Story 3", "Story 1"]);
    // Lists show an excerpt, never the body.
    let first = &json_body(&response)["items"][0];
    assert_eq!(first["excerpt"], "A cup worth writing about.");
    assert_eq!(first["excerptTruncated"], false);
    assert!(first.get("body").is_none(), "{first}");
}

/// `limit=100` of stories with 120-character titles of heavy grapheme clusters (~58 KB, within
/// the title rule, which counts clusters) and 20,000-character bodies: every page stays within
/// the list byte budget, excerpts stay bounded, and paging returns every story exactly once,
/// newest first.
#[tokio::test]
async fn the_largest_stories_page_within_the_byte_budget_and_each_comes_once() {
    let store = SqliteStore::in_memory().unwrap();
    // 120 grapheme clusters of 481 bytes each: one "a" with 240 combining marks.
    let heavy = format!("a{}", "\u{301}\u{302}".repeat(120));
    let title = heavy.repeat(120);
    let body = "Long pour, longer story. ".repeat(800);
    let total = 100u128;
    for n in 1..=total {
        store
            .create_story(&story(n, "winter", &title, &body))
            .await
            .unwrap();
    }
    let deps = deps(store);
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = HashMap::from([
            ("tag".to_owned(), "winter".to_owned()),
            ("limit".to_owned(), "100".to_owned()),
        ]);
        if let Some(c) = &cursor {
            params.insert("cursor".to_owned(), c.clone());
        }
        let req = event("list-stories").with_query_string_parameters(params);
        let response = handle(&deps, req).await;
        assert_eq!(response.status(), 200);
        let bytes = match response.body() {
            lambda_http::Body::Text(text) => text.len(),
            other => panic!("a JSON body goes out as text: {other:?}"),
        };
        assert!(bytes <= LIST_BUDGET_BYTES, "page {pages}: {bytes} bytes");
        let page = json_body(&response);
        for item in page["items"].as_array().unwrap() {
            assert!(item.get("body").is_none());
            let excerpt = item["excerpt"].as_str().unwrap();
            assert!(excerpt.len() <= EXCERPT_MAX_BYTES && body.starts_with(excerpt));
            assert_eq!(item["excerptTruncated"], true);
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert!(pages > 1, "100 stories of ~58 KiB cannot fit one page");
    let expected: Vec<String> = (1..=total)
        .rev()
        .map(|n| StoryId::from_entropy(n).to_string())
        .collect();
    assert_eq!(ids, expected, "newest first, each exactly once");
}
