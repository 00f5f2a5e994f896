//! Contract suite for the review ports (`ReviewReader`, `ReviewWriter`, `IdempotencyStore`,
//! `WriteLimiter`) on both adapters: `embedded::…` and `dynamodb_over_http_moto::…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::{
    BucketPolicy, CafeId, Rating, RatingSummary, Review, ReviewDraft, ReviewId, ReviewText,
    WriteAction,
};
use shared::ports::{
    Claim, IdempotencyStore, ReviewReader, ReviewWriteError, ReviewWriter, StoredResponse,
    WriteLimiter,
};
use shared::ports::{MarkerSettler, ReviewMarker, Settlement};
use shared::query::PageLimit;
use shared::store::guard::IN_PROGRESS_TTL_SECS;
use shared::store::keys;
use shared::store::reviews::ReviewStore;
use shared::store::{Condition, Item, ItemTable, Write};

fn review(n: u128, cafe: &CafeId, user: &str, stars: i64, second: i64) -> Review {
    Review::new(
        ReviewId::from_entropy(n),
        cafe.clone(),
        shared::testing::public_id(user),
        ReviewDraft {
            rating: Rating::new(stars).unwrap(),
            text: ReviewText::parse("A bright, clean washed Ethiopian; lovely staff.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        Timestamp::from_second(1_700_000_000 + second).unwrap(),
    )
}

async fn creates_lists_and_summarises<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let cafe = CafeId::from_entropy(1);
    let other = CafeId::from_entropy(2);
    for (i, (user, stars)) in [("ana", 5), ("ben", 4), ("caz", 4), ("dee", 1)]
        .into_iter()
        .enumerate()
    {
        store
            .create_review(&review(i as u128 + 10, &cafe, user, stars, i as i64))
            .await
            .unwrap();
    }
    store
        .create_review(&review(99, &other, "ana", 2, 0))
        .await
        .unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([1, 0, 0, 2, 1])
    );
    assert_eq!(
        store.rating_summary(&other).await.unwrap(),
        RatingSummary::from_histogram([0, 1, 0, 0, 0])
    );

    let first = store
        .list_reviews(&cafe, PageLimit::new(3).unwrap(), None)
        .await
        .unwrap();
    let authors: Vec<&str> = first.items.iter().map(|r| r.author_id.as_str()).collect();
    let expected: Vec<_> = ["dee", "caz", "ben"]
        .map(shared::testing::public_id)
        .into_iter()
        .collect();
    assert_eq!(
        authors,
        expected.iter().map(|id| id.as_str()).collect::<Vec<_>>(),
        "newest first"
    );
    let rest = store
        .list_reviews(&cafe, PageLimit::new(3).unwrap(), first.next)
        .await
        .unwrap();
    assert_eq!(
        rest.items
            .iter()
            .map(|r| r.author_id.as_str())
            .collect::<Vec<_>>(),
        vec![shared::testing::public_id("ana").as_str()]
    );
    assert_eq!(rest.next, None);
}

async fn one_review_per_author_per_cafe<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let cafe = CafeId::from_entropy(1);
    let first = review(1, &cafe, "ana", 5, 0);
    store.create_review(&first).await.unwrap();
    match store.create_review(&review(2, &cafe, "ana", 1, 1)).await {
        Err(ReviewWriteError::Duplicate { existing }) => assert_eq!(existing, first.id),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap().count,
        1,
        "the refused review left no trace"
    );
    assert_eq!(
        store.get_review(&ReviewId::from_entropy(2)).await.unwrap(),
        None
    );
}

async fn edits_and_deletes_keep_the_summary_exact<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let cafe = CafeId::from_entropy(1);
    let original = review(1, &cafe, "ana", 5, 0);
    store.create_review(&original).await.unwrap();
    store
        .create_review(&review(2, &cafe, "ben", 3, 1))
        .await
        .unwrap();

    let edited = original.edited(
        ReviewDraft {
            rating: Rating::new(2).unwrap(),
            text: ReviewText::parse("Second visit was disappointing, sour espresso.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        Timestamp::from_second(1_700_000_100).unwrap(),
    );
    store.update_review(&original, &edited).await.unwrap();
    assert_eq!(
        store.get_review(&original.id).await.unwrap(),
        Some(edited.clone())
    );
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 1, 1, 0, 0])
    );

    // A stale copy can neither be edited nor deleted: no double counting. The very edit that
    // is stored, sent again, is a retry of a write that committed: it succeeds and moves no
    // count.
    let mut other = edited.clone();
    other.rating = Rating::new(4).unwrap();
    assert!(matches!(
        store.update_review(&original, &other).await,
        Err(ReviewWriteError::Conflict)
    ));
    store.update_review(&original, &edited).await.unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 1, 1, 0, 0])
    );
    assert!(matches!(
        store.delete_review(&original).await,
        Err(ReviewWriteError::Conflict)
    ));

    store.delete_review(&edited).await.unwrap();
    assert_eq!(store.get_review(&original.id).await.unwrap(), None);
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 1, 0, 0])
    );
    // The author may review again after deleting.
    store
        .create_review(&review(3, &cafe, "ana", 4, 2))
        .await
        .unwrap();
    assert_eq!(store.rating_summary(&cafe).await.unwrap().count, 2);
}

async fn idempotency_claims_replays_and_expires<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let now = 1_700_000_000;
    assert_eq!(
        store.claim("k1", "hash-a", now).await.unwrap(),
        Claim::Acquired
    );
    assert_eq!(
        store.claim("k1", "hash-a", now + 1).await.unwrap(),
        Claim::InProgress
    );
    assert_eq!(
        store.claim("k1", "hash-b", now + 1).await.unwrap(),
        Claim::PayloadMismatch
    );
    let response = StoredResponse {
        status: 201,
        body: "{}".to_owned(),
        location: Some("/reviews/x".to_owned()),
    };
    store
        .complete("k1", "hash-a", &response, now + 2)
        .await
        .unwrap();
    assert_eq!(
        store.claim("k1", "hash-a", now + 3).await.unwrap(),
        Claim::Replay(response)
    );
    assert_eq!(
        store.claim("k1", "hash-b", now + 3).await.unwrap(),
        Claim::PayloadMismatch
    );
    // After 24 h the record has expired, whether or not TTL has deleted it yet.
    assert_eq!(
        store
            .claim("k1", "hash-b", now + 2 + 24 * 3600 + 1)
            .await
            .unwrap(),
        Claim::Acquired
    );

    // An abandoned in-progress claim frees up after its lock expires; a released one at once.
    assert_eq!(store.claim("k2", "h", now).await.unwrap(), Claim::Acquired);
    assert_eq!(
        store
            .claim("k2", "h", now + IN_PROGRESS_TTL_SECS + 1)
            .await
            .unwrap(),
        Claim::Acquired
    );
    store.release("k2").await.unwrap();
    assert_eq!(
        store
            .claim("k2", "h", now + IN_PROGRESS_TTL_SECS + 2)
            .await
            .unwrap(),
        Claim::Acquired
    );
}

/// Ten an hour: one token every 360 s.
const TEN_AN_HOUR: BucketPolicy = BucketPolicy {
    quota: 10,
    window_secs: 3_600,
};

async fn write_limits_are_token_buckets_per_user_and_action<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let ana = shared::testing::public_id("ana");
    let ben = shared::testing::public_id("ben");
    let t0: i64 = 1_700_000_123_456; // epoch ms, not on any hour boundary
    for i in 0..10u32 {
        let quota = store
            .take_token(&ana, WriteAction::Reviews, TEN_AN_HOUR, t0)
            .await
            .unwrap();
        assert!(quota.allowed, "burst token {i}");
        assert_eq!(quota.remaining, 9 - i);
    }
    let refused = store
        .take_token(&ana, WriteAction::Reviews, TEN_AN_HOUR, t0 + 100_000)
        .await
        .unwrap();
    assert!(!refused.allowed);
    assert_eq!(
        refused.retry_after_secs(),
        Some(260),
        "the true wait for the next token, not the rest of a clock hour"
    );
    let other_user = store
        .take_token(&ben, WriteAction::Reviews, TEN_AN_HOUR, t0 + 100_000)
        .await
        .unwrap();
    assert!(other_user.allowed, "buckets are per user");
    let other_action = store
        .take_token(&ana, WriteAction::Stories, TEN_AN_HOUR, t0 + 100_000)
        .await
        .unwrap();
    assert!(other_action.allowed, "buckets are per action");
    // The refusal spent nothing: 360 s after the burst exactly one token is back.
    let refilled = store
        .take_token(&ana, WriteAction::Reviews, TEN_AN_HOUR, t0 + 360_000)
        .await
        .unwrap();
    assert!(refilled.allowed);
    assert_eq!((refilled.remaining, refilled.reset_secs), (0, 360));
    let again = store
        .take_token(&ana, WriteAction::Reviews, TEN_AN_HOUR, t0 + 360_001)
        .await
        .unwrap();
    assert_eq!(again.retry_after_secs(), Some(360));
}

async fn concurrent_spenders_never_overspend<T: ItemTable + Clone + 'static>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let ana = shared::testing::public_id("ana");
    let policy = BucketPolicy {
        quota: 5,
        window_secs: 3_600,
    };
    let now: i64 = 1_700_000_000_000;
    let attempts = (0..16).map(|_| {
        let (store, ana) = (store.clone(), ana.clone());
        tokio::spawn(async move {
            store
                .take_token(&ana, WriteAction::Photos, policy, now)
                .await
        })
    });
    let mut granted = 0;
    for handle in futures_util::future::join_all(attempts).await {
        // A lost race means another spender won a token, so with 5 tokens nobody loses the
        // 8 races it would take to give up: every answer is a grant or a refusal.
        if handle.unwrap().unwrap().allowed {
            granted += 1;
        }
    }
    assert_eq!(granted, 5, "16 concurrent spenders of a bucket of 5");
    let after = store
        .take_token(&ana, WriteAction::Photos, policy, now)
        .await
        .unwrap();
    assert!(!after.allowed, "the bucket is empty after the race");
}

/// A write retried after its response was lost meets the items it wrote itself: the writer
/// recognises its own write and succeeds without counting the review twice (the rating shard
/// moves once), so a retry is never a 409, a 500 or a duplicate.
async fn a_write_retried_after_it_committed_succeeds_once<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let cafe = CafeId::from_entropy(5);
    let first = review(50, &cafe, "ana", 4, 0);
    store.create_review(&first).await.unwrap();
    store.create_review(&first).await.unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 0, 1, 0])
    );
    // Someone else's review with the same author and café is still a duplicate.
    let other = review(51, &cafe, "ana", 2, 1);
    assert!(matches!(
        store.create_review(&other).await,
        Err(ReviewWriteError::Duplicate { existing }) if existing == first.id
    ));
    let mut edited = first.clone();
    edited.rating = Rating::new(2).unwrap();
    edited.updated_at = Timestamp::from_second(1_700_000_100).unwrap();
    store.update_review(&first, &edited).await.unwrap();
    store.update_review(&first, &edited).await.unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 1, 0, 0, 0])
    );
    // An edit that lost to a different one is still a conflict.
    let mut stale = first.clone();
    stale.rating = Rating::new(5).unwrap();
    stale.updated_at = Timestamp::from_second(1_700_000_200).unwrap();
    assert!(matches!(
        store.update_review(&first, &stale).await,
        Err(ReviewWriteError::Conflict)
    ));
    store.delete_review(&edited).await.unwrap();
    store.delete_review(&edited).await.unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 0, 0, 0])
    );
    // The claim of an idempotency key knows its own record only by its claimant token: a
    // second claim with the same payload is a concurrent duplicate, not the same claim.
    let now = 1_700_000_000;
    assert!(matches!(
        store.claim("k-own", "h", now).await.unwrap(),
        Claim::Acquired
    ));
    assert!(matches!(
        store.claim("k-own", "h", now).await.unwrap(),
        Claim::InProgress
    ));
}

tests::contract_suite!(
    creates_lists_and_summarises,
    a_write_retried_after_it_committed_succeeds_once,
    one_review_per_author_per_cafe,
    edits_and_deletes_keep_the_summary_exact,
    idempotency_claims_replays_and_expires,
    write_limits_are_token_buckets_per_user_and_action,
    concurrent_spenders_never_overspend,
    the_marker_records_the_current_contribution_of_every_write,
    a_region_settles_its_replaced_marker_version_once,
    a_foreign_marker_version_is_given_back_by_its_own_region_only,
);

/// The author marker as stored.
async fn marker<T: ItemTable>(table: &T, cafe: &CafeId, user: &str) -> ReviewMarker {
    let doc = table
        .get_item(
            &keys::ratings_pk(cafe),
            &keys::reviewer_sk(&shared::testing::public_id(user)),
        )
        .await
        .unwrap()
        .and_then(|item| item.doc)
        .unwrap();
    ReviewMarker::parse(&doc).unwrap()
}

/// Writes `marker` over the author marker as if replication brought it from another region,
/// with that region's shard counting it (what the other region's transaction wrote).
async fn replicate_in<T: ItemTable>(table: &T, cafe: &CafeId, user: &str, marker: &ReviewMarker) {
    let (pk, sk) = (
        keys::ratings_pk(cafe),
        keys::reviewer_sk(&shared::testing::public_id(user)),
    );
    let mut writes = vec![Write::Put {
        item: Item {
            version: Some(marker.seq),
            ..Item::plain(&pk, &sk, serde_json::to_string(marker).unwrap())
        },
        condition: Condition::Always,
    }];
    if let Some(stars) = marker.stars {
        writes.push(Write::Add {
            pk: pk.clone(),
            sk: keys::shard_sk(marker.region.as_deref().unwrap()),
            deltas: vec![(["h1", "h2", "h3", "h4", "h5"][usize::from(stars) - 1], 1)],
            expires_at: None,
            condition: Condition::Always,
        });
    }
    table.transact(writes).await.unwrap();
}

fn edit(before: &Review, stars: i64, second: i64) -> Review {
    before.edited(
        ReviewDraft {
            rating: Rating::new(stars).unwrap(),
            text: ReviewText::parse("Went back: the filter menu changed, still lovely.").unwrap(),
            brewing_method: None,
            visited_on: None,
        },
        Timestamp::from_second(1_700_000_000 + second).unwrap(),
    )
}

async fn the_marker_records_the_current_contribution_of_every_write<T: ItemTable>(table: T) {
    let store = ReviewStore::new(table, "eu-west-1");
    let cafe = CafeId::from_entropy(1);
    let first = review(1, &cafe, "ana", 5, 0);
    store.create_review(&first).await.unwrap();
    let created = marker(store.table(), &cafe, "ana").await;
    assert_eq!(
        (
            &created.review_id,
            created.stars,
            created.region.as_deref(),
            created.prev
        ),
        (&first.id, Some(5), Some("eu-west-1"), None)
    );
    let edited = edit(&first, 2, 10);
    store.update_review(&first, &edited).await.unwrap();
    let after_edit = marker(store.table(), &cafe, "ana").await;
    assert_eq!(after_edit.stars, Some(2));
    assert_eq!(after_edit.prev, Some(created.seq));
    assert!(after_edit.seq > created.seq);
    store.delete_review(&edited).await.unwrap();
    let tombstone = marker(store.table(), &cafe, "ana").await;
    assert!(tombstone.is_tombstone());
    assert_eq!(tombstone.review_id, first.id);
    assert_eq!(tombstone.prev, Some(after_edit.seq));
    assert_eq!(store.rating_summary(&cafe).await.unwrap().count, 0);
    // A new review replaces the tombstone; the shard counts only the current one.
    let again = review(2, &cafe, "ana", 3, 20);
    store.create_review(&again).await.unwrap();
    let recreated = marker(store.table(), &cafe, "ana").await;
    assert_eq!(
        (recreated.review_id.clone(), recreated.prev),
        (again.id.clone(), Some(tombstone.seq))
    );
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 1, 0, 0])
    );
    // A marker written before markers named a region (a bare id) is taken back by whoever
    // replaces it: the edit moves the count, it does not add one.
    store
        .table()
        .transact(vec![Write::Put {
            item: Item::plain(
                keys::ratings_pk(&cafe),
                keys::reviewer_sk(&shared::testing::public_id("ana")),
                again.id.as_str(),
            ),
            condition: Condition::Always,
        }])
        .await
        .unwrap();
    store
        .update_review(&again, &edit(&again, 4, 30))
        .await
        .unwrap();
    assert_eq!(
        store.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 0, 1, 0])
    );
}

async fn a_region_settles_its_replaced_marker_version_once<T: ItemTable>(table: T) {
    let eu = ReviewStore::new(table, "eu-west-1");
    let cafe = CafeId::from_entropy(1);
    let phone = review(1, &cafe, "ana", 4, 0);
    eu.create_review(&phone).await.unwrap();
    let ours = marker(eu.table(), &cafe, "ana").await;
    // Within the replication window, Ana's laptop reviewed the café in us-east-1, later.
    let laptop = ReviewMarker {
        review_id: ReviewId::from_entropy(2),
        stars: Some(2),
        review_version: 1,
        region: Some("us-east-1".to_owned()),
        seq: ours.seq + 1,
        prev: None,
    };
    replicate_in(eu.table(), &cafe, "ana", &laptop).await;
    assert_eq!(
        eu.rating_summary(&cafe).await.unwrap().count,
        2,
        "counted twice, unsettled"
    );

    let author = shared::testing::public_id("ana");
    let settled = eu
        .settle_marker(&cafe, &author, &ours, Some(&laptop))
        .await
        .unwrap();
    assert_eq!(
        settled,
        Settlement {
            released: true,
            removed_review: true
        }
    );
    assert_eq!(
        eu.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 1, 0, 0, 0])
    );
    assert_eq!(
        eu.get_review(&phone.id).await.unwrap(),
        None,
        "the losing review goes"
    );
    assert!(
        eu.list_user_reviews(&author, PageLimit::max(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Redelivered: nothing more.
    let again = eu
        .settle_marker(&cafe, &author, &ours, Some(&laptop))
        .await
        .unwrap();
    assert_eq!(again, Settlement::default());
    assert_eq!(eu.rating_summary(&cafe).await.unwrap().count, 1);
}

async fn a_foreign_marker_version_is_given_back_by_its_own_region_only<T: ItemTable + Clone>(
    table: T,
) {
    let eu = ReviewStore::new(table.clone(), "eu-west-1");
    let us = ReviewStore::new(table, "us-east-1");
    let cafe = CafeId::from_entropy(1);
    let author = shared::testing::public_id("ana");
    let created = review(1, &cafe, "ana", 5, 0);
    eu.create_review(&created).await.unwrap();
    let eu_version = marker(eu.table(), &cafe, "ana").await;
    // The review replicated to us-east-1, which edits it: its shard counts the new stars; the
    // old ones are eu-west-1's to give back.
    let edited = edit(&created, 3, 10);
    us.update_review(&created, &edited).await.unwrap();
    let us_version = marker(us.table(), &cafe, "ana").await;
    assert_eq!(us_version.region.as_deref(), Some("us-east-1"));
    assert_eq!(us_version.prev, Some(eu_version.seq));
    assert_eq!(
        us.settle_marker(&cafe, &author, &eu_version, Some(&us_version))
            .await
            .unwrap(),
        Settlement::default(),
        "not us-east-1's version"
    );
    assert_eq!(us.rating_summary(&cafe).await.unwrap().count, 2);
    let settled = eu
        .settle_marker(&cafe, &author, &eu_version, Some(&us_version))
        .await
        .unwrap();
    assert_eq!(
        settled,
        Settlement {
            released: true,
            removed_review: false
        },
        "the winner names the same review: it stays"
    );
    assert_eq!(
        eu.rating_summary(&cafe).await.unwrap(),
        RatingSummary::from_histogram([0, 0, 1, 0, 0])
    );
    assert_eq!(eu.get_review(&created.id).await.unwrap(), Some(edited));
}
