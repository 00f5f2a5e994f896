//! The port implementations, written once over [`ItemTable`] so both adapters behave the same.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::instrument;

use super::cafe_entry::{CafeEntry, CafeEntryDoc, CompactHours};
use super::keys;
use super::search_index;
use super::table::{Item, ItemTable, SortIndex, StoredDoc};
use crate::domain::{
    Artisan, ArtisanId, BrewingMethod, Cafe, CafeId, CafeSummary, Roaster, RoasterId, Slug,
};
use crate::ports::{
    ArtisanReader, BrewingMethodReader, CafeReader, CatalogBatch, CatalogWriter, RoasterReader,
    StoreError,
};
use crate::query::{CafeFilter, CafeQuery, CafeSort, Page, PageKey, PageLimit, RoasterQuery};

/// Most index items one list call reads before it returns a (possibly short) page. Bounds the
/// cost of a request whose filters match few of the items in the partition it reads.
pub const MAX_ITEMS_READ_PER_PAGE: usize = 1_000;
/// Items per index read when a residual filter may discard some of them.
const FILTERED_BATCH: usize = 100;

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

fn index_for(sort: CafeSort) -> SortIndex {
    match sort {
        CafeSort::Name => SortIndex::ByName,
        CafeSort::Rating => SortIndex::ByRating,
        CafeSort::Newest => SortIndex::ByNewest,
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
                    return Ok(Page {
                        items: items.into_iter().map(|(_, v)| v).collect(),
                        next,
                    });
                }
            }
        }
        if exhausted {
            return Ok(Page {
                items: items.into_iter().map(|(_, v)| v).collect(),
                next: None,
            });
        }
        if read >= MAX_ITEMS_READ_PER_PAGE {
            // Bounded work: resume after the last item read, even if the page is short.
            return Ok(Page {
                items: items.into_iter().map(|(_, v)| v).collect(),
                next: position,
            });
        }
    }
}

fn residual(filter: &CafeFilter) -> bool {
    // The list partition serves the one condition `cafe_dim_for` picks; any other is residual.
    let conditions = [
        usize::from(filter.city.is_some()),
        usize::from(filter.country.is_some()),
        usize::from(filter.brewing_method.is_some()),
        usize::from(filter.roaster.is_some()),
        filter.amenities.len(),
        usize::from(!filter.price_levels.is_empty()),
        usize::from(filter.min_rating.is_some()),
        usize::from(filter.open_at.is_some()),
    ];
    let partitioned = usize::from(keys::cafe_dim_for(filter) != keys::ALL);
    conditions.iter().sum::<usize>() > partitioned
}

impl<S: ItemTable> CafeReader for S {
    #[instrument(skip_all, fields(sort = query.sort.as_str(), limit = query.limit.get()))]
    async fn list_cafes(&self, query: &CafeQuery) -> Result<Page<CafeSummary>, StoreError> {
        let filter = &query.filter;
        let page = if let Some(text) = &query.search {
            search_index::search(
                self,
                keys::cafe_terms_lpk,
                text,
                query.after.as_ref(),
                query.limit,
                |c: &CafeEntry| {
                    search_index::cafe_rank(text, filter, &c.summary).filter(|_| c.open_for(filter))
                },
            )
            .await?
        } else {
            let lpk = keys::cafes_lpk(&keys::cafe_dim_for(filter));
            read_page(
                self,
                index_for(query.sort),
                &lpk,
                query.after.as_ref(),
                query.limit,
                residual(filter),
                |c: &CafeEntry| c.matches(filter),
            )
            .await?
        };
        Ok(Page {
            items: page.items.into_iter().map(|c| c.summary).collect(),
            next: page.next,
        })
    }

    #[instrument(skip_all, fields(cafe_id = %id))]
    async fn get_cafe(&self, id: &CafeId) -> Result<Option<Cafe>, StoreError> {
        profile(self, keys::cafe_pk(id)).await
    }
}

impl<S: ItemTable> RoasterReader for S {
    #[instrument(skip_all, fields(limit = query.limit.get()))]
    async fn list_roasters(&self, query: &RoasterQuery) -> Result<Page<Roaster>, StoreError> {
        if let Some(text) = &query.search {
            return search_index::search(
                self,
                keys::roaster_terms_lpk,
                text,
                query.after.as_ref(),
                query.limit,
                |r: &Roaster| {
                    query
                        .country
                        .is_none_or(|c| r.country == c)
                        .then(|| search_index::roaster_rank(text, r))
                        .flatten()
                },
            )
            .await;
        }
        let dim = query
            .country
            .map_or_else(|| keys::ALL.to_owned(), keys::country_dim);
        let lpk = keys::roasters_lpk(&dim);
        read_page(
            self,
            SortIndex::ByName,
            &lpk,
            query.after.as_ref(),
            query.limit,
            false,
            |_: &Roaster| true,
        )
        .await
    }

    #[instrument(skip_all, fields(roaster_id = %id))]
    async fn get_roaster(&self, id: &RoasterId) -> Result<Option<Roaster>, StoreError> {
        profile(self, keys::roaster_pk(id)).await
    }

    #[instrument(skip_all, fields(roaster_id = %id))]
    async fn roaster_cafes(
        &self,
        id: &RoasterId,
        limit: PageLimit,
    ) -> Result<Page<CafeSummary>, StoreError> {
        let lpk = keys::cafes_lpk(&keys::roaster_dim(id));
        read_page(
            self,
            SortIndex::ByName,
            &lpk,
            None,
            limit,
            false,
            |_: &CafeSummary| true,
        )
        .await
    }
}

impl<S: ItemTable> ArtisanReader for S {
    #[instrument(skip_all, fields(artisan_id = %id))]
    async fn get_artisan(&self, id: &ArtisanId) -> Result<Option<Artisan>, StoreError> {
        profile(self, keys::artisan_pk(id)).await
    }
}

impl<S: ItemTable> BrewingMethodReader for S {
    #[instrument(skip_all)]
    async fn list_brewing_methods(&self) -> Result<Vec<BrewingMethod>, StoreError> {
        let lpk = keys::methods_lpk();
        let mut out = Vec::new();
        let mut after: Option<PageKey> = None;
        // The curated set is small; page through it to be safe if it grows.
        loop {
            let page = read_page(
                self,
                SortIndex::ByName,
                &lpk,
                after.as_ref(),
                PageLimit::max(),
                false,
                |_: &BrewingMethod| true,
            )
            .await?;
            out.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(out),
            }
        }
    }

    #[instrument(skip_all, fields(slug = %slug))]
    async fn get_brewing_method(&self, slug: &Slug) -> Result<Option<BrewingMethod>, StoreError> {
        profile(self, keys::method_pk(slug)).await
    }
}

/// A profile item plus one list entry per dimension, all in partition `pk`.
struct Listed<'a> {
    pk: String,
    profile: String,
    summary: String,
    lpk: &'a dyn Fn(&str) -> String,
    dims: Vec<String>,
    by_name: String,
    by_rating: Option<String>,
    by_newest: Option<String>,
}

impl Listed<'_> {
    fn into_items(self) -> Vec<Item> {
        let mut items = vec![Item {
            pk: self.pk.clone(),
            sk: keys::PROFILE_SK.to_owned(),
            lpk: None,
            by_name: None,
            by_rating: None,
            by_newest: None,
            by_cell: None,
            doc: self.profile,
            version: None,
            expires_at: None,
        }];
        items.extend(self.dims.iter().map(|dim| Item {
            pk: self.pk.clone(),
            sk: keys::list_sk(dim),
            lpk: Some((self.lpk)(dim)),
            by_name: Some(self.by_name.clone()),
            by_rating: self.by_rating.clone(),
            by_cell: None,
            by_newest: self.by_newest.clone(),
            doc: self.summary.clone(),
            version: None,
            expires_at: None,
        }));
        items
    }
}

fn cafe_items(cafe: &Cafe) -> Result<(String, Vec<Item>), StoreError> {
    let pk = keys::cafe_pk(&cafe.id);
    let summary = cafe.summary();
    let id = cafe.id.as_str();
    // List and term entries carry the summary plus compact hours (for `openNow`).
    let summary_doc = encode(
        &pk,
        "LIST",
        &CafeEntryDoc {
            summary: &summary,
            h: CompactHours::of(&cafe.hours),
        },
    )?;
    let listed = Listed {
        profile: encode(&pk, keys::PROFILE_SK, cafe)?,
        summary: summary_doc.clone(),
        lpk: &keys::cafes_lpk,
        dims: keys::cafe_dims(&summary),
        by_name: keys::by_name(&cafe.name, id),
        by_rating: Some(keys::by_rating(
            cafe.rating.average_or_zero(),
            cafe.rating.count,
            &cafe.name,
            id,
        )),
        by_newest: Some(keys::by_newest(cafe.created_at, id)),
        pk: pk.clone(),
    };
    let mut items = listed.into_items();
    items.extend(super::nearby::geo_items(cafe)?);
    items.extend(search_index::term_items(
        &pk,
        id,
        &crate::search::cafe_terms(&summary),
        keys::cafe_terms_lpk,
        &summary_doc,
    ));
    Ok((pk, items))
}

fn roaster_items(roaster: &Roaster) -> Result<(String, Vec<Item>), StoreError> {
    let pk = keys::roaster_pk(&roaster.id);
    let doc = encode(&pk, keys::PROFILE_SK, roaster)?;
    let listed = Listed {
        profile: doc.clone(),
        summary: doc.clone(),
        lpk: &keys::roasters_lpk,
        dims: keys::roaster_dims(roaster),
        by_name: keys::by_name(&roaster.name, roaster.id.as_str()),
        by_rating: None,
        by_newest: Some(keys::by_newest(roaster.created_at, roaster.id.as_str())),
        pk: pk.clone(),
    };
    let mut items = listed.into_items();
    items.extend(search_index::term_items(
        &pk,
        roaster.id.as_str(),
        &crate::search::roaster_terms(roaster),
        keys::roaster_terms_lpk,
        &doc,
    ));
    Ok((pk, items))
}

fn artisan_items(artisan: &Artisan) -> Result<(String, Vec<Item>), StoreError> {
    let pk = keys::artisan_pk(&artisan.id);
    let item = Item::plain(
        pk.clone(),
        keys::PROFILE_SK,
        encode(&pk, keys::PROFILE_SK, artisan)?,
    );
    Ok((pk, vec![item]))
}

fn method_items(method: &BrewingMethod) -> Result<(String, Vec<Item>), StoreError> {
    let pk = keys::method_pk(&method.slug);
    let doc = encode(&pk, keys::PROFILE_SK, method)?;
    let listed = Listed {
        profile: doc.clone(),
        summary: doc,
        lpk: &|_: &str| keys::methods_lpk(),
        dims: vec![keys::ALL.to_owned()],
        by_name: keys::by_name(&method.name, method.slug.as_str()),
        by_rating: None,
        by_newest: None,
        pk: pk.clone(),
    };
    Ok((pk, listed.into_items()))
}

impl<S: ItemTable> CatalogWriter for S {
    #[instrument(skip_all, fields(cafe_id = %cafe.id))]
    async fn put_cafe(&self, cafe: &Cafe) -> Result<(), StoreError> {
        let (pk, items) = cafe_items(cafe)?;
        self.replace_partition(&pk, items).await
    }

    #[instrument(skip_all, fields(roaster_id = %roaster.id))]
    async fn put_roaster(&self, roaster: &Roaster) -> Result<(), StoreError> {
        let (pk, items) = roaster_items(roaster)?;
        self.replace_partition(&pk, items).await
    }

    #[instrument(skip_all, fields(artisan_id = %artisan.id))]
    async fn put_artisan(&self, artisan: &Artisan) -> Result<(), StoreError> {
        let (pk, items) = artisan_items(artisan)?;
        self.replace_partition(&pk, items).await
    }

    #[instrument(skip_all, fields(slug = %method.slug))]
    async fn put_brewing_method(&self, method: &BrewingMethod) -> Result<(), StoreError> {
        let (pk, items) = method_items(method)?;
        self.replace_partition(&pk, items).await
    }

    #[instrument(skip_all, fields(cafes = batch.cafes.len(), roasters = batch.roasters.len(), artisans = batch.artisans.len()))]
    async fn import(&self, batch: &CatalogBatch<'_>) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for (_, entity_items) in batch
            .brewing_methods
            .iter()
            .map(method_items)
            .chain(batch.roasters.iter().map(roaster_items))
            .chain(batch.artisans.iter().map(artisan_items))
            .chain(batch.cafes.iter().map(cafe_items))
            .collect::<Result<Vec<_>, _>>()?
        {
            items.extend(entity_items);
        }
        self.put_items(items).await
    }
}
