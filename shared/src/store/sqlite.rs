//! Embedded adapter: the single-table design in one SQLite file.
//!
//! Why SQLite (bundled through rusqlite) rather than redb: it is crash-safe with a write-ahead
//! log and `synchronous=FULL`, it gives us secondary indexes and atomic multi-row transactions
//! that mirror DynamoDB's GSIs and `TransactWriteItems`, its file can be inspected with any
//! `sqlite3` shell, and it builds from vendored C with only a C compiler.
//!
//! SQLite calls block, so each one runs on Tokio's blocking pool. One connection behind a mutex
//! is plenty for a developer's machine; the lock is never held across an `.await`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use tracing::instrument;

use super::keys;
use super::table::{
    Condition, Item, ItemTable, RangeRead, SortIndex, StoredDoc, StoredItem, TransactError, Write,
};
use crate::ports::StoreError;
use crate::query::PageKey;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk  TEXT NOT NULL,
    sk  TEXT NOT NULL,
    lpk TEXT,
    sn  TEXT,
    sr  TEXT,
    st  TEXT,
    sg  TEXT,
    doc TEXT NOT NULL,
    ver INTEGER,
    expires_at INTEGER,
    nums TEXT,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS by_name   ON items (lpk, sn) WHERE lpk IS NOT NULL AND sn IS NOT NULL;
CREATE INDEX IF NOT EXISTS by_rating ON items (lpk, sr) WHERE lpk IS NOT NULL AND sr IS NOT NULL;
CREATE INDEX IF NOT EXISTS by_newest ON items (lpk, st) WHERE lpk IS NOT NULL AND st IS NOT NULL;
";

/// Indexes on columns that [`migrate`] may have to add first. The geo index covers its
/// queries (like the `ByCell` GSI's `ALL` projection): a nearby search reads hundreds of small
/// entries, and a table lookup per entry would dominate its latency.
const LATE_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS by_cell_covering ON items (lpk, sg, pk, sk, doc)
    WHERE lpk IS NOT NULL AND sg IS NOT NULL;
";

/// Page size of new store files, in bytes (SQLite's default is 4,096). A nearby search reads a
/// few contiguous runs of the covering geo index, tens of entries of up to a kilobyte each
/// (they carry the café's summary): 16 KiB pages make such a run a quarter as many page reads,
/// which is what a search of an area whose pages are not cached waits for (at 1,000,000
/// cafés, p99 3.9–4.1 against 7.1–8.5 ms; docs/nearby.md, "Pages of 16 KiB"). Where pages are
/// cached, searches and writes measured the same.
pub const PAGE_SIZE: i64 = 16_384;

/// Adds columns that stores created by earlier versions lack.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('items')")?;
    let columns: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, ty) in [
        ("ver", "INTEGER"),
        ("expires_at", "INTEGER"),
        ("nums", "TEXT"),
        ("sg", "TEXT"),
    ] {
        if !columns.iter().any(|c| c == name) {
            conn.execute_batch(&format!("ALTER TABLE items ADD COLUMN {name} {ty}"))?;
        }
    }
    Ok(())
}

/// One stored row, every column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    pub pk: String,
    pub sk: String,
    pub lpk: Option<String>,
    pub sn: Option<String>,
    pub sr: Option<String>,
    pub st: Option<String>,
    pub sg: Option<String>,
    pub doc: String,
    pub ver: Option<i64>,
    pub expires_at: Option<i64>,
    pub nums: Option<String>,
}

/// The embedded store. Cheap to clone; clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Backend {
        operation,
        source: Box::new(source),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(backend("open"))?;
        Self::init(conn)
    }

    /// A private in-memory store (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(backend("open"))?;
        Self::init(conn)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        // A new file gets pages of `PAGE_SIZE`; a file that has any already keeps its own (SQLite
        // ignores the pragma then, and WAL mode rules out changing it by `VACUUM`).
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(backend("pragma"))?;
        // WAL + FULL: a commit is on disk before it returns, so an acknowledged write survives
        // a killed process or a power cut.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend("pragma"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend("pragma"))?;
        conn.pragma_update(None, "busy_timeout", 5_000)
            .map_err(backend("pragma"))?;
        conn.execute_batch(SCHEMA).map_err(backend("schema"))?;
        migrate(&conn).map_err(backend("migrate"))?;
        conn.execute_batch(LATE_INDEXES)
            .map_err(backend("schema"))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with_conn<T, F>(&self, operation: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Backend {
                operation,
                source: "connection mutex poisoned".into(),
            })?;
            f(&mut guard).map_err(backend(operation))
        })
        .await
        .map_err(|join| StoreError::Backend {
            operation,
            source: Box::new(join),
        })?
    }

    /// Every row, in key order: for backups and for replication simulations in tests.
    pub async fn export_rows(&self) -> Result<Vec<RawRow>, StoreError> {
        self.with_conn("export_rows", |c| {
            let mut stmt = c.prepare(
                "SELECT pk, sk, lpk, sn, sr, st, sg, doc, ver, expires_at, nums FROM items ORDER BY pk, sk",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(RawRow {
                    pk: r.get(0)?,
                    sk: r.get(1)?,
                    lpk: r.get(2)?,
                    sn: r.get(3)?,
                    sr: r.get(4)?,
                    st: r.get(5)?,
                    sg: r.get(6)?,
                    doc: r.get(7)?,
                    ver: r.get(8)?,
                    expires_at: r.get(9)?,
                    nums: r.get(10)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Writes rows as they are (insert or overwrite), in one transaction.
    pub async fn import_rows(&self, rows: Vec<RawRow>) -> Result<(), StoreError> {
        self.with_conn("import_rows", move |c| {
            let tx = c.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR REPLACE INTO items (pk, sk, lpk, sn, sr, st, sg, doc, ver, expires_at, nums)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                for r in &rows {
                    insert.execute(params![r.pk, r.sk, r.lpk, r.sn, r.sr, r.st, r.sg, r.doc, r.ver, r.expires_at, r.nums])?;
                }
            }
            tx.commit()
        })
        .await
    }

    /// Whether any geo index entry exists (stores seeded before the geo index have none).
    pub async fn has_geo_entries(&self) -> Result<bool, StoreError> {
        self.with_conn("has_geo_entries", |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM items WHERE sg IS NOT NULL)",
                [],
                |r| r.get(0),
            )
        })
        .await
    }

    /// Whether any café or roaster term entry exists (stores seeded before text search have
    /// none).
    pub async fn has_term_entries(&self) -> Result<bool, StoreError> {
        let prefix = keys::term_sk("");
        self.with_conn("has_term_entries", move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM items WHERE substr(sk, 1, length(?1)) = ?1)",
                params![prefix],
                |r| r.get(0),
            )
        })
        .await
    }

    /// Whether any café list entry or profile is still in the unsharded `CAFES#ALL` partition or
    /// sync list `CAFES#UPDATED` (stores written before list or sync shards: every café has an
    /// `ALL` entry and a profile, and a reindex moves them all).
    pub async fn has_unsharded_cafe_lists(&self) -> Result<bool, StoreError> {
        let all = keys::cafes_lpk(keys::ALL);
        let sync = keys::cafes_updated_lpk();
        self.with_conn("has_unsharded_cafe_lists", move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM items WHERE lpk IN (?1, ?2))",
                params![all, sync],
                |r| r.get(0),
            )
        })
        .await
    }

    /// Whether the store holds no items at all (used to seed demo data on first start).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        self.with_conn("is_empty", |c| {
            c.query_row("SELECT NOT EXISTS (SELECT 1 FROM items)", [], |r| r.get(0))
        })
        .await
    }
}

/// One [`ItemTable::query_range`] read on `conn`.
fn read_range(conn: &Connection, read: &RangeRead) -> rusqlite::Result<Vec<StoredDoc>> {
    let (column, name) = index_columns(read.index);
    // Sort values are unique within a list partition, so "after" is a strict comparison
    // (as DynamoDB's ExclusiveStartKey).
    let sql = if read.after.is_some() {
        format!(
            "SELECT {column}, pk, sk, doc FROM items INDEXED BY {name}
             WHERE lpk = ?1 AND {column} > ?4 AND {column} BETWEEN ?2 AND ?3
             ORDER BY {column} LIMIT ?5"
        )
    } else {
        format!(
            "SELECT {column}, pk, sk, doc FROM items INDEXED BY {name}
             WHERE lpk = ?1 AND {column} BETWEEN ?2 AND ?3 ORDER BY {column} LIMIT ?4"
        )
    };
    let limit = i64::try_from(read.limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = match &read.after {
        Some(after) => stmt.query_map(
            params![read.lpk, read.from, read.to, after.sort, limit],
            row_to_doc,
        )?,
        None => stmt.query_map(params![read.lpk, read.from, read.to, limit], row_to_doc)?,
    };
    rows.collect()
}

impl ItemTable for SqliteStore {
    #[instrument(skip_all, fields(store = "sqlite", pk, sk))]
    async fn get_doc(&self, pk: &str, sk: &str) -> Result<Option<String>, StoreError> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.with_conn("get", move |c| {
            c.prepare_cached("SELECT doc FROM items WHERE pk = ?1 AND sk = ?2")?
                .query_row(params![pk, sk], |r| r.get(0))
                .optional()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", index = index.name(), lpk, limit))]
    async fn query_index(
        &self,
        index: SortIndex,
        lpk: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let (column, name) = index_columns(index);
        // Sort values are unique within a list partition, so "after" is a strict comparison.
        let sql = format!(
            "SELECT {column}, pk, sk, doc FROM items INDEXED BY {name}
             WHERE lpk = ?1 AND {column} IS NOT NULL AND {column} > ?2
             ORDER BY {column} LIMIT ?3"
        );
        let lpk = lpk.to_owned();
        let after = after.map(|k| k.sort.clone()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn("query", move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![lpk, after, limit], row_to_doc)?;
            rows.collect()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", index = index.name(), lpk))]
    async fn query_range(
        &self,
        index: SortIndex,
        lpk: &str,
        from: &str,
        to: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let read = RangeRead {
            index,
            lpk: lpk.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            after: after.cloned(),
            limit,
        };
        self.with_conn("query_range", move |c| read_range(c, &read))
            .await
    }

    /// Every range in one hop to the blocking pool and one hold of the connection: a round of
    /// the nearby search is up to nine small index reads, and the hops cost more than the reads.
    #[instrument(skip_all, fields(store = "sqlite", reads = reads.len()))]
    async fn query_ranges(&self, reads: Vec<RangeRead>) -> Result<Vec<Vec<StoredDoc>>, StoreError> {
        self.with_conn("query_ranges", move |c| {
            reads.iter().map(|read| read_range(c, read)).collect()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", keys = keys.len()))]
    async fn get_docs(
        &self,
        keys: Vec<(String, String)>,
    ) -> Result<Vec<Option<String>>, StoreError> {
        self.with_conn("get_docs", move |c| {
            let mut stmt = c.prepare_cached("SELECT doc FROM items WHERE pk = ?1 AND sk = ?2")?;
            keys.iter()
                .map(|(pk, sk)| stmt.query_row(params![pk, sk], |r| r.get(0)).optional())
                .collect()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", pk, items = items.len()))]
    async fn replace_partition(&self, pk: &str, items: Vec<Item>) -> Result<(), StoreError> {
        let pk = pk.to_owned();
        self.with_conn("replace_partition", move |c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM items WHERE pk = ?1", params![pk])?;
            upsert(&tx, &items)?;
            tx.commit()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", items = items.len()))]
    async fn put_items(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.with_conn("put_items", move |c| {
            let tx = c.transaction()?;
            upsert(&tx, &items)?;
            tx.commit()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", pk, sk))]
    async fn get_item(&self, pk: &str, sk: &str) -> Result<Option<StoredItem>, StoreError> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.with_conn("get_item", move |c| read_item(c, &pk, &sk))
            .await
    }

    #[instrument(skip_all, fields(store = "sqlite", pk, sk_prefix))]
    async fn query_prefix(&self, pk: &str, sk_prefix: &str) -> Result<Vec<StoredItem>, StoreError> {
        let (pk, prefix) = (pk.to_owned(), sk_prefix.to_owned());
        self.with_conn("query_prefix", move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT sk, doc, ver, expires_at, nums FROM items
                 WHERE pk = ?1 AND substr(sk, 1, length(?2)) = ?2 ORDER BY sk",
            )?;
            let rows = stmt.query_map(params![pk, prefix], row_to_item)?;
            rows.collect()
        })
        .await
    }

    #[instrument(skip_all, fields(store = "sqlite", writes = writes.len()))]
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TransactError> {
        let outcome = self
            .with_conn("transact", move |c| {
                let tx = c.transaction()?;
                match apply(&tx, &writes) {
                    Ok(()) => tx.commit().map(|()| Ok(())),
                    // Dropping `tx` rolls back.
                    Err(failed) => Ok(Err(failed)),
                }
            })
            .await?;
        match outcome {
            Ok(()) => Ok(()),
            Err(Some(index)) => Err(TransactError::ConditionFailed { index }),
            Err(None) => Err(TransactError::Store(StoreError::Backend {
                operation: "transact",
                source: "a write inside the transaction failed; see the log".into(),
            })),
        }
    }
}

/// A `SELECT <sort>, pk, sk, doc` row of an index read.
fn row_to_doc(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDoc> {
    Ok(StoredDoc {
        key: PageKey {
            sort: r.get(0)?,
            pk: r.get(1)?,
            sk: r.get(2)?,
        },
        doc: r.get(3)?,
    })
}

/// The column an index sorts by and the SQLite index that serves it.
fn index_columns(index: SortIndex) -> (&'static str, &'static str) {
    match index {
        SortIndex::ByName => ("sn", "by_name"),
        SortIndex::ByRating => ("sr", "by_rating"),
        SortIndex::ByNewest => ("st", "by_newest"),
        SortIndex::ByCell => ("sg", "by_cell_covering"),
    }
}

/// Inserts or overwrites `items` inside the caller's transaction.
fn upsert(tx: &rusqlite::Transaction<'_>, items: &[Item]) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO items (pk, sk, lpk, sn, sr, st, sg, doc, ver, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for item in items {
        insert.execute(params![
            item.pk,
            item.sk,
            item.lpk,
            item.sort.get(SortIndex::ByName),
            item.sort.get(SortIndex::ByRating),
            item.sort.get(SortIndex::ByNewest),
            item.sort.get(SortIndex::ByCell),
            item.doc,
            item.version,
            item.expires_at
        ])?;
    }
    Ok(())
}

/// Counters are kept as a JSON object of integers in `nums`.
type Counters = serde_json::Map<String, serde_json::Value>;

fn read_item(conn: &Connection, pk: &str, sk: &str) -> rusqlite::Result<Option<StoredItem>> {
    conn.prepare_cached(
        "SELECT sk, doc, ver, expires_at, nums FROM items WHERE pk = ?1 AND sk = ?2",
    )?
    .query_row(params![pk, sk], row_to_item)
    .optional()
}

fn row_to_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    let doc: String = r.get(1)?;
    let nums: Option<String> = r.get(4)?;
    let counters = nums
        .and_then(|n| serde_json::from_str::<Counters>(&n).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_i64().map(|v| (k, v)))
        .collect();
    Ok(StoredItem {
        sk: r.get(0)?,
        doc: (!doc.is_empty()).then_some(doc),
        version: r.get(2)?,
        expires_at: r.get(3)?,
        counters,
    })
}

fn holds(condition: &Condition, current: Option<&StoredItem>) -> bool {
    match condition {
        Condition::Always => true,
        Condition::Absent => current.is_none(),
        Condition::VersionIs(v) => current.is_some_and(|c| c.version == Some(*v)),
        Condition::Unversioned => current.is_some_and(|c| c.version.is_none()),
        Condition::AbsentOrExpired { now } => {
            current.is_none_or(|c| c.expires_at.is_some_and(|e| e < *now))
        }
        Condition::Below { name, limit } => current.is_none_or(|c| c.counter(name) < *limit),
    }
}

/// Applies `writes` inside the caller's transaction; `Err(Some(i))` when write `i`'s
/// condition fails.
fn apply(tx: &rusqlite::Transaction<'_>, writes: &[Write]) -> Result<(), Option<usize>> {
    let sql = |e: rusqlite::Error| {
        tracing::error!(error = %e, "sqlite write failed");
        None
    };
    for (index, write) in writes.iter().enumerate() {
        let (pk, sk, condition) = match write {
            Write::Put { item, condition } => (item.pk.as_str(), item.sk.as_str(), condition),
            Write::Delete { pk, sk, condition }
            | Write::Add {
                pk, sk, condition, ..
            } => (pk.as_str(), sk.as_str(), condition),
        };
        let current = read_item(tx, pk, sk).map_err(sql)?;
        if !holds(condition, current.as_ref()) {
            return Err(Some(index));
        }
        match write {
            Write::Put { item, .. } => upsert(tx, std::slice::from_ref(item)).map_err(sql)?,
            Write::Delete { pk, sk, .. } => {
                tx.execute(
                    "DELETE FROM items WHERE pk = ?1 AND sk = ?2",
                    params![pk, sk],
                )
                .map_err(sql)?;
            }
            Write::Add {
                pk,
                sk,
                deltas,
                expires_at,
                ..
            } => {
                let mut counters: Counters = current
                    .as_ref()
                    .map(|c| {
                        c.counters
                            .iter()
                            .map(|(k, v)| (k.clone(), (*v).into()))
                            .collect()
                    })
                    .unwrap_or_default();
                for (name, delta) in deltas {
                    let now = counters
                        .get(*name)
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or(0);
                    counters.insert((*name).to_owned(), (now + delta).into());
                }
                let nums = serde_json::Value::Object(counters).to_string();
                let expires = expires_at.or(current.as_ref().and_then(|c| c.expires_at));
                tx.execute(
                    "INSERT INTO items (pk, sk, doc, nums, expires_at) VALUES (?1, ?2, '', ?3, ?4)
                     ON CONFLICT (pk, sk) DO UPDATE SET nums = excluded.nums, expires_at = excluded.expires_at",
                    params![pk, sk, nums, expires],
                )
                .map_err(sql)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> RawRow {
        RawRow {
            pk: "CAFE#a".into(),
            sk: "PROFILE".into(),
            lpk: None,
            sn: None,
            sr: None,
            st: None,
            sg: None,
            doc: "{}".into(),
            ver: None,
            expires_at: None,
            nums: None,
        }
    }

    fn page_size(path: &Path) -> i64 {
        Connection::open(path)
            .and_then(|c| c.pragma_query_value(None, "page_size", |r| r.get(0)))
            .expect("page_size")
    }

    #[tokio::test]
    async fn a_new_store_file_gets_the_page_size_and_keeps_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("store.sqlite3");
        let store = SqliteStore::open(&path).expect("open");
        store.import_rows(vec![row()]).await.expect("write");
        drop(store);
        assert_eq!(page_size(&path), PAGE_SIZE);
        let store = SqliteStore::open(&path).expect("reopen");
        assert_eq!(store.export_rows().await.expect("rows"), vec![row()]);
        drop(store);
        assert_eq!(page_size(&path), PAGE_SIZE);
    }

    #[tokio::test]
    async fn a_store_written_with_other_pages_keeps_them_and_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("store.sqlite3");
        {
            let conn = Connection::open(&path).expect("open");
            conn.pragma_update(None, "page_size", 4_096)
                .expect("pragma");
            conn.execute_batch(SCHEMA).expect("schema");
            conn.execute(
                "INSERT INTO items (pk, sk, doc) VALUES ('CAFE#a', 'PROFILE', '{}')",
                [],
            )
            .expect("insert");
        }
        let store = SqliteStore::open(&path).expect("open an older store");
        assert_eq!(store.export_rows().await.expect("rows"), vec![row()]);
        drop(store);
        assert_eq!(page_size(&path), 4_096);
    }
}
