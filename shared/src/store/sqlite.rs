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

use super::table::{Item, ItemTable, SortIndex, StoredDoc};
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
    doc TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS by_name   ON items (lpk, sn) WHERE lpk IS NOT NULL AND sn IS NOT NULL;
CREATE INDEX IF NOT EXISTS by_rating ON items (lpk, sr) WHERE lpk IS NOT NULL AND sr IS NOT NULL;
CREATE INDEX IF NOT EXISTS by_newest ON items (lpk, st) WHERE lpk IS NOT NULL AND st IS NOT NULL;
";

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
        // WAL + FULL: a commit is on disk before it returns, so an acknowledged write survives
        // a killed process or a power cut.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend("pragma"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend("pragma"))?;
        conn.pragma_update(None, "busy_timeout", 5_000)
            .map_err(backend("pragma"))?;
        conn.execute_batch(SCHEMA).map_err(backend("schema"))?;
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

    /// Whether the store holds no items at all (used to seed demo data on first start).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        self.with_conn("is_empty", |c| {
            c.query_row("SELECT NOT EXISTS (SELECT 1 FROM items)", [], |r| r.get(0))
        })
        .await
    }
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
        let column = match index {
            SortIndex::ByName => "sn",
            SortIndex::ByRating => "sr",
            SortIndex::ByNewest => "st",
        };
        // Sort values are unique within a list partition, so "after" is a strict comparison.
        let sql = format!(
            "SELECT {column}, pk, sk, doc FROM items INDEXED BY {name}
             WHERE lpk = ?1 AND {column} IS NOT NULL AND {column} > ?2
             ORDER BY {column} LIMIT ?3",
            name = match index {
                SortIndex::ByName => "by_name",
                SortIndex::ByRating => "by_rating",
                SortIndex::ByNewest => "by_newest",
            }
        );
        let lpk = lpk.to_owned();
        let after = after.map(|k| k.sort.clone()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn("query", move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![lpk, after, limit], |r| {
                Ok(StoredDoc {
                    key: PageKey {
                        sort: r.get(0)?,
                        pk: r.get(1)?,
                        sk: r.get(2)?,
                    },
                    doc: r.get(3)?,
                })
            })?;
            rows.collect()
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
}

/// Inserts or overwrites `items` inside the caller's transaction.
fn upsert(tx: &rusqlite::Transaction<'_>, items: &[Item]) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO items (pk, sk, lpk, sn, sr, st, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for item in items {
        insert.execute(params![
            item.pk,
            item.sk,
            item.lpk,
            item.by_name,
            item.by_rating,
            item.by_newest,
            item.doc
        ])?;
    }
    Ok(())
}
