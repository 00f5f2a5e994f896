//! Contract suite for `StoryReader` / `StoryWriter` on both adapters: `embedded::…` and
//! `dynamodb_over_http_moto::…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::{CafeId, Slug, Story, StoryId};
use shared::ports::{StoryFilter, StoryReader, StoryWriter};
use shared::query::PageLimit;

fn story(n: u128, tags: &[&str], cafes: &[u128]) -> Story {
    story_by("ana", n, tags, cafes)
}

fn story_by(author: &str, n: u128, tags: &[&str], cafes: &[u128]) -> Story {
    let created_at = jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap();
    Story {
        id: StoryId::from_entropy(n),
        author_id: shared::testing::public_id(author),
        title: format!("Story {n}"),
        body: "Cardamom buns and a clean Kenyan filter.".to_owned(),
        tags: tags.iter().map(|t| Slug::parse(t).unwrap()).collect(),
        cafe_ids: cafes.iter().map(|c| CafeId::from_entropy(*c)).collect(),
        created_at,
        updated_at: Some(created_at),
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
                    cafe: None,
                    ..Default::default()
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
                    tag: None,
                    ..Default::default()
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
                    tag: tag("winter"),
                    ..Default::default()
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
                    tag: None,
                    ..Default::default()
                },
                limit
            )
            .await
            .is_empty()
        );
    }
    let mut clash = stories[0].clone();
    clash.title = "Another story under the same id".to_owned();
    assert!(
        store.create_story(&clash).await.is_err(),
        "ids are never reused"
    );
    // The same story again is a retry of a write that committed: it succeeds, changing nothing.
    store.create_story(&stories[0]).await.unwrap();
}

async fn lists_a_persons_stories<S: StoryReader + StoryWriter>(store: S) {
    for s in [
        story_by("ana", 1, &["winter"], &[7]),
        story_by("ben", 2, &["winter"], &[7]),
        story_by("ana", 3, &[], &[]),
    ] {
        store.create_story(&s).await.unwrap();
    }
    let author = |a: &str| Some(shared::testing::public_id(a));
    for limit in [1, 5] {
        let by = |a: &str| StoryFilter {
            author: author(a),
            ..Default::default()
        };
        assert_eq!(
            titles(&store, by("ana"), limit).await,
            ["Story 3", "Story 1"]
        );
        assert_eq!(titles(&store, by("ben"), limit).await, ["Story 2"]);
        assert!(titles(&store, by("cleo"), limit).await.is_empty());
        let ana_in_winter = StoryFilter {
            author: author("ana"),
            tag: Some(Slug::parse("winter").unwrap()),
            ..Default::default()
        };
        assert_eq!(titles(&store, ana_in_winter, limit).await, ["Story 1"]);
    }
}

async fn edits_move_list_entries_and_deletes_remove_them<S: StoryReader + StoryWriter>(store: S) {
    let original = story(1, &["winter"], &[7]);
    store.create_story(&original).await.unwrap();
    let edited = original.edited(
        shared::domain::StoryDraft {
            title: "Story 1, revised".to_owned(),
            body: original.body.clone(),
            tags: vec![Slug::parse("summer").unwrap()],
            cafe_ids: vec![CafeId::from_entropy(8)],
        },
        original.created_at + jiff::SignedDuration::from_secs(60),
    );
    store.update_story(&original, &edited).await.unwrap();
    assert_eq!(
        store.get_story(&original.id).await.unwrap(),
        Some(edited.clone())
    );
    let filter = |tag: &str, cafe: u128| StoryFilter {
        tag: (!tag.is_empty()).then(|| Slug::parse(tag).unwrap()),
        cafe: (cafe != 0).then(|| CafeId::from_entropy(cafe)),
        ..Default::default()
    };
    assert!(
        titles(&store, filter("winter", 0), 5).await.is_empty(),
        "old tag entry removed"
    );
    assert!(
        titles(&store, filter("", 7), 5).await.is_empty(),
        "old café entry removed"
    );
    assert_eq!(
        titles(&store, filter("summer", 0), 5).await,
        ["Story 1, revised"]
    );
    assert_eq!(titles(&store, filter("", 8), 5).await, ["Story 1, revised"]);
    assert_eq!(
        titles(&store, StoryFilter::default(), 5).await,
        ["Story 1, revised"]
    );

    // Edits and deletes against a stale read change nothing; the very edit that is stored
    // again is a retry of a write that committed, and succeeds without changing anything.
    let mut other = edited.clone();
    other.title = "Story 1, revised differently".to_owned();
    assert!(matches!(
        store.update_story(&original, &other).await,
        Err(shared::ports::StoryWriteError::Conflict)
    ));
    store.update_story(&original, &edited).await.unwrap();
    assert!(matches!(
        store.delete_story(&original).await,
        Err(shared::ports::StoryWriteError::Conflict)
    ));
    assert!(store.get_story(&original.id).await.unwrap().is_some());

    store.delete_story(&edited).await.unwrap();
    assert_eq!(store.get_story(&original.id).await.unwrap(), None);
    for f in [StoryFilter::default(), filter("summer", 0), filter("", 8)] {
        assert!(
            titles(&store, f, 5).await.is_empty(),
            "every list entry removed"
        );
    }
    let by_ana = StoryFilter {
        author: Some(shared::testing::public_id("ana")),
        ..Default::default()
    };
    assert!(titles(&store, by_ana, 5).await.is_empty());
}

tests::contract_suite!(
    publishes_gets_and_filters_stories,
    lists_a_persons_stories,
    edits_move_list_entries_and_deletes_remove_them
);
