//! Contract suite for `StoryReader` / `StoryWriter` on both adapters: `embedded::…` and
//! `dynamodb_over_http_moto::…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::{CafeId, Slug, Story, StoryId, UserId};
use shared::ports::{StoryFilter, StoryReader, StoryWriter};
use shared::query::PageLimit;

fn story(n: u128, tags: &[&str], cafes: &[u128]) -> Story {
    Story {
        id: StoryId::from_entropy(n),
        author_id: UserId::parse("ana").unwrap(),
        title: format!("Story {n}"),
        body: "Cardamom buns and a clean Kenyan filter.".to_owned(),
        tags: tags.iter().map(|t| Slug::parse(t).unwrap()).collect(),
        cafe_ids: cafes.iter().map(|c| CafeId::from_entropy(*c)).collect(),
        created_at: jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap(),
    }
}

async fn titles<S: StoryReader>(store: &S, filter: StoryFilter, limit: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_stories(&filter, PageLimit::new(limit).unwrap(), after)
            .await
            .unwrap();
        out.extend(page.items.into_iter().map(|s| s.title));
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

async fn publishes_gets_and_filters_stories<S: StoryReader + StoryWriter>(store: S) {
    let stories = [
        story(1, &["winter"], &[7]),
        story(2, &["summer", "cold-brew"], &[7, 8]),
        story(3, &["winter", "espresso"], &[8]),
        story(4, &[], &[]),
    ];
    for s in &stories {
        store.create_story(s).await.unwrap();
    }
    assert_eq!(
        store.get_story(&stories[1].id).await.unwrap().as_ref(),
        Some(&stories[1])
    );
    assert_eq!(
        store.get_story(&StoryId::from_entropy(99)).await.unwrap(),
        None
    );
    let tag = |t: &str| Some(Slug::parse(t).unwrap());
    let cafe = |c: u128| Some(CafeId::from_entropy(c));
    for limit in [1, 2, 10] {
        assert_eq!(
            titles(&store, StoryFilter::default(), limit).await,
            ["Story 4", "Story 3", "Story 2", "Story 1"]
        );
        assert_eq!(
            titles(
                &store,
                StoryFilter {
                    tag: tag("winter"),
                    cafe: None
                },
                limit
            )
            .await,
            ["Story 3", "Story 1"]
        );
        assert_eq!(
            titles(
                &store,
                StoryFilter {
                    cafe: cafe(7),
                    tag: None
                },
                limit
            )
            .await,
            ["Story 2", "Story 1"]
        );
        assert_eq!(
            titles(
                &store,
                StoryFilter {
                    cafe: cafe(8),
                    tag: tag("winter")
                },
                limit
            )
            .await,
            ["Story 3"]
        );
        assert!(
            titles(
                &store,
                StoryFilter {
                    cafe: cafe(9),
                    tag: None
                },
                limit
            )
            .await
            .is_empty()
        );
    }
    assert!(
        store.create_story(&stories[0]).await.is_err(),
        "ids are never reused"
    );
}

tests::contract_suite!(publishes_gets_and_filters_stories);
