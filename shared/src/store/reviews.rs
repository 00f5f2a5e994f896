//! Reviews and their rating shards, written once over [`ItemTable`]. Reads work on any table
//! (no region); writes go through [`ReviewStore`], which names the region whose shard it counts in.
//!
//! Rating summaries stay exact across regions by construction: every region keeps its own
//! counter shard per café (`RATINGS#<cafe>` / `SHARD#<region>`, counters `h1`…`h5`), changed only
//! by that region in the same transaction as the review item it accounts for. DynamoDB global
//! tables resolve conflicting writes to one item last-writer-wins; since no two regions ever
//! write the same shard, no increment is lost, and the summary is the sum of the shards on read.

use tracing::instrument;

use super::doc::{gone, stored_as};
use super::keys;
use super::table::{Condition, Item, ItemTable, SortIndex, SortKeys, TransactError, Write};
use crate::domain::{CafeId, PublicUserId, RatingSummary, Review, ReviewId};
use crate::ports::{ReviewReader, ReviewWriteError, ReviewWriter, StoreError};
use crate::query::{Page, PageKey, PageLimit};

/// Counter attributes of a rating shard, one per star count.
pub(super) const HISTOGRAM: [&str; 5] = ["h1", "h2", "h3", "h4", "h5"];

/// The review writer: any [`ItemTable`] plus the region whose rating shard it counts in. Only
/// writes need a region; reads are implemented on every [`ItemTable`].
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

/// A review writer is its table plus a region: reads (and any other port of the table) are
/// reached through it, so a caller holding one needs no second handle on the same table.
impl<T> std::ops::Deref for ReviewStore<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.table
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
        sort: SortKeys::one(
            SortIndex::ByNewest,
            keys::by_newest(review.created_at, review.id.as_str()),
        ),
        version: Some(version(review)),
        ..Item::plain(pk, keys::PROFILE_SK, doc)
    })
}

/// The review's entry in its author's list (`GET /users/{id}/reviews`), in the review's own
/// partition so it is written and deleted in the same transaction as the review.
pub(super) fn user_list_item(review: &Review) -> Result<Item, StoreError> {
    let pk = keys::review_pk(&review.id);
    let doc = super::doc::encode(&pk, keys::USER_LIST_SK, review)?;
    Ok(Item {
        lpk: Some(keys::user_reviews_lpk(&review.author_id)),
        sort: SortKeys::one(
            SortIndex::ByNewest,
            keys::by_newest(review.created_at, review.id.as_str()),
        ),
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

impl<S: ItemTable> ReviewReader for S {
    #[instrument(skip_all, fields(cafe_id = %cafe))]
    async fn list_reviews(
        &self,
        cafe: &CafeId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Review>, StoreError> {
        super::doc::read_newest(self, &keys::reviews_lpk(cafe), after.as_ref(), limit).await
    }

    #[instrument(skip_all, fields(user = %user))]
    async fn list_user_reviews(
        &self,
        user: &PublicUserId,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Review>, StoreError> {
        super::doc::read_newest(self, &keys::user_reviews_lpk(user), after.as_ref(), limit).await
    }

    #[instrument(skip_all, fields(review_id = %id))]
    async fn get_review(&self, id: &ReviewId) -> Result<Option<Review>, StoreError> {
        super::doc::profile(self, keys::review_pk(id)).await
    }

    #[instrument(skip_all, fields(cafe_id = %cafe))]
    async fn rating_summary(&self, cafe: &CafeId) -> Result<RatingSummary, StoreError> {
        let shards = self
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
        let item = review_item(review)?;
        let writes = vec![
            Write::Put {
                item: item.clone(),
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
            Err(TransactError::ConditionFailed { .. }) => {
                // The author's marker names the review this author already has here, if any
                // (the review itself may be the one that failed its condition: a retry of this
                // very write, or a re-run under the same derived id).
                let existing = self
                    .table
                    .get_item(
                        &keys::ratings_pk(&review.cafe_id),
                        &keys::reviewer_sk(&review.author_id),
                    )
                    .await?
                    .and_then(|i| i.doc)
                    .and_then(|id| ReviewId::parse(&id).ok());
                match existing {
                    // Our own earlier attempt committed (its response was lost): done.
                    Some(id) if id == review.id && stored_as(&self.table, &item).await? => Ok(()),
                    Some(existing) => Err(ReviewWriteError::Duplicate { existing }),
                    None => Err(ReviewWriteError::Conflict),
                }
            }
            Err(e) => Err(map_transact(e, |_| ReviewWriteError::Conflict)),
        }
    }

    #[instrument(skip_all, fields(review_id = %after.id))]
    async fn update_review(&self, before: &Review, after: &Review) -> Result<(), ReviewWriteError> {
        let item = review_item(after)?;
        let mut writes = vec![Write::Put {
            item: item.clone(),
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
        let result = self.table.transact(writes).await;
        if matches!(result, Err(TransactError::ConditionFailed { .. }))
            && stored_as(&self.table, &item).await?
        {
            // Our own earlier attempt committed this very edit.
            return Ok(());
        }
        result.map_err(|e| map_transact(e, |_| ReviewWriteError::Conflict))
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
        let result = self.table.transact(writes).await;
        if matches!(result, Err(TransactError::ConditionFailed { .. }))
            && gone(&self.table, &keys::review_pk(&review.id), keys::PROFILE_SK).await?
        {
            // Already gone: our own earlier attempt (or another delete) removed it.
            return Ok(());
        }
        result.map_err(|e| map_transact(e, |_| ReviewWriteError::Conflict))
    }
}
