//! Reviews, idempotency records and write-limit token buckets, written once over [`ItemTable`].
//!
//! Rating summaries stay exact across regions by construction: every region keeps its own
//! counter shard per café (`RATINGS#<cafe>` / `SHARD#<region>`, counters `h1`…`h5`), changed only
//! by that region in the same transaction as the review item it accounts for. DynamoDB global
//! tables resolve conflicting writes to one item last-writer-wins; since no two regions ever
//! write the same shard, no increment is lost, and the summary is the sum of the shards on read.

use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::keys;
use super::table::{Condition, Item, ItemTable, TransactError, Write};
use crate::domain::{
    BucketPolicy, BucketState, CafeId, PublicUserId, Quota, RatingSummary, Review, ReviewId,
    WriteAction,
};
use crate::ports::{
    Claim, IdempotencyStore, ReviewReader, ReviewWriteError, ReviewWriter, StoreError,
    StoredResponse, WriteLimiter,
};
use crate::query::{Page, PageKey, PageLimit};

/// How long a completed idempotency record replays its response (24 h).
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60;
/// How long an in-progress claim blocks duplicates before it is considered abandoned; longer
/// than any function's timeout.
pub const IN_PROGRESS_TTL_SECS: i64 = 60;
/// Counter attributes of a rating shard, one per star count.
pub(super) const HISTOGRAM: [&str; 5] = ["h1", "h2", "h3", "h4", "h5"];

/// The review-side store: any [`ItemTable`] plus the region whose rating shard it writes.
#[derive(Clone, Debug)]
pub struct ReviewStore<T> {
    table: T,
    region: String,
}

impl<T: ItemTable> ReviewStore<T> {
    /// Wraps `table`; rating counters are written to this `region`'s shard.
    pub fn new(table: T, region: impl Into<String>) -> Self {
        Self {
            table,
            region: region.into(),
        }
    }

    /// The underlying table.
    pub fn table(&self) -> &T {
        &self.table
    }

    fn shard_write(&self, cafe: &CafeId, deltas: Vec<(&'static str, i64)>) -> Write {
        Write::Add {
            pk: keys::ratings_pk(cafe),
            sk: keys::shard_sk(&self.region),
            deltas,
            expires_at: None,
            condition: Condition::Always,
        }
    }
}

fn version(review: &Review) -> i64 {
    review.updated_at.as_microsecond()
}

pub(super) fn review_item(review: &Review) -> Result<Item, StoreError> {
    let pk = keys::review_pk(&review.id);
    let doc = serde_json::to_string(review).map_err(|source| StoreError::Corrupt {
        pk: pk.clone(),
        sk: keys::PROFILE_SK.to_owned(),
        source,
    })?;
    Ok(Item {
        lpk: Some(keys::reviews_lpk(&review.cafe_id)),
        by_newest: Some(keys::by_newest(review.created_at, review.id.as_str())),
        by_cell: None,
        version: Some(version(review)),
        ..Item::plain(pk, keys::PROFILE_SK, doc)
    })
}

/// The review's entry in its author's list (`GET /users/{id}/reviews`), in the review's own
/// partition so it is written and deleted in the same transaction as the review.
pub(super) fn user_list_item(review: &Review) -> Result<Item, StoreError> {
    let pk = keys::review_pk(&review.id);
    let doc = super::catalog::encode(&pk, keys::USER_LIST_SK, review)?;
    Ok(Item {
        lpk: Some(keys::user_reviews_lpk(&review.author_id)),
        by_newest: Some(keys::by_newest(review.created_at, review.id.as_str())),
        ..Item::plain(pk, keys::USER_LIST_SK, doc)
    })
}

/// The one-review-per-author marker: holds the review's id.
pub(super) fn reviewer_item(review: &Review) -> Item {
    Item::plain(
        keys::ratings_pk(&review.cafe_id),
        keys::reviewer_sk(&review.author_id),
        review.id.as_str(),
    )
}

fn bucket(review: &Review) -> &'static str {
    HISTOGRAM[review.rating.bucket()]
}

fn map_transact(
    err: TransactError,
    on_condition: impl FnOnce(usize) -> ReviewWriteError,
) -> ReviewWriteError {
    match err {
        TransactError::ConditionFailed { index } => on_condition(index),
        TransactError::Store(e) => ReviewWriteError::Store(e),
    }
}

impl<T: ItemTable> ReviewReader for ReviewStore<T> {
    #[instrument(skip_all, fields(cafe_id = %cafe))]
    async fn list_reviews(
        &self,
        cafe: &CafeId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Review>, StoreError> {
        super::catalog::read_newest(&self.table, &keys::reviews_lpk(cafe), after.as_ref(), limit)
            .await
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn list_user_reviews(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Review>, StoreError> {
        super::catalog::read_newest(
            &self.table,
            &keys::user_reviews_lpk(user),
            after.as_ref(),
            limit,
        )
        .await
    }

    #[instrument(skip_all, fields(review_id = %id))]
    async fn get_review(&self, id: &ReviewId) -> Result<Option<Review>, StoreError> {
        let pk = keys::review_pk(id);
        match self
            .table
            .get_item(&pk, keys::PROFILE_SK)
            .await?
            .and_then(|i| i.doc)
        {
            Some(doc) => {
                serde_json::from_str(&doc)
                    .map(Some)
                    .map_err(|source| StoreError::Corrupt {
                        pk,
                        sk: keys::PROFILE_SK.to_owned(),
                        source,
                    })
            }
            None => Ok(None),
        }
    }

    #[instrument(skip_all, fields(cafe_id = %cafe))]
    async fn rating_summary(&self, cafe: &CafeId) -> Result<RatingSummary, StoreError> {
        let shards = self
            .table
            .query_prefix(&keys::ratings_pk(cafe), keys::SHARD_PREFIX)
            .await?;
        let mut histogram = [0i64; 5];
        for shard in &shards {
            for (slot, name) in histogram.iter_mut().zip(HISTOGRAM) {
                *slot += shard.counter(name);
            }
        }
        // A shard can be negative (a review created in one region, deleted in another); the
        // sum over shards cannot, once replication settles. Clamp the transient.
        Ok(RatingSummary::from_histogram(
            histogram.map(|n| u32::try_from(n.max(0)).unwrap_or(u32::MAX)),
        ))
    }
}

impl<T: ItemTable> ReviewWriter for ReviewStore<T> {
    #[instrument(skip_all, fields(review_id = %review.id, cafe_id = %review.cafe_id))]
    async fn create_review(&self, review: &Review) -> Result<(), ReviewWriteError> {
        let reviewer = reviewer_item(review);
        let writes = vec![
            Write::Put {
                item: review_item(review)?,
                condition: Condition::Absent,
            },
            Write::Put {
                item: reviewer,
                condition: Condition::Absent,
            },
            self.shard_write(&review.cafe_id, vec![(bucket(review), 1)]),
            Write::Put {
                item: user_list_item(review)?,
                condition: Condition::Always,
            },
        ];
        match self.table.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed { index: 1 }) => {
                let existing = self
                    .table
                    .get_item(
                        &keys::ratings_pk(&review.cafe_id),
                        &keys::reviewer_sk(&review.author_id),
                    )
                    .await?
                    .and_then(|i| i.doc)
                    .and_then(|id| ReviewId::parse(&id).ok())
                    .ok_or(ReviewWriteError::Conflict)?;
                Err(ReviewWriteError::Duplicate { existing })
            }
            Err(e) => Err(map_transact(e, |_| ReviewWriteError::Conflict)),
        }
    }

    #[instrument(skip_all, fields(review_id = %after.id))]
    async fn update_review(&self, before: &Review, after: &Review) -> Result<(), ReviewWriteError> {
        let mut writes = vec![Write::Put {
            item: review_item(after)?,
            condition: Condition::VersionIs(version(before)),
        }];
        writes.push(Write::Put {
            item: user_list_item(after)?,
            condition: Condition::Always,
        });
        if before.rating != after.rating {
            writes.push(self.shard_write(
                &after.cafe_id,
                vec![(bucket(before), -1), (bucket(after), 1)],
            ));
        }
        self.table
            .transact(writes)
            .await
            .map_err(|e| map_transact(e, |_| ReviewWriteError::Conflict))
    }

    #[instrument(skip_all, fields(review_id = %review.id))]
    async fn delete_review(&self, review: &Review) -> Result<(), ReviewWriteError> {
        let writes = vec![
            Write::Delete {
                pk: keys::review_pk(&review.id),
                sk: keys::PROFILE_SK.to_owned(),
                condition: Condition::VersionIs(version(review)),
            },
            Write::Delete {
                pk: keys::ratings_pk(&review.cafe_id),
                sk: keys::reviewer_sk(&review.author_id),
                condition: Condition::Always,
            },
            self.shard_write(&review.cafe_id, vec![(bucket(review), -1)]),
            Write::Delete {
                pk: keys::review_pk(&review.id),
                sk: keys::USER_LIST_SK.to_owned(),
                condition: Condition::Always,
            },
        ];
        self.table
            .transact(writes)
            .await
            .map_err(|e| map_transact(e, |_| ReviewWriteError::Conflict))
    }
}

/// What an idempotency record holds.
#[derive(Serialize, Deserialize)]
struct Record {
    hash: String,
    response: Option<StoredResponse>,
}

impl<T: ItemTable> IdempotencyStore for ReviewStore<T> {
    #[instrument(skip_all)]
    async fn claim(&self, key: &str, payload_hash: &str, now: i64) -> Result<Claim, StoreError> {
        let pk = keys::idempotency_pk(key);
        let record = Record {
            hash: payload_hash.to_owned(),
            response: None,
        };
        let doc = serde_json::to_string(&record).unwrap_or_default();
        let claim = Write::Put {
            item: Item {
                expires_at: Some(now + IN_PROGRESS_TTL_SECS),
                ..Item::plain(pk.clone(), keys::PROFILE_SK, doc)
            },
            condition: Condition::AbsentOrExpired { now },
        };
        match self.table.transact(vec![claim]).await {
            Ok(()) => return Ok(Claim::Acquired),
            Err(TransactError::Store(e)) => return Err(e),
            Err(TransactError::ConditionFailed { .. }) => {}
        }
        let Some(existing) = self.table.get_item(&pk, keys::PROFILE_SK).await? else {
            // Expired and removed between the two calls: the caller may retry.
            return Ok(Claim::InProgress);
        };
        let record: Option<Record> = existing
            .doc
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok());
        Ok(match record {
            Some(r) if r.hash != payload_hash => Claim::PayloadMismatch,
            Some(Record {
                response: Some(response),
                ..
            }) => Claim::Replay(response),
            _ => Claim::InProgress,
        })
    }

    #[instrument(skip_all)]
    async fn complete(
        &self,
        key: &str,
        payload_hash: &str,
        response: &StoredResponse,
        now: i64,
    ) -> Result<(), StoreError> {
        let record = Record {
            hash: payload_hash.to_owned(),
            response: Some(response.clone()),
        };
        let doc = serde_json::to_string(&record).unwrap_or_default();
        let put = Write::Put {
            item: Item {
                expires_at: Some(now + IDEMPOTENCY_TTL_SECS),
                ..Item::plain(keys::idempotency_pk(key), keys::PROFILE_SK, doc)
            },
            condition: Condition::Always,
        };
        self.table.transact(vec![put]).await.map_err(|e| match e {
            TransactError::Store(e) => e,
            TransactError::ConditionFailed { .. } => StoreError::Backend {
                operation: "idempotency_complete",
                source: "unconditional write reported a failed condition".into(),
            },
        })
    }

    #[instrument(skip_all)]
    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let delete = Write::Delete {
            pk: keys::idempotency_pk(key),
            sk: keys::PROFILE_SK.to_owned(),
            condition: Condition::Always,
        };
        self.table
            .transact(vec![delete])
            .await
            .map_err(|e| match e {
                TransactError::Store(e) => e,
                TransactError::ConditionFailed { .. } => StoreError::Backend {
                    operation: "idempotency_release",
                    source: "unconditional delete reported a failed condition".into(),
                },
            })
    }
}

/// Attempts at a conditional bucket update before answering "busy": each failed attempt means
/// another request for the same user and action won a token meanwhile.
const BUCKET_ATTEMPTS: usize = 8;

impl<T: ItemTable> WriteLimiter for ReviewStore<T> {
    /// Read the bucket (strongly consistent), refill it, and write it back only if nobody else
    /// wrote it since (`Absent` for a new bucket, `VersionIs` otherwise); retry on a lost race.
    #[instrument(skip_all, fields(user = %user, action = %action))]
    async fn take_token(
        &self,
        user: &PublicUserId,
        action: WriteAction,
        policy: BucketPolicy,
        now_ms: i64,
    ) -> Result<Quota, StoreError> {
        let pk = keys::rate_pk(user);
        let sk = keys::bucket_sk(action);
        for _ in 0..BUCKET_ATTEMPTS {
            let stored = self.table.get_item(&pk, &sk).await?;
            let state: Option<BucketState> = stored
                .as_ref()
                .and_then(|item| item.doc.as_deref())
                .and_then(|doc| serde_json::from_str(doc).ok());
            let (quota, next) = policy.take(action, state, now_ms);
            let Some(next) = next else {
                return Ok(quota);
            };
            let version = stored.as_ref().and_then(|item| item.version);
            let condition = match (&stored, version) {
                (None, _) => Condition::Absent,
                (Some(_), Some(v)) => Condition::VersionIs(v),
                // An item without a version (never written by this code): replace it once.
                (Some(_), None) => Condition::Always,
            };
            let doc = serde_json::to_string(&next).map_err(|e| StoreError::Corrupt {
                pk: pk.clone(),
                sk: sk.clone(),
                source: e,
            })?;
            let put = Write::Put {
                item: Item {
                    version: Some(version.unwrap_or(0) + 1),
                    // A missing bucket is a full one, so the item may go once it is full.
                    expires_at: Some(policy.full_at_ms(next).div_euclid(1_000) + 60),
                    ..Item::plain(pk.clone(), sk.clone(), doc)
                },
                condition,
            };
            match self.table.transact(vec![put]).await {
                Ok(()) => return Ok(quota),
                Err(TransactError::ConditionFailed { .. }) => continue,
                Err(TransactError::Store(e)) => return Err(e),
            }
        }
        Err(StoreError::Throttled {
            operation: "take_token",
        })
    }
}
