//! Reviews and their rating shards, written once over [`ItemTable`]. Reads work on any table
//! (no region); writes go through [`ReviewStore`], which names the region whose shard it counts in.
//!
//! Rating summaries stay exact across regions by construction: every region keeps its own
//! counter shard per café (`RATINGS#<cafe>` / `SHARD#<region>`, counters `h1`…`h5`), changed only
//! by that region. DynamoDB global tables resolve conflicting writes to one item last-writer-wins;
//! since no two regions ever write the same shard, no increment is lost, and the summary is the
//! sum of the shards on read.
//!
//! What a shard counts is defined by the author markers ([`ReviewMarker`]): region R's shard
//! holds the stars of every marker version written by R that is still current in R. A write
//! replacing a version of its own region takes that star back in the same transaction; a version
//! of another region, replaced here or by replication, is taken back by that region's stream
//! consumer ([`MarkerSettler`]) once the replacement reaches it. Once replication settles, every
//! region holds the same markers, so the sum of the shards is the stars of the current markers:
//! each review counted once, whichever region won each conflict (docs/reviews.md).

use tracing::instrument;

use super::doc::{gone, stored_as};
use super::keys;
use super::table::{Condition, Item, ItemTable, SortIndex, SortKeys, TransactError, Write};
use crate::domain::{CafeId, PublicUserId, RatingSummary, Review, ReviewId};
use crate::ports::{
    MarkerSettler, ReviewMarker, ReviewReader, ReviewWriteError, ReviewWriter, Settlement,
    StoreError,
};
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

    /// The author marker of `review`'s author and café, as it is here now (consistent read).
    async fn current_marker(&self, review: &Review) -> Result<CurrentMarker, StoreError> {
        let item = self
            .table
            .get_item(
                &keys::ratings_pk(&review.cafe_id),
                &keys::reviewer_sk(&review.author_id),
            )
            .await?;
        Ok(match item {
            None => CurrentMarker {
                marker: None,
                condition: Condition::Absent,
            },
            Some(item) => CurrentMarker {
                marker: item.doc.as_deref().and_then(ReviewMarker::parse),
                condition: item
                    .version
                    .map_or(Condition::Unversioned, Condition::VersionIs),
            },
        })
    }

    /// The next marker version after `prev`, written by this region.
    fn next_marker(
        &self,
        review: &Review,
        stars: Option<u8>,
        prev: Option<&ReviewMarker>,
    ) -> ReviewMarker {
        let prev_seq = prev.map(|m| m.seq);
        let now = jiff::Timestamp::now().as_microsecond();
        ReviewMarker {
            review_id: review.id.clone(),
            stars,
            review_version: version(review),
            region: Some(self.region.clone()),
            seq: prev_seq.map_or(now, |p| now.max(p.saturating_add(1))),
            prev: prev_seq,
        }
    }

    /// The star this region's shard takes back when this region replaces `old`, written about
    /// `review` (as read): its own version's star, or a legacy marker's (counted before markers
    /// named a region, so taken back by whoever replaces it). A version of another region is
    /// taken back by that region when the replacement reaches it ([`MarkerSettler`]).
    fn released(&self, old: Option<&ReviewMarker>, review: &Review) -> Option<&'static str> {
        let old = old?;
        if old.region.as_deref() == Some(self.region.as_str()) {
            return old.stars.map(star_bucket);
        }
        (old.is_legacy() && old.review_id == review.id).then(|| bucket(review))
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

/// How long a settlement record is kept: well past the stream's 24-hour retention, after which
/// no record of the change it settled can be delivered again.
const SETTLED_TTL_SECS: i64 = 3 * 24 * 3_600;

impl ReviewMarker {
    /// Reads a marker item's document: the JSON of a [`ReviewMarker`], or the bare review id of
    /// a marker written before markers carried a region (`region: None`, stars unknown).
    pub fn parse(doc: &str) -> Option<Self> {
        if doc.starts_with('{') {
            return serde_json::from_str(doc).ok();
        }
        Some(Self {
            review_id: ReviewId::parse(doc).ok()?,
            stars: None,
            review_version: 0,
            region: None,
            seq: 0,
            prev: None,
        })
    }

    /// A marker written before markers carried a region (or by an import): counted in some
    /// shard, taken back by whichever region replaces it.
    pub fn is_legacy(&self) -> bool {
        self.region.is_none()
    }

    /// A delete's marker: counts nothing.
    pub fn is_tombstone(&self) -> bool {
        self.stars.is_none() && !self.is_legacy()
    }
}

/// The author marker's item for `marker` of `review`'s author and café.
pub(super) fn marker_item(review: &Review, marker: &ReviewMarker) -> Result<Item, StoreError> {
    let pk = keys::ratings_pk(&review.cafe_id);
    let sk = keys::reviewer_sk(&review.author_id);
    let doc = super::doc::encode(&pk, &sk, marker)?;
    Ok(Item {
        version: Some(marker.seq),
        ..Item::plain(pk, sk, doc)
    })
}

/// The marker of a review written outside any region's review path (import, migration):
/// counted in the shard the caller writes, taken back by whichever region replaces it, like a
/// legacy one.
pub(super) fn reviewer_item(review: &Review) -> Result<Item, StoreError> {
    marker_item(
        review,
        &ReviewMarker {
            review_id: review.id.clone(),
            stars: Some(review.rating.stars()),
            review_version: version(review),
            region: None,
            seq: version(review),
            prev: None,
        },
    )
}

/// The marker as read, with the condition that a write replacing exactly it needs.
struct CurrentMarker {
    marker: Option<ReviewMarker>,
    condition: Condition,
}

fn star_bucket(stars: u8) -> &'static str {
    HISTOGRAM[usize::from(stars.clamp(1, 5) - 1)]
}

/// Adds up per-bucket changes, dropping those that cancel out.
fn net(deltas: &[(&'static str, i64)]) -> Vec<(&'static str, i64)> {
    HISTOGRAM
        .iter()
        .filter_map(|name| {
            let sum: i64 = deltas
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, d)| d)
                .sum();
            (sum != 0).then_some((*name, sum))
        })
        .collect()
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

impl<T: ItemTable> ReviewStore<T> {
    /// The review transaction: the review (put or delete), the marker `marker` replacing what
    /// `current` read, the author list entry, and this region's shard `deltas` (netted; no shard
    /// write when they cancel out).
    fn review_writes(
        &self,
        review: Write,
        marker: Item,
        current: &CurrentMarker,
        list: Write,
        cafe: &CafeId,
        deltas: &[(&'static str, i64)],
    ) -> Vec<Write> {
        let mut writes = vec![
            review,
            Write::Put {
                item: marker,
                condition: current.condition.clone(),
            },
            list,
        ];
        let deltas = net(deltas);
        if !deltas.is_empty() {
            writes.push(self.shard_write(cafe, deltas));
        }
        writes
    }

    /// A create's transaction over the marker `current` (absent, or a tombstone).
    fn create_writes(
        &self,
        review: &Review,
        item: &Item,
        current: &CurrentMarker,
    ) -> Result<Vec<Write>, StoreError> {
        let marker = self.next_marker(review, Some(review.rating.stars()), current.marker.as_ref());
        let mut deltas = vec![(bucket(review), 1)];
        if let Some(back) = self.released(current.marker.as_ref(), review) {
            deltas.push((back, -1));
        }
        Ok(self.review_writes(
            Write::Put {
                item: item.clone(),
                condition: Condition::Absent,
            },
            marker_item(review, &marker)?,
            current,
            Write::Put {
                item: user_list_item(review)?,
                condition: Condition::Always,
            },
            &review.cafe_id,
            &deltas,
        ))
    }
}

impl<T: ItemTable> ReviewWriter for ReviewStore<T> {
    #[instrument(skip_all, fields(review_id = %review.id, cafe_id = %review.cafe_id))]
    async fn create_review(&self, review: &Review) -> Result<(), ReviewWriteError> {
        let item = review_item(review)?;
        // The common case first: no marker yet (no read).
        let absent = CurrentMarker {
            marker: None,
            condition: Condition::Absent,
        };
        match self
            .table
            .transact(self.create_writes(review, &item, &absent)?)
            .await
        {
            Ok(()) => return Ok(()),
            Err(TransactError::ConditionFailed { .. }) => {}
            Err(e) => return Err(map_transact(e, |_| ReviewWriteError::Conflict)),
        }
        // The author's marker names the review this author already has here, if any (the
        // review itself may be the one that failed its condition: a retry of this very write,
        // or a re-run under the same derived id), or the tombstone of a deleted one.
        let current = self.current_marker(review).await?;
        match current.marker.clone() {
            // The author deleted their review: a new one replaces the tombstone.
            Some(old) if old.is_tombstone() => self
                .table
                .transact(self.create_writes(review, &item, &current)?)
                .await
                .map_err(|e| map_transact(e, |_| ReviewWriteError::Conflict)),
            // Our own earlier attempt committed (its response was lost): done.
            Some(old) if old.review_id == review.id && stored_as(&self.table, &item).await? => {
                Ok(())
            }
            Some(old) => Err(ReviewWriteError::Duplicate {
                existing: old.review_id,
            }),
            None => Err(ReviewWriteError::Conflict),
        }
    }

    #[instrument(skip_all, fields(review_id = %after.id))]
    async fn update_review(&self, before: &Review, after: &Review) -> Result<(), ReviewWriteError> {
        let item = review_item(after)?;
        let current = self.current_marker(before).await?;
        if let Some(old) = &current.marker
            && old.review_id != after.id
            && !old.is_tombstone()
        {
            // Another review of this author holds the marker: this one lost the one-review rule
            // (two devices, two regions) and is being removed by the region that wrote it.
            return Err(ReviewWriteError::Conflict);
        }
        let marker = self.next_marker(after, Some(after.rating.stars()), current.marker.as_ref());
        let mut deltas = vec![(bucket(after), 1)];
        if let Some(back) = self.released(current.marker.as_ref(), before) {
            deltas.push((back, -1));
        }
        let writes = self.review_writes(
            Write::Put {
                item: item.clone(),
                condition: Condition::VersionIs(version(before)),
            },
            marker_item(after, &marker)?,
            &current,
            Write::Put {
                item: user_list_item(after)?,
                condition: Condition::Always,
            },
            &after.cafe_id,
            &deltas,
        );
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
        let current = self.current_marker(review).await?;
        let delete_review = Write::Delete {
            pk: keys::review_pk(&review.id),
            sk: keys::PROFILE_SK.to_owned(),
            condition: Condition::VersionIs(version(review)),
        };
        let delete_list = Write::Delete {
            pk: keys::review_pk(&review.id),
            sk: keys::USER_LIST_SK.to_owned(),
            condition: Condition::Always,
        };
        let named_elsewhere = current
            .marker
            .as_ref()
            .is_some_and(|old| old.review_id != review.id && !old.is_tombstone());
        let writes = if named_elsewhere {
            // The marker counts another review of this author: this one counts nowhere, and
            // the marker stays.
            vec![delete_review, delete_list]
        } else {
            let tombstone = self.next_marker(review, None, current.marker.as_ref());
            let mut deltas = Vec::new();
            if let Some(back) = self.released(current.marker.as_ref(), review) {
                deltas.push((back, -1));
            }
            self.review_writes(
                delete_review,
                marker_item(review, &tombstone)?,
                &current,
                delete_list,
                &review.cafe_id,
                &deltas,
            )
        };
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

impl<T: ItemTable> MarkerSettler for ReviewStore<T> {
    #[instrument(skip_all, fields(cafe_id = %cafe, region = %self.region))]
    async fn settle_marker(
        &self,
        cafe: &CafeId,
        author: &PublicUserId,
        old: &ReviewMarker,
        new: Option<&ReviewMarker>,
    ) -> Result<Settlement, StoreError> {
        let mine = |m: &ReviewMarker| m.region.as_deref() == Some(self.region.as_str());
        let mut done = Settlement::default();
        if !mine(old) || new.is_some_and(mine) {
            // Another region's version (its own consumer settles it), or replaced by this
            // region's own write (which took the star back in its transaction).
            return Ok(done);
        }
        if let Some(stars) = old.stars {
            let now = jiff::Timestamp::now().as_second();
            let writes = vec![
                Write::Put {
                    item: Item {
                        expires_at: Some(now + SETTLED_TTL_SECS),
                        ..Item::plain(
                            keys::ratings_pk(cafe),
                            keys::settled_sk(author, &self.region, old.seq),
                            old.review_id.as_str(),
                        )
                    },
                    condition: Condition::Absent,
                },
                self.shard_write(cafe, vec![(star_bucket(stars), -1)]),
            ];
            match self.table.transact(writes).await {
                Ok(()) => done.released = true,
                // Settled on an earlier delivery of this change.
                Err(TransactError::ConditionFailed { .. }) => {}
                Err(TransactError::Store(e)) => return Err(e),
            }
        }
        let loser = new.is_none_or(|n| n.review_id != old.review_id);
        if loser && old.stars.is_some() {
            // The winner counts another review of this author (or none): the one this region
            // wrote goes, unless it changed since (then a later write decides).
            let writes = vec![
                Write::Delete {
                    pk: keys::review_pk(&old.review_id),
                    sk: keys::PROFILE_SK.to_owned(),
                    condition: Condition::VersionIs(old.review_version),
                },
                Write::Delete {
                    pk: keys::review_pk(&old.review_id),
                    sk: keys::USER_LIST_SK.to_owned(),
                    condition: Condition::Always,
                },
            ];
            match self.table.transact(writes).await {
                Ok(()) => done.removed_review = true,
                Err(TransactError::ConditionFailed { .. }) => {}
                Err(TransactError::Store(e)) => return Err(e),
            }
        }
        Ok(done)
    }
}
