//! Loads the demo catalogue into any store through the [`CatalogWriter`] port, so the embedded
//! store and DynamoDB are seeded by the same code (`cargo xtask seed`, and the local server on
//! its first start).

use crate::demo::DemoCatalog;
use crate::ports::{CatalogBatch, CatalogWriter, StoreError};

/// How many entities were written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedReport {
    pub cafes: usize,
    pub roasters: usize,
    pub artisans: usize,
    pub brewing_methods: usize,
}

/// Writes every entity of `catalog` in bulk (re-running it overwrites the same items).
pub async fn seed<W: CatalogWriter>(
    writer: &W,
    catalog: &DemoCatalog,
) -> Result<SeedReport, StoreError> {
    writer
        .import(&CatalogBatch {
            cafes: &catalog.cafes,
            roasters: &catalog.roasters,
            artisans: &catalog.artisans,
            brewing_methods: &catalog.brewing_methods,
        })
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
