//! [`Counting`]: an [`ItemTable`] wrapper that counts what a port asks of the table, as the
//! DynamoDB requests the DynamoDB adapter makes for each call, with estimated write units and
//! every key written (`review_cost`), and can run another writer's change just before the first
//! transaction, between a read-modify-write's read and its write (`ratings_contract`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use shared::ports::StoreError;
use shared::query::PageKey;
use shared::store::{Item, ItemTable, SortIndex, StoredDoc, StoredItem, TransactError, Write};

/// Work to run once, just before the first transaction.
pub type Hook = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the counted calls cost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// DynamoDB requests by operation name.
    pub calls: BTreeMap<&'static str, usize>,
    /// Estimated write capacity units.
    pub write_units: u64,
    /// `(PK, SK)` of every item written (put, updated or deleted), in order.
    pub written: Vec<(String, String)>,
    /// `(PK, SK)` of the items of each `TransactWriteItems` request, in order.
    pub transactions: Vec<Vec<(String, String)>>,
    /// Items returned by index reads (`Query` on a list partition), per partition.
    pub read_from: BTreeMap<String, usize>,
}

impl Tally {
    fn call(&mut self, operation: &'static str) {
        *self.calls.entry(operation).or_default() += 1;
    }

    /// Every DynamoDB request counted.
    pub fn requests(&self) -> usize {
        self.calls.values().sum()
    }
}

/// An [`ItemTable`] that counts what it is asked to do before passing it on.
#[derive(Clone)]
pub struct Counting<T> {
    inner: T,
    tally: Arc<Mutex<Tally>>,
    hook: Arc<Mutex<Option<Hook>>>,
}

impl<T> Counting<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            tally: Arc::default(),
            hook: Arc::default(),
        }
    }

    /// Like [`Counting::new`], running `hook` just before the first transaction.
    pub fn interleaved(inner: T, hook: Hook) -> Self {
        Self {
            hook: Arc::new(Mutex::new(Some(hook))),
            ..Self::new(inner)
        }
    }

    /// The tally so far, which starts again from zero.
    pub fn take(&self) -> Tally {
        std::mem::take(&mut *self.tally.lock().unwrap())
    }

    fn with(&self, f: impl FnOnce(&mut Tally)) {
        f(&mut self.tally.lock().unwrap());
    }
}

/// DynamoDB's size of an item as the adapter writes it: attribute names plus values.
fn item_bytes(item: &Item) -> u64 {
    let mut bytes = 2 + item.pk.len() + 2 + item.sk.len() + 3 + item.doc.len();
    if let Some(lpk) = &item.lpk {
        bytes += 3 + lpk.len();
        for (index, value) in item.sort.iter() {
            if let Some(value) = value {
                bytes += index.attribute().len() + value.len();
            }
        }
    }
    if item.version.is_some() {
        bytes += 3 + 21;
    }
    if item.expires_at.is_some() {
        bytes += 9 + 21;
    }
    bytes as u64
}

/// Write units for an item of `bytes`: one per started KB, twice inside a transaction.
fn units(bytes: u64, transactional: bool) -> u64 {
    bytes.div_ceil(1024).max(1) * if transactional { 2 } else { 1 }
}

impl<T: ItemTable> ItemTable for Counting<T> {
    async fn get_doc(&self, pk: &str, sk: &str) -> Result<Option<String>, StoreError> {
        self.with(|t| t.call("GetItem"));
        self.inner.get_doc(pk, sk).await
    }

    async fn query_index(
        &self,
        index: SortIndex,
        lpk: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        self.with(|t| t.call("Query"));
        let docs = self.inner.query_index(index, lpk, after, limit).await?;
        self.with(|t| *t.read_from.entry(lpk.to_owned()).or_default() += docs.len());
        Ok(docs)
    }

    async fn query_range(
        &self,
        index: SortIndex,
        lpk: &str,
        from: &str,
        to: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        self.with(|t| t.call("Query"));
        let docs = self
            .inner
            .query_range(index, lpk, from, to, after, limit)
            .await?;
        self.with(|t| *t.read_from.entry(lpk.to_owned()).or_default() += docs.len());
        Ok(docs)
    }

    async fn get_docs(
        &self,
        keys: Vec<(String, String)>,
    ) -> Result<Vec<Option<String>>, StoreError> {
        self.with(|t| t.call("BatchGetItem"));
        self.inner.get_docs(keys).await
    }

    async fn replace_partition(&self, pk: &str, items: Vec<Item>) -> Result<(), StoreError> {
        // The DynamoDB adapter queries the partition's keys, then writes the new items and
        // deletes the stale ones in one transaction. (An empty prefix reads the whole partition
        // on SQLite, which is what this counts on; DynamoDB would refuse it.)
        let existing = self.inner.query_prefix(pk, "").await?;
        let stale: Vec<String> = existing
            .into_iter()
            .map(|s| s.sk)
            .filter(|sk| !items.iter().any(|i| &i.sk == sk))
            .collect();
        self.with(|t| {
            t.call("Query");
            t.call("TransactWriteItems");
            let mut keys = Vec::new();
            for item in &items {
                t.write_units += units(item_bytes(item), true);
                keys.push((item.pk.clone(), item.sk.clone()));
            }
            for sk in &stale {
                t.write_units += units(1, true);
                keys.push((pk.to_owned(), sk.clone()));
            }
            t.written.extend(keys.iter().cloned());
            t.transactions.push(keys);
        });
        self.inner.replace_partition(pk, items).await
    }

    async fn put_items(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.with(|t| {
            for _ in 0..items.len().div_ceil(25) {
                t.call("BatchWriteItem");
            }
            for item in &items {
                t.write_units += units(item_bytes(item), false);
                t.written.push((item.pk.clone(), item.sk.clone()));
            }
        });
        self.inner.put_items(items).await
    }

    async fn get_item(&self, pk: &str, sk: &str) -> Result<Option<StoredItem>, StoreError> {
        self.with(|t| t.call("GetItem"));
        self.inner.get_item(pk, sk).await
    }

    async fn query_prefix(&self, pk: &str, sk_prefix: &str) -> Result<Vec<StoredItem>, StoreError> {
        self.with(|t| t.call("Query"));
        self.inner.query_prefix(pk, sk_prefix).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TransactError> {
        let hook = self.hook.lock().unwrap().take();
        if let Some(hook) = hook {
            hook.await;
        }
        self.with(|t| {
            t.call("TransactWriteItems");
            let mut keys = Vec::new();
            for write in &writes {
                let (pk, sk, bytes) = match write {
                    Write::Put { item, .. } => (&item.pk, &item.sk, item_bytes(item)),
                    // A delete or a counter update is billed on the item's size; both kinds
                    // here (markers, reviews' list entries, shards) are under 1 KB.
                    Write::Delete { pk, sk, .. } | Write::Add { pk, sk, .. } => (pk, sk, 1),
                };
                t.write_units += units(bytes, true);
                keys.push((pk.clone(), sk.clone()));
            }
            t.written.extend(keys.iter().cloned());
            t.transactions.push(keys);
        });
        self.inner.transact(writes).await
    }
}
