//! Store ports: the narrow capabilities each function is given.
//!
//! Each trait lines up with one IAM policy in template.yaml: a function that only reads cafés
//! gets a `CafeReader` and a role that can only `Query`/`GetItem`. Both adapters implement every
//! port, and `tests/` runs one contract suite per port against each of them.

use std::future::Future;

use crate::domain::{
    Artisan, ArtisanId, BrewingMethod, Cafe, CafeId, CafeSummary, Roaster, RoasterId, Slug,
};
use crate::query::{CafeQuery, Page, PageLimit, RoasterQuery};

/// Why a store call failed. Callers map every variant to an opaque 5xx (or 503 when
/// retrying later may help); the cause chain goes to the logs, never to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backing service refused or failed the request (network, throttling, permissions).
    #[error("store backend failed: {operation}")]
    Backend {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The backing service is overloaded; retrying later may succeed.
    #[error("store is throttling requests: {operation}")]
    Throttled { operation: &'static str },
    /// An item in the store does not decode into the domain type it should hold.
    #[error("stored item {pk}/{sk} is corrupt")]
    Corrupt {
        pk: String,
        sk: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Reads cafés: list with filters and sort, and full profiles.
pub trait CafeReader: Send + Sync {
    /// One page of cafés matching the query. A page may hold fewer than `limit` items even when
    /// more follow (a bounded amount of work is done per call); only `next == None` means the end.
    fn list_cafes(
        &self,
        query: &CafeQuery,
    ) -> impl Future<Output = Result<Page<CafeSummary>, StoreError>> + Send;

    /// A café's full profile.
    fn get_cafe(
        &self,
        id: &CafeId,
    ) -> impl Future<Output = Result<Option<Cafe>, StoreError>> + Send;
}

/// Reads roasters and the cafés they supply.
pub trait RoasterReader: Send + Sync {
    /// One page of roasters by name.
    fn list_roasters(
        &self,
        query: &RoasterQuery,
    ) -> impl Future<Output = Result<Page<Roaster>, StoreError>> + Send;

    /// A roaster by id.
    fn get_roaster(
        &self,
        id: &RoasterId,
    ) -> impl Future<Output = Result<Option<Roaster>, StoreError>> + Send;

    /// The first `limit` cafés (by name) serving this roaster's beans.
    fn roaster_cafes(
        &self,
        id: &RoasterId,
        limit: PageLimit,
    ) -> impl Future<Output = Result<Page<CafeSummary>, StoreError>> + Send;
}

/// Reads artisans.
pub trait ArtisanReader: Send + Sync {
    /// An artisan by id.
    fn get_artisan(
        &self,
        id: &ArtisanId,
    ) -> impl Future<Output = Result<Option<Artisan>, StoreError>> + Send;
}

/// Reads brewing guides.
pub trait BrewingMethodReader: Send + Sync {
    /// Every brewing method, by name. The set is small and curated.
    fn list_brewing_methods(
        &self,
    ) -> impl Future<Output = Result<Vec<BrewingMethod>, StoreError>> + Send;

    /// A brewing method by slug.
    fn get_brewing_method(
        &self,
        slug: &Slug,
    ) -> impl Future<Output = Result<Option<BrewingMethod>, StoreError>> + Send;
}

/// Many catalogue entities to load at once (seeding, imports).
#[derive(Clone, Copy, Debug, Default)]
pub struct CatalogBatch<'a> {
    pub cafes: &'a [Cafe],
    pub roasters: &'a [Roaster],
    pub artisans: &'a [Artisan],
    pub brewing_methods: &'a [BrewingMethod],
}

/// Writes catalogue entries (seeding and back-office tools; no public endpoint writes these).
pub trait CatalogWriter: Send + Sync {
    /// Inserts or replaces a café with all its index entries.
    fn put_cafe(&self, cafe: &Cafe) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces a roaster.
    fn put_roaster(&self, roaster: &Roaster)
    -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces an artisan.
    fn put_artisan(&self, artisan: &Artisan)
    -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces a brewing method.
    fn put_brewing_method(
        &self,
        method: &BrewingMethod,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Loads entities the store does not hold yet, in as few round-trips as the backend
    /// allows. Not atomic across entities, and it does not remove list entries an earlier
    /// version of an entity left behind: use the `put_*` methods to change existing entities.
    fn import(
        &self,
        batch: &CatalogBatch<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
