//! The migration from token subjects to public user ids (`shared::maintenance::migrate_authors`)
//! on both adapters (`embedded::…`, `dynamodb_over_http_moto::…`): items written exactly as the
//! previous release wrote them are converted, read back through the current ports, and a
//! second run changes nothing. Then end to end: the local server starts on an old data
//! directory and serves its reviews.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use serde_json::{Value, json};
use shared::domain::{
    CafeId, Photo, PhotoId, PhotoStatus, PublicUserId, Rating, RatingSummary, Rendition, Review,
    ReviewDraft, ReviewId, ReviewText, Slug, Story, StoryDraft, StoryId, UploadType, UserId,
};
use shared::identity::UserKeys;
use shared::maintenance::{MigrationReport, Tally, migrate_authors};
use shared::ports::{
    PhotoReader, ReviewReader, ReviewWriteError, ReviewWriter, StoryFilter, StoryReader,
    StoryWriter, UserReader,
};
use shared::query::PageLimit;
use shared::store::reviews::ReviewStore;
use shared::store::{Condition, Item, ItemTable, SortIndex, SortKeys, Write, keys};

/// A Cognito-style subject and the demo subject the old local server used.
const ANA: &str = "3f1c9a2e-7b1d-4c5e-9f00-1a2b3c4d5e6f";
const DEMO: &str = "demo-user";
const REGION: &str = "eu-west-1";

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_760_000_000 + second).unwrap()
}

fn user_keys() -> UserKeys {
    shared::testing::user_keys()
}

fn public(sub: &str) -> PublicUserId {
    user_keys().public_id(&UserId::parse(sub).unwrap())
}

/// A document as the previous release serialised it: the entity with the subject as author
/// (its author types were `UserId`, serialised as the plain string).
fn old_doc(entity: Value, field: &str, sub: &str) -> (Value, String) {
    let mut doc = entity;
    doc[field] = json!(sub);
    let text = doc.to_string();
    (doc, text)
}

fn placeholder() -> PublicUserId {
    PublicUserId::from_entropy(0)
}

fn review(n: u128, cafe: &CafeId, author: PublicUserId, stars: i64, second: i64) -> Review {
    Review::new(
        ReviewId::from_entropy(n),
        cafe.clone(),
        author,
        ReviewDraft {
            rating: Rating::new(stars).unwrap(),
            text: ReviewText::parse("Bright, sweet filter and patient baristas.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        at(second),
    )
}

/// Writes a review exactly as the previous release's `create_review` did: the review item,
/// the marker under the subject, and one count in the region's shard (no author-list entry).
async fn put_old_review<T: ItemTable>(table: &T, n: u128, cafe: &CafeId, sub: &str, stars: i64) {
    let review = review(n, cafe, placeholder(), stars, n as i64);
    let (_, doc) = old_doc(serde_json::to_value(&review).unwrap(), "authorId", sub);
    let pk = keys::review_pk(&review.id);
    let item = Item {
        lpk: Some(keys::reviews_lpk(cafe)),
        sort: SortKeys::one(
            SortIndex::ByNewest,
            keys::by_newest(review.created_at, review.id.as_str()),
        ),
        version: Some(review.updated_at.as_microsecond()),
        ..Item::plain(pk, keys::PROFILE_SK, doc)
    };
    let marker = Item::plain(
        keys::ratings_pk(cafe),
        keys::legacy_reviewer_sk(&UserId::parse(sub).unwrap()),
        review.id.as_str(),
    );
    table
        .transact(vec![
            Write::Put {
                item,
                condition: Condition::Absent,
            },
            Write::Put {
                item: marker,
                condition: Condition::Absent,
            },
            Write::Add {
                pk: keys::ratings_pk(cafe),
                sk: keys::shard_sk(REGION),
                deltas: vec![(["h1", "h2", "h3", "h4", "h5"][review.rating.bucket()], 1)],
                expires_at: None,
                condition: Condition::Always,
            },
        ])
        .await
        .unwrap();
}

fn story(n: u128, cafes: &[CafeId], tag: &str, second: i64) -> Story {
    Story::new(
        StoryId::from_entropy(n),
        placeholder(),
        StoryDraft {
            title: format!("Morning number {n}"),
            body: "A cortado, the rain, and a roaster who explained every lot.".to_owned(),
            tags: vec![Slug::parse(tag).unwrap()],
            cafe_ids: cafes.to_vec(),
        },
        at(second),
    )
}

/// Writes a story as the previous release did: no `updatedAt`, no version, list entries for
/// all, each café and each tag (no author list).
async fn put_old_story<T: ItemTable>(table: &T, story: &Story, sub: &str) {
    let (mut doc, _) = old_doc(serde_json::to_value(story).unwrap(), "authorId", sub);
    doc.as_object_mut().unwrap().remove("updatedAt");
    let doc = doc.to_string();
    let pk = keys::story_pk(&story.id);
    let newest = keys::by_newest(story.created_at, story.id.as_str());
    let mut dims = vec![keys::ALL.to_owned()];
    dims.extend(story.cafe_ids.iter().map(keys::story_cafe_dim));
    dims.extend(story.tags.iter().map(keys::story_tag_dim));
    let mut items = vec![Item::plain(pk.clone(), keys::PROFILE_SK, doc.clone())];
    for dim in dims {
        items.push(Item {
            lpk: Some(keys::stories_lpk(&dim)),
            sort: SortKeys::one(SortIndex::ByNewest, newest.clone()),
            ..Item::plain(pk.clone(), keys::list_sk(&dim), doc.clone())
        });
    }
    table.put_items(items).await.unwrap();
}

fn photo(n: u128, cafe: &CafeId, status: PhotoStatus) -> Photo {
    Photo {
        id: PhotoId::from_entropy(n),
        cafe_id: cafe.clone(),
        uploaded_by: placeholder(),
        caption: Some("The bar at opening time".to_owned()),
        content_type: UploadType::Jpeg,
        content_length: 1234,
        status,
        renditions: if status == PhotoStatus::Ready {
            vec![Rendition {
                size: 320,
                width: 320,
                height: 240,
                format: "webp".to_owned(),
                url: format!("http://localhost/media/{n}-320.webp"),
            }]
        } else {
            Vec::new()
        },
        failure_reason: None,
        created_at: at(n as i64),
        updated_at: at(n as i64 + 5),
    }
}

/// Writes a photo as the previous release did: the versioned profile (1 while pending, 2 once
/// finished), plus the café list entry when ready.
async fn put_old_photo<T: ItemTable>(table: &T, photo: &Photo, sub: &str) -> String {
    let (_, doc) = old_doc(serde_json::to_value(photo).unwrap(), "uploadedBy", sub);
    let pk = keys::photo_pk(&photo.id);
    let ready = photo.status == PhotoStatus::Ready;
    let mut items = vec![Item {
        version: Some(if ready { 2 } else { 1 }),
        ..Item::plain(pk.clone(), keys::PROFILE_SK, doc.clone())
    }];
    if ready {
        items.push(Item {
            lpk: Some(keys::photos_lpk(&photo.cafe_id)),
            sort: SortKeys::one(
                SortIndex::ByNewest,
                keys::by_newest(photo.created_at, photo.id.as_str()),
            ),
            ..Item::plain(pk, keys::PHOTO_LIST_SK, doc.clone())
        });
    }
    table.put_items(items).await.unwrap();
    doc
}

fn all() -> PageLimit {
    PageLimit::max()
}

async fn old_items_are_converted_and_a_second_run_changes_nothing<T: ItemTable + Clone>(table: T) {
    let fixtures = tests::fixtures::fixtures();
    tests::fixtures::load(&table, &fixtures).await;
    let cafes: Vec<CafeId> = fixtures.cafes.iter().map(|c| c.id.clone()).collect();
    let reviews = ReviewStore::new(table.clone(), REGION);
    let (ana, demo) = (public(ANA), public(DEMO));

    // The previous release's items: Ana reviewed cafés 0–2, the demo user cafés 0 and 3.
    for (n, cafe, sub, stars) in [
        (1, &cafes[0], ANA, 5),
        (2, &cafes[1], ANA, 4),
        (3, &cafes[2], ANA, 2),
        (4, &cafes[0], DEMO, 3),
        (5, &cafes[3], DEMO, 1),
    ] {
        put_old_review(&table, n, cafe, sub, stars).await;
    }
    let old_stories = [
        story(11, &[cafes[0].clone()], "espresso", 11),
        story(12, &[cafes[1].clone(), cafes[2].clone()], "filter", 12),
    ];
    put_old_story(&table, &old_stories[0], ANA).await;
    put_old_story(&table, &old_stories[1], DEMO).await;
    put_old_photo(&table, &photo(21, &cafes[0], PhotoStatus::Ready), ANA).await;
    let pending = photo(22, &cafes[0], PhotoStatus::Pending);
    let pending_doc = put_old_photo(&table, &pending, ANA).await;
    // Written by this release after the upgrade, before the migration: already current. Ben
    // is new; Ana reviewed café 2 again, since her old marker did not stop her.
    let ben = public("ben");
    reviews
        .create_review(&review(6, &cafes[4], ben.clone(), 4, 6))
        .await
        .unwrap();
    let again = review(7, &cafes[2], ana.clone(), 3, 7);
    reviews.create_review(&again).await.unwrap();

    // Before: the old documents do not decode, but the rating shards are fine.
    assert!(reviews.list_reviews(&cafes[0], all(), None).await.is_err());
    let mut summaries: Vec<RatingSummary> = Vec::new();
    for cafe in &cafes {
        summaries.push(reviews.rating_summary(cafe).await.unwrap());
    }
    assert_eq!(
        shared::maintenance::stored_schema_version(&table)
            .await
            .unwrap(),
        None
    );

    let report = migrate_authors(&table, &user_keys()).await.unwrap();
    assert_eq!(
        report,
        MigrationReport {
            cafes: 5,
            reviews: Tally {
                converted: 5,
                current: 2,
                ..Tally::default()
            },
            stories: Tally {
                converted: 2,
                ..Tally::default()
            },
            photos: Tally {
                converted: 1,
                ..Tally::default()
            },
            profiles_created: 2,
            duplicate_reviews: 1,
        },
        "{report}"
    );
    assert_eq!(
        shared::maintenance::stored_schema_version(&table)
            .await
            .unwrap(),
        Some(2)
    );

    // Reviews decode with the public id, by café and by author, one by one too.
    let first = reviews.list_reviews(&cafes[0], all(), None).await.unwrap();
    let authors: Vec<&PublicUserId> = first.items.iter().map(|r| &r.author_id).collect();
    assert_eq!(authors, vec![&demo, &ana], "newest first, as before");
    let anas = reviews.list_user_reviews(&ana, all(), None).await.unwrap();
    let ids: Vec<String> = anas.items.iter().map(|r| r.id.to_string()).collect();
    let expected: Vec<String> = [7, 3, 2, 1]
        .map(|n| ReviewId::from_entropy(n).to_string())
        .to_vec();
    assert_eq!(ids, expected);
    assert_eq!(
        reviews
            .list_user_reviews(&demo, all(), None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let one = reviews
        .get_review(&ReviewId::from_entropy(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.author_id, ana);
    assert_eq!(one.updated_at, at(2), "content and version unchanged");

    // The marker moved: the same person cannot review café 0 again; the subject's is gone.
    let duplicate = review(8, &cafes[0], ana.clone(), 1, 8);
    match reviews.create_review(&duplicate).await {
        Err(ReviewWriteError::Duplicate { existing }) => {
            assert_eq!(existing, ReviewId::from_entropy(1));
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    for (cafe, sub) in [(&cafes[0], ANA), (&cafes[0], DEMO), (&cafes[2], ANA)] {
        let legacy = keys::legacy_reviewer_sk(&UserId::parse(sub).unwrap());
        assert_eq!(
            table
                .get_item(&keys::ratings_pk(cafe), &legacy)
                .await
                .unwrap(),
            None
        );
    }
    // Where Ana reviewed again after the upgrade, the newer review keeps the marker.
    let marker = table
        .get_item(&keys::ratings_pk(&cafes[2]), &keys::reviewer_sk(&ana))
        .await
        .unwrap()
        .and_then(|m| m.doc)
        .and_then(|doc| shared::ports::ReviewMarker::parse(&doc))
        .map(|m| m.review_id);
    assert_eq!(marker.as_ref(), Some(&again.id));
    for (cafe, before) in cafes.iter().zip(&summaries) {
        assert_eq!(&reviews.rating_summary(cafe).await.unwrap(), before);
    }

    // Stories: listed by author, café and tag, and editable with a version check.
    let by_author = |author: &PublicUserId| StoryFilter {
        author: Some(author.clone()),
        ..StoryFilter::default()
    };
    let anas = table
        .list_stories(&by_author(&ana), all(), None)
        .await
        .unwrap();
    assert_eq!(anas.items.len(), 1);
    let old = &anas.items[0];
    assert_eq!(old.id, old_stories[0].id);
    assert_eq!(old.updated_at, Some(old.created_at));
    let by_cafe = StoryFilter {
        cafe: Some(cafes[2].clone()),
        ..StoryFilter::default()
    };
    let listed = table.list_stories(&by_cafe, all(), None).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].author_id, demo);
    let edited = old.edited(
        StoryDraft {
            title: "Morning, revisited".to_owned(),
            body: old.body.clone(),
            tags: vec![Slug::parse("cortado").unwrap()],
            cafe_ids: old.cafe_ids.clone(),
        },
        at(100),
    );
    table.update_story(old, &edited).await.unwrap();
    assert_eq!(
        table.get_story(&old.id).await.unwrap(),
        Some(edited.clone())
    );

    // Photos: the ready one decodes; the pending one is in no list and stays as it was.
    let photos = table
        .list_cafe_photos(&cafes[0], all(), None)
        .await
        .unwrap();
    assert_eq!(photos.items.len(), 1);
    assert_eq!(photos.items[0].uploaded_by, ana);
    let got = table.get_photo(&PhotoId::from_entropy(21)).await.unwrap();
    assert_eq!(got.map(|p| p.uploaded_by), Some(ana.clone()));
    let still = table
        .get_item(&keys::photo_pk(&pending.id), keys::PROFILE_SK)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.doc.as_deref(), Some(pending_doc.as_str()));

    // Every converted author has a profile. Ben wrote only through this release, whose
    // handlers create profiles; the migration leaves him alone.
    for id in [&ana, &demo] {
        let profile = table.get_profile(id).await.unwrap().unwrap();
        assert_eq!(
            profile.display_name,
            shared::domain::default_display_name(id)
        );
    }
    assert_eq!(table.get_profile(&ben).await.unwrap(), None);

    // A second run converts nothing and keeps the edit.
    let second = migrate_authors(&table, &user_keys()).await.unwrap();
    assert_eq!(
        second,
        MigrationReport {
            cafes: 5,
            reviews: Tally {
                current: 7,
                ..Tally::default()
            },
            stories: Tally {
                current: 2,
                ..Tally::default()
            },
            photos: Tally {
                current: 1,
                ..Tally::default()
            },
            profiles_created: 0,
            duplicate_reviews: 0,
        },
        "{second}"
    );
    assert!(!second.changed_anything());
    assert_eq!(table.get_story(&old.id).await.unwrap(), Some(edited));
}

/// The condition the migration puts on stories from before versions: the item exists and has
/// no `ver` (so neither a deleted nor an edited story is overwritten).
async fn the_unversioned_condition_holds_only_for_existing_unversioned_items<T: ItemTable>(
    table: T,
) {
    let put = |sk: &str, condition: Condition| Write::Put {
        item: Item::plain("T#1", sk, "{}"),
        condition,
    };
    table
        .put_items(vec![
            Item::plain("T#1", "OLD", "{}"),
            Item {
                version: Some(7),
                ..Item::plain("T#1", "NEW", "{}")
            },
        ])
        .await
        .unwrap();
    table
        .transact(vec![put("OLD", Condition::Unversioned)])
        .await
        .unwrap();
    for sk in ["NEW", "MISSING"] {
        assert!(matches!(
            table.transact(vec![put(sk, Condition::Unversioned)]).await,
            Err(shared::store::TransactError::ConditionFailed { index: 0 })
        ));
    }
    assert_eq!(table.get_item("T#1", "MISSING").await.unwrap(), None);
}

tests::contract_suite!(
    old_items_are_converted_and_a_second_run_changes_nothing,
    the_unversioned_condition_holds_only_for_existing_unversioned_items,
);

#[tokio::test]
async fn the_local_server_converts_an_old_data_directory_on_start() {
    use shared::store::sqlite::SqliteStore;

    // A data directory as the previous release left it: a catalogue and reviews by subject,
    // no schema marker, no people.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(local_server::DB_FILE);
    let store = SqliteStore::open(&path).unwrap();
    let fixtures = tests::fixtures::fixtures();
    tests::fixtures::load(&store, &fixtures).await;
    let cafe = fixtures.cafes[0].id.clone();
    put_old_review(&store, 1, &cafe, ANA, 5).await;
    put_old_review(&store, 2, &cafe, DEMO, 4).await;
    drop(store);

    let config = tests::test_config(dir.path(), 30);
    let app = local_server::open(&config).await.unwrap();
    let listener = local_server::bind(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(local_server::serve(listener, app));
    let get = |path: String| async move {
        let res = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, text)
    };

    let (status, text) = get(format!("/cafes/{cafe}/reviews")).await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(ANA) && !text.contains(DEMO), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let authors: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["author"]["id"].as_str().unwrap())
        .collect();
    let (ana, demo) = (tests::public_id(ANA), tests::public_id(DEMO));
    assert_eq!(authors, vec![demo.as_str(), ana.as_str()]);
    assert_eq!(body["items"][1]["authorId"], json!(ana));

    let (status, text) = get(format!("/users/{ana}/reviews")).await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let (status, text) = get(format!("/cafes/{cafe}")).await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["rating"]["count"], json!(2), "{body}");

    // The marker is recorded, so the next start reads one item and migrates nothing.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        shared::maintenance::stored_schema_version(&store)
            .await
            .unwrap(),
        Some(2)
    );
}
