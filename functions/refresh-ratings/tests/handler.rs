//! The stream consumer on the events/refresh-ratings.json fixture (a batch of DynamoDB stream
//! records: two shard changes of the first demo café, one replicated shard of the second, one
//! reviewer marker), against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lambda_events::event::dynamodb::Event;
use refresh_ratings::{Deps, handle, shard_cafe};
use shared::domain::{CafeId, Rating, Review, ReviewDraft, ReviewId, ReviewText};
use shared::ports::{
    CafeReader, RatingChange, RatingWriter, ReviewReader, ReviewWriter, StoreError,
};
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
    };

    let done = handle(&deps, fixture()).await;

    assert!(done.response.batch_item_failures.is_empty());
    assert_eq!((done.changed, done.unchanged, done.gone), (2, 0, 0));
    assert_eq!(done.skipped, 1, "the reviewer marker is not a shard");
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
    let done = handle(&Deps { store }, fixture()).await;
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
