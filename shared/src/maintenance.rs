//! Data maintenance written over the ports, so it runs the same on DynamoDB and the embedded
//! store (`cargo run -p xtask -- reindex`, and the local server on start).

use crate::domain::{ArtisanId, City, Location};
use crate::ports::{ArtisanReader, CafeReader, CatalogWriter, RoasterReader, StoreError};
use crate::query::{CafeQuery, PageLimit, RoasterQuery};

/// Rewrites every café through [`CatalogWriter::put_cafe`], so each café partition holds
/// exactly the items the current key design derives from the profile: list entries, geo and
/// term index entries included. Idempotent; returns how many cafés were rewritten.
///
/// Use it after a release adds an index (the geo and term indexes did) to backfill cafés
/// written before.
/// It reads the `CAFES#ALL` list by name, one page at a time, and writes one café at a time,
/// so it can be stopped and re-run at any point.
///
/// On the way it rewrites every artisan a café names (backfilling the artisan list), and at
/// the end it replaces the city list with the tally of every café it read: the repair for
/// city counts, which `put_cafe` otherwise keeps current one city at a time.
pub async fn rewrite_cafes<S: CafeReader + CatalogWriter + ArtisanReader>(
    store: &S,
) -> Result<usize, StoreError> {
    let mut query = CafeQuery {
        limit: PageLimit::max(),
        ..CafeQuery::default()
    };
    let mut rewritten = 0;
    let mut locations: Vec<Location> = Vec::new();
    let mut artisans: std::collections::BTreeSet<ArtisanId> = std::collections::BTreeSet::new();
    loop {
        let page = store.list_cafes(&query).await?;
        for summary in &page.items {
            // A café deleted since the list page was read has nothing to rewrite.
            if let Some(cafe) = store.get_cafe(&summary.id).await? {
                store.put_cafe(&cafe).await?;
                artisans.extend(cafe.artisans.iter().map(|a| a.id.clone()));
                locations.push(cafe.location);
                rewritten += 1;
            }
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    for id in &artisans {
        if let Some(artisan) = store.get_artisan(id).await? {
            store.put_artisan(&artisan).await?;
        }
    }
    store.put_cities(&City::tally(&locations)).await?;
    Ok(rewritten)
}

/// Rewrites every roaster through [`CatalogWriter::put_roaster`] (list and term entries), the
/// same way [`rewrite_cafes`] does for cafés. Idempotent; returns how many were rewritten.
pub async fn rewrite_roasters<S: RoasterReader + CatalogWriter>(
    store: &S,
) -> Result<usize, StoreError> {
    let mut query = RoasterQuery {
        limit: PageLimit::max(),
        ..RoasterQuery::default()
    };
    let mut rewritten = 0;
    loop {
        let page = store.list_roasters(&query).await?;
        for roaster in &page.items {
            // The list entry carries the whole roaster, so no second read is needed.
            store.put_roaster(roaster).await?;
            rewritten += 1;
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(rewritten),
        }
    }
}

/// How many entities [`rewrite_catalog`] rewrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewritten {
    pub cafes: usize,
    pub roasters: usize,
}

/// Rewrites every café (with its artisans and the city list) and roaster (`xtask reindex`, and
/// the local server's one-off backfill).
pub async fn rewrite_catalog<S: CafeReader + RoasterReader + ArtisanReader + CatalogWriter>(
    store: &S,
) -> Result<Rewritten, StoreError> {
    Ok(Rewritten {
        cafes: rewrite_cafes(store).await?,
        roasters: rewrite_roasters(store).await?,
    })
}
