//! The storage primitive under every port: items addressed by `(PK, SK)`, some of them also
//! listed in a partition `LPK` of four sorted indexes.

use std::future::Future;

use crate::ports::StoreError;
use crate::query::PageKey;

/// The four list indexes. Each is keyed by `LPK` and sorted ascending by its own attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortIndex {
    /// Sorted by `SN` (name key).
    ByName,
    /// Sorted by `SR` (inverted rating key: best first).
    ByRating,
    /// Sorted by `ST` (inverted creation time: newest first).
    ByNewest,
    /// Sorted by `SG` (the geohash of a geo index entry); see [`crate::geo`].
    ByCell,
}

impl SortIndex {
    /// Every list index, in slot order.
    pub const ALL: [SortIndex; 4] = [Self::ByName, Self::ByRating, Self::ByNewest, Self::ByCell];

    fn slot(self) -> usize {
        match self {
            Self::ByName => 0,
            Self::ByRating => 1,
            Self::ByNewest => 2,
            Self::ByCell => 3,
        }
    }

    /// Index name in DynamoDB (and in the embedded schema).
    pub fn name(self) -> &'static str {
        match self {
            Self::ByName => "ByName",
            Self::ByRating => "ByRating",
            Self::ByNewest => "ByNewest",
            Self::ByCell => "ByCell",
        }
    }

    /// The item attribute the index sorts by.
    pub fn attribute(self) -> &'static str {
        match self {
            Self::ByName => "SN",
            Self::ByRating => "SR",
            Self::ByNewest => "ST",
            Self::ByCell => "SG",
        }
    }
}

/// An item's sort value in each list index (`None`: the item is not in that index). Adapters
/// store each under [`SortIndex::attribute`]; adding an index means one more variant, not one
/// more field in every adapter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SortKeys([Option<String>; 4]);

impl SortKeys {
    /// Only `index` set to `value`.
    pub fn one(index: SortIndex, value: impl Into<String>) -> Self {
        Self::default().with(index, value)
    }

    /// These keys with `index` set to `value`.
    pub fn with(mut self, index: SortIndex, value: impl Into<String>) -> Self {
        self.0[index.slot()] = Some(value.into());
        self
    }

    /// The sort value in `index`, if the item is in it.
    pub fn get(&self, index: SortIndex) -> Option<&str> {
        self.0[index.slot()].as_deref()
    }

    /// Every index with the item's value in it.
    pub fn iter(&self) -> impl Iterator<Item = (SortIndex, Option<&str>)> {
        SortIndex::ALL
            .into_iter()
            .map(|index| (index, self.get(index)))
    }
}

/// Most keys one [`ItemTable::get_docs`] call accepts (DynamoDB's `BatchGetItem` limit).
pub const MAX_GET_DOCS: usize = 100;

/// One stored item. `doc` is the JSON document the item carries (a profile or a list summary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    /// List partition; `None` for items that appear in no list.
    pub lpk: Option<String>,
    /// Sort values per list index (only meaningful with `lpk`).
    pub sort: SortKeys,
    pub doc: String,
    /// Optimistic-concurrency version (`ver`), for items edited in place.
    pub version: Option<i64>,
    /// Expiry in epoch seconds (`expiresAt`, the table's TTL attribute).
    pub expires_at: Option<i64>,
}

impl Item {
    /// An item that is in no list, has no version and never expires.
    pub fn plain(pk: impl Into<String>, sk: impl Into<String>, doc: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            lpk: None,
            sort: SortKeys::default(),
            doc: doc.into(),
            version: None,
            expires_at: None,
        }
    }
}

/// A document read from an index, with the position to resume after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDoc {
    pub key: PageKey,
    pub doc: String,
}

/// What an adapter must provide. Everything else is written once in `catalog`.
pub trait ItemTable: Send + Sync {
    /// The document at `(pk, sk)`.
    fn get_doc(
        &self,
        pk: &str,
        sk: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Up to `limit` items of list partition `lpk` in `index` order, strictly after `after`.
    fn query_index(
        &self,
        index: SortIndex,
        lpk: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredDoc>, StoreError>> + Send;

    /// The first `limit` items of list partition `lpk` whose `index` sort value lies in
    /// `from..=to` and, with `after`, follows `after` (strictly), in index order. Callers bound
    /// the range (or the limit); adapters read until either ends. Fewer than `limit` items
    /// means the range was read to its end; `limit` items, that more may follow the last one
    /// (pass its key as `after` to go on: DynamoDB's `ExclusiveStartKey`).
    fn query_range(
        &self,
        index: SortIndex,
        lpk: &str,
        from: &str,
        to: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredDoc>, StoreError>> + Send;

    /// Several [`ItemTable::query_range`] reads (one round of the nearby search), answered in
    /// the same order. The default runs them concurrently, one request each (DynamoDB: one
    /// `Query` per range); an adapter whose reads are cheap but whose calls are not (SQLite:
    /// each call is a hop to a blocking thread and the connection lock) runs them in one call.
    fn query_ranges(
        &self,
        reads: Vec<RangeRead>,
    ) -> impl Future<Output = Result<Vec<Vec<StoredDoc>>, StoreError>> + Send {
        async move {
            let reads = reads.iter().map(|r| {
                self.query_range(r.index, &r.lpk, &r.from, &r.to, r.after.as_ref(), r.limit)
            });
            futures_util::future::try_join_all(reads).await
        }
    }

    /// The documents at `keys`, in the same order (`None` where no item exists). At most
    /// [`MAX_GET_DOCS`] keys per call.
    fn get_docs(
        &self,
        keys: Vec<(String, String)>,
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send;

    /// Makes partition `pk` hold exactly `items` (all of which have that `pk`), atomically:
    /// items not in the set are deleted, the rest are written.
    fn replace_partition(
        &self,
        pk: &str,
        items: Vec<Item>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes `items` (insert or overwrite) in as few round-trips as possible. Not atomic:
    /// for bulk loads into a store that does not hold these partitions yet.
    fn put_items(&self, items: Vec<Item>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The item at `(pk, sk)` with its counters, read strongly consistently (write paths).
    fn get_item(
        &self,
        pk: &str,
        sk: &str,
    ) -> impl Future<Output = Result<Option<StoredItem>, StoreError>> + Send;

    /// Every item of partition `pk` whose sort key starts with `sk_prefix`.
    fn query_prefix(
        &self,
        pk: &str,
        sk_prefix: &str,
    ) -> impl Future<Output = Result<Vec<StoredItem>, StoreError>> + Send;

    /// Applies every write or none. When a condition fails, nothing is written and the error
    /// names the first failing write by its index.
    fn transact(
        &self,
        writes: Vec<Write>,
    ) -> impl Future<Output = Result<(), TransactError>> + Send;
}

/// One range read of [`ItemTable::query_ranges`]: the arguments of
/// [`ItemTable::query_range`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeRead {
    pub index: SortIndex,
    pub lpk: String,
    pub from: String,
    pub to: String,
    pub after: Option<PageKey>,
    pub limit: usize,
}

/// An item as read back, with its numeric counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredItem {
    pub sk: String,
    pub doc: Option<String>,
    pub version: Option<i64>,
    pub expires_at: Option<i64>,
    /// Counter attributes (`h1`…`h5`, `n`), as written by [`Write::Add`].
    pub counters: Vec<(String, i64)>,
}

impl StoredItem {
    /// The value of counter `name` (0 when absent).
    pub fn counter(&self, name: &str) -> i64 {
        self.counters
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, v)| *v)
    }
}

/// A condition checked atomically with its write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Always write.
    Always,
    /// No item has this key.
    Absent,
    /// An item has this key and its version is `expected`.
    VersionIs(i64),
    /// An item has this key and no version (written before its kind carried one).
    Unversioned,
    /// No item has this key, or it expired (`expiresAt < now`).
    AbsentOrExpired { now: i64 },
    /// Counter `name` is absent or below `limit`.
    Below { name: &'static str, limit: i64 },
}

/// One write inside a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Insert or overwrite an item.
    Put { item: Item, condition: Condition },
    /// Delete an item (no error if it is absent and the condition allows it).
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// Add to counters, creating the item if needed; optionally (re)sets its expiry.
    Add {
        pk: String,
        sk: String,
        deltas: Vec<(&'static str, i64)>,
        expires_at: Option<i64>,
        condition: Condition,
    },
}

/// Why a transaction wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum TransactError {
    /// Write number `index` did not meet its condition.
    #[error("condition of write {index} failed")]
    ConditionFailed { index: usize },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TransactError {
    /// The error of a transaction whose writes carry no condition, named `operation`: a failed
    /// condition cannot happen there, so one that is reported is a backend fault.
    pub fn unconditional(self, operation: &'static str) -> StoreError {
        match self {
            Self::Store(e) => e,
            Self::ConditionFailed { index } => StoreError::Backend {
                operation,
                source: format!("unconditional write {index} reported a failed condition").into(),
            },
        }
    }
}
