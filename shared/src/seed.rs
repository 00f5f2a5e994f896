//! Loads the demo catalogue into any store through the [`CatalogWriter`] port, so the embedded
//! store and DynamoDB are seeded by the same code (`cargo xtask seed`, and the local server on
//! its first start).

use futures_util::{TryStreamExt, stream};

use crate::demo::DemoCatalog;
use crate::ports::{CatalogWriter, StoreError};

/// Writes in flight at once: enough to hide round-trips to DynamoDB, few enough to stay far
/// below on-demand throughput limits.
const CONCURRENCY: usize = 16;

/// How many entities were written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedReport {
    pub cafes: usize,
    pub roasters: usize,
    pub artisans: usize,
    pub brewing_methods: usize,
}

/// Writes every entity of `catalog` (idempotent: entities are replaced, not duplicated).
pub async fn seed<W: CatalogWriter>(
    writer: &W,
    catalog: &DemoCatalog,
) -> Result<SeedReport, StoreError> {
    stream::iter(catalog.brewing_methods.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENCY, |m| writer.put_brewing_method(m))
        .await?;
    stream::iter(catalog.roasters.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENCY, |r| writer.put_roaster(r))
        .await?;
    stream::iter(catalog.artisans.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENCY, |a| writer.put_artisan(a))
        .await?;
    stream::iter(catalog.cafes.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENCY, |c| writer.put_cafe(c))
        .await?;
    Ok(SeedReport {
        cafes: catalog.cafes.len(),
        roasters: catalog.roasters.len(),
        artisans: catalog.artisans.len(),
        brewing_methods: catalog.brewing_methods.len(),
    })
}

/// A private in-memory embedded store holding the whole demo catalogue (handler tests).
#[cfg(feature = "embedded")]
pub async fn demo_memory_store() -> Result<crate::store::sqlite::SqliteStore, StoreError> {
    let store = crate::store::sqlite::SqliteStore::in_memory()?;
    let catalog = crate::demo::catalog().map_err(|e| StoreError::Backend {
        operation: "demo_catalog",
        source: Box::new(e),
    })?;
    seed(&store, &catalog).await?;
    Ok(store)
}
