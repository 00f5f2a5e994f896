//! Loads the demo catalogue into any store through the [`CatalogWriter`] port, and the demo
//! people, reviews, stories and saves through [`import_people`], so the embedded store and
//! DynamoDB are seeded by the same code (`cargo xtask seed`, and the local server on its first
//! start).

use crate::demo::DemoCatalog;
use crate::ports::{CatalogBatch, CatalogWriter, StoreError};
use crate::store::{ItemTable, PeopleBatch, import_people};

/// The rating shard the demo reviews are counted in. Summaries add every shard, so this one
/// counts in every region; later writes in a region go to that region's own shard.
pub const SEED_SHARD: &str = "seed";

/// How many entities were written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedReport {
    pub cafes: usize,
    pub roasters: usize,
    pub artisans: usize,
    pub brewing_methods: usize,
    pub users: usize,
    pub reviews: usize,
    pub stories: usize,
    pub saved_cafes: usize,
}

/// Writes every entity of `catalog` in bulk (re-running it rewrites the same items and keeps
/// the demo rating shard as it is).
pub async fn seed<S: CatalogWriter + ItemTable>(
    store: &S,
    catalog: &DemoCatalog,
) -> Result<SeedReport, StoreError> {
    store
        .import(&CatalogBatch {
            cafes: &catalog.cafes,
            roasters: &catalog.roasters,
            artisans: &catalog.artisans,
            brewing_methods: &catalog.brewing_methods,
        })
        .await?;
    let people = &catalog.people;
    import_people(
        store,
        SEED_SHARD,
        &PeopleBatch {
            users: &people.users,
            reviews: &people.reviews,
            stories: &people.stories,
            saved: &people.saved,
        },
    )
    .await?;
    // Everything above is in the current layout: later starts need not migrate it.
    crate::store::record_schema_version(store).await?;
    Ok(SeedReport {
        cafes: catalog.cafes.len(),
        roasters: catalog.roasters.len(),
        artisans: catalog.artisans.len(),
        brewing_methods: catalog.brewing_methods.len(),
        users: people.users.len(),
        reviews: people.reviews.len(),
        stories: people.stories.len(),
        saved_cafes: people.saved.len(),
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
