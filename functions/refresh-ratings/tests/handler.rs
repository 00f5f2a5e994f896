//! The stream consumer on the events/refresh-ratings.json fixture (a batch of DynamoDB stream
//! records: two shard changes of the first demo café, one replicated shard of the second, one
//! reviewer marker), against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lambda_events::event::dynamodb::Event;
use refresh_ratings::{Deps, handle, shard_cafe};
use shared::domain::{CafeId, Rating, Review, ReviewDraft, ReviewId, ReviewText};
use shared::ports::{
    CafeReader, RatingChange, RatingWriter, ReviewMarker, ReviewReader, ReviewWriter, StoreError,
};
use shared::store::ItemTable;
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::SqliteStore;

fn fixture() -> Event {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/refresh-ratings.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn demo_cafe(n: usize) -> CafeId {
    shared::demo::catalog().unwrap().cafes[n].id.clone()
}

/// A review on café `cafe`, counted in `region`'s shard.
async fn review(store: &SqliteStore, cafe: CafeId, author: &str, stars: i64, region: &str) {
    let review = Review::new(
        ReviewId::from_entropy((stars as u128) << 64 | author.len() as u128),
        cafe,
        shared::testing::public_id(author),
        ReviewDraft {
            rating: Rating::new(stars).unwrap(),
            text: ReviewText::parse("Bright, clean cup; friendly baristas and a quiet corner.")
                .unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        jiff::Timestamp::from_second(1_795_000_000).unwrap(),
    );
    ReviewStore::new(store.clone(), region)
        .create_review(&review)
        .await
        .unwrap();
}

#[test]
fn the_fixture_holds_three_shard_records_of_two_cafes_and_a_marker() {
    let event = fixture();
    let cafes: Vec<Option<CafeId>> = event.records.iter().map(shard_cafe).collect();
    assert_eq!(
        cafes,
        [
            Some(demo_cafe(0)),
            Some(demo_cafe(1)),
            None,
            Some(demo_cafe(0))
        ]
    );
}

#[tokio::test]
async fn each_cafe_of_the_batch_converges_once_to_its_shards() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    review(&store, demo_cafe(0), "ana", 1, "eu-west-1").await;
    review(&store, demo_cafe(1), "bo", 2, "us-east-1").await;
    let deps = Deps {
        store: store.clone(),
        markers: ReviewStore::new(store.clone(), "eu-west-1"),
    };

    let done = handle(&deps, fixture()).await;

    assert!(done.response.batch_item_failures.is_empty());
    assert_eq!((done.changed, done.unchanged, done.gone), (2, 0, 0));
    assert_eq!(
        done.skipped, 1,
        "the reviewer marker (no old version) settles nothing"
    );
    for cafe in [demo_cafe(0), demo_cafe(1)] {
        let shown = store.get_cafe(&cafe).await.unwrap().unwrap().rating;
        assert_eq!(shown, store.rating_summary(&cafe).await.unwrap());
        assert!(shown.count >= 1);
    }
    // A redelivered batch finds nothing to change.
    let again = handle(&deps, fixture()).await;
    assert_eq!((again.changed, again.unchanged), (0, 2));
}

#[tokio::test]
async fn a_shard_of_a_cafe_that_no_longer_exists_writes_nothing() {
    let store = SqliteStore::in_memory().unwrap();
    let markers = ReviewStore::new(store.clone(), "eu-west-1");
    let done = handle(&Deps { store, markers }, fixture()).await;
    assert_eq!((done.changed, done.gone), (0, 2));
    assert!(done.response.batch_item_failures.is_empty());
}

/// A store whose rating refresh fails for one café.
struct FailsFor {
    store: SqliteStore,
    cafe: CafeId,
}

impl RatingWriter for FailsFor {
    async fn apply_rating(&self, cafe: &CafeId) -> Result<RatingChange, StoreError> {
        if cafe == &self.cafe {
            return Err(StoreError::Backend {
                operation: "apply_rating",
                source: "throttled".into(),
            });
        }
        self.store.apply_rating(cafe).await
    }
}

#[tokio::test]
async fn a_failure_reports_that_record_and_every_later_one_for_redelivery() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    review(&store, demo_cafe(0), "ana", 1, "eu-west-1").await;
    let event = fixture();
    let sequence: Vec<String> = event
        .records
        .iter()
        .map(|r| r.change.sequence_number.clone().unwrap())
        .collect();
    let deps = Deps {
        store: FailsFor {
            store: store.clone(),
            cafe: demo_cafe(1),
        },
        markers: ReviewStore::new(store.clone(), "eu-west-1"),
    };

    let done = handle(&deps, event).await;

    let reported: Vec<String> = done
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    assert_eq!(
        reported,
        sequence[1..],
        "from the second café's first record on (Lambda resumes at the lowest)"
    );
    assert_eq!(
        done.changed, 1,
        "the first café converged before the failure"
    );
    let shown = store.get_cafe(&demo_cafe(0)).await.unwrap().unwrap().rating;
    assert_eq!(shown, store.rating_summary(&demo_cafe(0)).await.unwrap());
    // The response is what Lambda reads: `batchItemFailures[].itemIdentifier`.
    let json = serde_json::to_value(&done.response).unwrap();
    assert_eq!(
        json["batchItemFailures"][0]["itemIdentifier"],
        sequence[1].as_str()
    );
}

/// A stream record of the author marker at `(pk, sk)` going from `old` to `new` (documents).
fn marker_record(n: u64, pk: &str, sk: &str, old: &str, new: &str) -> serde_json::Value {
    serde_json::json!({
        "eventID": format!("marker-{n}"),
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_795_428_000 + n,
            "Keys": {"PK": {"S": pk}, "SK": {"S": sk}},
            "OldImage": {"PK": {"S": pk}, "SK": {"S": sk}, "doc": {"S": old}},
            "NewImage": {"PK": {"S": pk}, "SK": {"S": sk}, "doc": {"S": new}},
            "SequenceNumber": format!("{}", 4_421_584_600_000_000_000_000_000u128 + u128::from(n)),
            "SizeBytes": 212,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/craftbean-dev-catalog/stream/2026-11-01T00:00:00.000"
    })
}

/// The same author reviewed the café from two devices, in eu-west-1 and (within the replication
/// window) in us-east-1, whose marker version won. eu-west-1's consumer sees its version
/// replaced: its shard gives the star back and its review goes; a redelivery changes nothing.
#[tokio::test]
async fn a_marker_of_this_region_replaced_by_another_regions_gives_its_star_back() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let cafe = demo_cafe(0);
    review(&store, cafe.clone(), "ana", 4, "eu-west-1").await;
    let author = shared::testing::public_id("ana");
    let (pk, sk) = (
        shared::store::keys::ratings_pk(&cafe),
        shared::store::keys::reviewer_sk(&author),
    );
    let ours = store
        .get_item(&pk, &sk)
        .await
        .unwrap()
        .unwrap()
        .doc
        .unwrap();
    let mine: ReviewMarker = serde_json::from_str(&ours).unwrap();
    assert_eq!(mine.region.as_deref(), Some("eu-west-1"));
    let theirs = ReviewMarker {
        review_id: ReviewId::from_entropy(77),
        stars: Some(2),
        review_version: 1,
        region: Some("us-east-1".to_owned()),
        seq: mine.seq + 1,
        prev: None,
    };
    let event: Event = serde_json::from_value(serde_json::json!({"Records": [
        marker_record(1, &pk, &sk, &ours, &serde_json::to_string(&theirs).unwrap()),
    ]}))
    .unwrap();
    let deps = Deps {
        store: store.clone(),
        markers: ReviewStore::new(store.clone(), "eu-west-1"),
    };
    assert_eq!(store.rating_summary(&cafe).await.unwrap().count, 1);

    let done = handle(&deps, event.clone()).await;

    assert!(done.response.batch_item_failures.is_empty());
    assert_eq!((done.released, done.removed_reviews), (1, 1));
    assert_eq!(store.rating_summary(&cafe).await.unwrap().count, 0);
    assert_eq!(store.get_review(&mine.review_id).await.unwrap(), None);
    let again = handle(&deps, event.clone()).await;
    assert_eq!(
        (again.released, again.removed_reviews, again.skipped),
        (0, 0, 1)
    );
    assert_eq!(store.rating_summary(&cafe).await.unwrap().count, 0);
    // us-east-1's consumer sees the same change and leaves it: not its version.
    let there = Deps {
        store: store.clone(),
        markers: ReviewStore::new(store.clone(), "us-east-1"),
    };
    assert_eq!(handle(&there, event).await.skipped, 1);
}
