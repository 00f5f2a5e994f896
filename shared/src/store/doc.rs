//! The store's common ground, used by every port module: JSON documents in and out of items
//! (`encode`/`decode`, errors naming the item), profile reads, and bounded list-page reads over
//! any [`ItemTable`]. Depends on no other port module, so port modules never import each other
//! for these.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::keys;
use super::table::{Item, ItemTable, SortIndex, StoredDoc};
use crate::ports::StoreError;
use crate::query::{Page, PageKey, PageLimit};

/// Most index items one list call reads before it returns a (possibly short) page. Bounds the
/// cost of a request whose filters match few of the items in the partition it reads.
pub const MAX_ITEMS_READ_PER_PAGE: usize = 1_000;
/// Items per index read when a residual filter may discard some of them.
pub(super) const FILTERED_BATCH: usize = 100;

pub(super) fn decode<T: DeserializeOwned>(pk: &str, sk: &str, doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|source| StoreError::Corrupt {
        pk: pk.to_owned(),
        sk: sk.to_owned(),
        source,
    })
}

pub(super) fn encode<T: Serialize>(pk: &str, sk: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Corrupt {
        pk: pk.to_owned(),
        sk: sk.to_owned(),
        source,
    })
}

/// Reads and decodes the profile item of partition `pk`.
pub(super) async fn profile<S: ItemTable, T: DeserializeOwned>(
    store: &S,
    pk: String,
) -> Result<Option<T>, StoreError> {
    match store.get_doc(&pk, keys::PROFILE_SK).await? {
        Some(doc) => decode(&pk, keys::PROFILE_SK, &doc).map(Some),
        None => Ok(None),
    }
}

/// Reads one page from list partition `lpk`, keeping the items `keep` accepts.
///
/// Reads one item more than the page needs so that a cursor is only handed out when another
/// matching item exists, and stops after [`MAX_ITEMS_READ_PER_PAGE`] items with a cursor at the
/// last item read, so a sparse filter costs bounded work per request.
pub(super) async fn read_page<S, T>(
    store: &S,
    index: SortIndex,
    lpk: &str,
    after: Option<&PageKey>,
    limit: PageLimit,
    filtered: bool,
    keep: impl Fn(&T) -> bool,
) -> Result<Page<T>, StoreError>
where
    S: ItemTable,
    T: DeserializeOwned,
{
    let limit = limit.get();
    let batch = if filtered { FILTERED_BATCH } else { limit + 1 };
    let mut items: Vec<(PageKey, T)> = Vec::with_capacity(limit + 1);
    let mut position = after.cloned();
    let mut read = 0usize;
    loop {
        let docs: Vec<StoredDoc> = store
            .query_index(index, lpk, position.as_ref(), batch)
            .await?;
        let exhausted = docs.len() < batch;
        for StoredDoc { key, doc } in docs {
            read += 1;
            let value: T = decode(&key.pk, &key.sk, &doc)?;
            position = Some(key.clone());
            if keep(&value) {
                items.push((key, value));
                if items.len() > limit {
                    // One more match exists: the page ends at the previous item.
                    items.truncate(limit);
                    let next = items.last().map(|(k, _)| k.clone());
                    return Ok(unzip(items, next));
                }
            }
        }
        if exhausted {
            return Ok(unzip(items, None));
        }
        if read >= MAX_ITEMS_READ_PER_PAGE {
            // Bounded work: resume after the last item read, even if the page is short.
            return Ok(unzip(items, position));
        }
    }
}

/// Whether `item` is stored exactly as given (strongly consistent read). A conditional write
/// whose condition failed may have failed against its own earlier attempt: the request
/// committed, its response was lost, and the retry (the SDK's, or the client's under the same
/// `Idempotency-Key`) met the item it wrote. Writers check this before calling it a conflict.
pub(super) async fn stored_as<S: ItemTable>(store: &S, item: &Item) -> Result<bool, StoreError> {
    let stored = store.get_item(&item.pk, &item.sk).await?;
    Ok(stored.and_then(|s| s.doc).as_deref() == Some(item.doc.as_str()))
}

/// Whether nothing is stored at `(pk, sk)` any more (strongly consistent read): a delete whose
/// condition failed because its own earlier attempt already deleted the item.
pub(super) async fn gone<S: ItemTable>(store: &S, pk: &str, sk: &str) -> Result<bool, StoreError> {
    Ok(store.get_item(pk, sk).await?.is_none())
}

/// A page from items read with their positions.
fn unzip<T>(items: Vec<(PageKey, T)>, next: Option<PageKey>) -> Page<T> {
    let (keys, items) = items.into_iter().unzip();
    Page { items, keys, next }
}

/// One page of list partition `lpk`, newest first, unfiltered (reviews, saves, photos…).
pub(super) async fn read_newest<S: ItemTable, T: DeserializeOwned>(
    store: &S,
    lpk: &str,
    after: Option<&PageKey>,
    limit: PageLimit,
) -> Result<Page<T>, StoreError> {
    read_page(
        store,
        SortIndex::ByNewest,
        lpk,
        after,
        limit,
        false,
        |_: &T| true,
    )
    .await
}
