//! The storage primitive under every port: items addressed by `(PK, SK)`, some of them also
//! listed in a partition `LPK` of three sorted indexes.

use std::future::Future;

use crate::ports::StoreError;
use crate::query::PageKey;

/// The three list indexes. Each is keyed by `LPK` and sorted ascending by its own attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortIndex {
    /// Sorted by `SN` (name key).
    ByName,
    /// Sorted by `SR` (inverted rating key: best first).
    ByRating,
    /// Sorted by `ST` (inverted creation time: newest first).
    ByNewest,
}

impl SortIndex {
    /// Index name in DynamoDB (and in the embedded schema).
    pub fn name(self) -> &'static str {
        match self {
            Self::ByName => "ByName",
            Self::ByRating => "ByRating",
            Self::ByNewest => "ByNewest",
        }
    }

    /// The item attribute the index sorts by.
    pub fn attribute(self) -> &'static str {
        match self {
            Self::ByName => "SN",
            Self::ByRating => "SR",
            Self::ByNewest => "ST",
        }
    }
}

/// One stored item. `doc` is the JSON document the item carries (a profile or a list summary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    /// List partition; `None` for items that appear in no list.
    pub lpk: Option<String>,
    pub by_name: Option<String>,
    pub by_rating: Option<String>,
    pub by_newest: Option<String>,
    pub doc: String,
}

impl Item {
    /// The sort value this item has in `index`, if it is listed there.
    pub fn sort_value(&self, index: SortIndex) -> Option<&str> {
        match index {
            SortIndex::ByName => self.by_name.as_deref(),
            SortIndex::ByRating => self.by_rating.as_deref(),
            SortIndex::ByNewest => self.by_newest.as_deref(),
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
}
