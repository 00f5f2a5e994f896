//! The port implementations, written once over [`ItemTable`] so both adapters behave the same.

use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::cafe_entry::{CafeEntry, CafeEntryDoc, CompactHours};
use super::doc::{decode, encode, profile, read_page};
use super::keys;
use super::merge::read_merged_page;
use super::search_index;
use super::table::{
    Condition, Item, ItemTable, SortIndex, SortKeys, StoredDoc, TransactError, Write,
};
use crate::domain::time::now_millis;
use crate::domain::{
    Artisan, ArtisanId, BrewingMethod, Cafe, CafeId, CafeSummary, ChangedCafe, City, CoverPhoto,
    Location, PhotoId, Roaster, RoasterId, Slug,
};
use crate::ports::{
    ArtisanReader, BrewingMethodReader, CafeReader, CafeSync, CatalogBatch, CatalogWriter,
    CityReader, CoverChange, CoverWriter, RatingChange, RatingWriter, ReviewReader, RoasterReader,
    StoreError,
};
use crate::query::{CafeFilter, CafeQuery, CafeSort, Page, PageKey, PageLimit, RoasterQuery};

fn index_for(sort: CafeSort) -> SortIndex {
    match sort {
        CafeSort::Name => SortIndex::ByName,
        CafeSort::Rating => SortIndex::ByRating,
        CafeSort::Newest => SortIndex::ByNewest,
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
            let dim = keys::cafe_dim_for(filter);
            read_cafe_list(
                self,
                &dim,
                index_for(query.sort),
                query.after.as_ref(),
                query.limit,
                residual(filter),
                |c: &CafeEntry| c.matches(filter),
            )
            .await?
        };
        Ok(page.map(|c: CafeEntry| c.summary))
    }

    #[instrument(skip_all, fields(cafe_id = %id))]
    async fn get_cafe(&self, id: &CafeId) -> Result<Option<Cafe>, StoreError> {
        profile(self, keys::cafe_pk(id)).await
    }
}

/// One page of the café list of dimension `dim`: its shards (and, while
/// [`keys::READ_UNSHARDED_CAFE_LISTS`], its unsharded partition) merged in `index` order.
async fn read_cafe_list<S: ItemTable, T: DeserializeOwned>(
    store: &S,
    dim: &str,
    index: SortIndex,
    after: Option<&PageKey>,
    limit: PageLimit,
    filtered: bool,
    keep: impl Fn(&T) -> bool,
) -> Result<Page<T>, StoreError> {
    let sources = keys::cafe_list_sources(dim);
    let shards = keys::cafe_list_shards(dim) as usize;
    let (page, stats) =
        read_merged_page(store, index, &sources, shards, after, limit, filtered, keep).await?;
    tracing::debug!(
        dim,
        rounds = stats.rounds,
        queries = stats.queries,
        items_read = stats.items_read,
        "merged café list page"
    );
    Ok(page)
}

impl<S: ItemTable> CafeSync for S {
    #[instrument(skip_all, fields(limit = limit.get(), resumed = after.is_some()))]
    async fn cafes_changed_since(
        &self,
        since: Timestamp,
        after: Option<&PageKey>,
        limit: PageLimit,
    ) -> Result<Page<ChangedCafe>, StoreError> {
        // The sync list's shards (and, while the migration lasts, its unsharded partition)
        // merged by `SN`: from the first change at or after `since`, or from the cursor (which
        // was made under the same `since`). The floor of `since` is a prefix of sort values and
        // equals none, so as a starting position it drops nothing.
        let floor = PageKey {
            sort: keys::updated_floor(since),
            pk: String::new(),
            sk: String::new(),
        };
        let sources = keys::cafe_sync_sources();
        let (page, stats) = read_merged_page(
            self,
            SortIndex::ByName,
            &sources,
            keys::CAFE_SYNC_SHARDS as usize,
            Some(after.unwrap_or(&floor)),
            limit,
            false,
            // Only stamped profiles are in the sync list; an unstamped one is not a change.
            |p: &StoredProfile| p.updated_at.is_some(),
        )
        .await?;
        tracing::debug!(
            rounds = stats.rounds,
            queries = stats.queries,
            items_read = stats.items_read,
            "merged sync page"
        );
        let mut out = Page::empty();
        for (key, stored) in page.keys.into_iter().zip(page.items) {
            if let Some(updated_at) = stored.updated_at {
                out.items.push(ChangedCafe {
                    cafe: stored.cafe,
                    updated_at,
                });
                out.keys.push(key);
            }
        }
        out.next = page.next;
        Ok(out)
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
        read_cafe_list(
            self,
            &keys::roaster_dim(id),
            SortIndex::ByName,
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

    #[instrument(skip_all, fields(limit = limit.get()))]
    async fn list_artisans(
        &self,
        limit: PageLimit,
        after: Option<PageKey>,
    ) -> Result<Page<Artisan>, StoreError> {
        read_page(
            self,
            SortIndex::ByName,
            &keys::artisans_lpk(),
            after.as_ref(),
            limit,
            false,
            |_: &Artisan| true,
        )
        .await
    }
}

impl<S: ItemTable> CityReader for S {
    #[instrument(skip_all)]
    async fn list_cities(&self) -> Result<Vec<City>, StoreError> {
        read_all(self, &keys::cities_lpk()).await
    }
}

/// Every document of a small list partition, by name (pages of [`PageLimit::max`]).
async fn read_all<S: ItemTable, T: DeserializeOwned>(
    store: &S,
    lpk: &str,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    let mut after: Option<PageKey> = None;
    loop {
        let page = read_page(
            store,
            SortIndex::ByName,
            lpk,
            after.as_ref(),
            PageLimit::max(),
            false,
            |_: &T| true,
        )
        .await?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

impl<S: ItemTable> BrewingMethodReader for S {
    #[instrument(skip_all)]
    async fn list_brewing_methods(&self) -> Result<Vec<BrewingMethod>, StoreError> {
        // The curated set is small; page through it to be safe if it grows.
        read_all(self, &keys::methods_lpk()).await
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
    /// Sort values of the list entries.
    sort: SortKeys,
}

impl Listed<'_> {
    fn into_items(self) -> Vec<Item> {
        let mut items = vec![Item {
            pk: self.pk.clone(),
            sk: keys::PROFILE_SK.to_owned(),
            lpk: None,
            sort: SortKeys::default(),
            doc: self.profile,
            version: None,
            expires_at: None,
        }];
        items.extend(self.dims.iter().map(|dim| Item {
            pk: self.pk.clone(),
            sk: keys::list_sk(dim),
            lpk: Some((self.lpk)(dim)),
            sort: self.sort.clone(),
            doc: self.summary.clone(),
            version: None,
            expires_at: None,
        }));
        items
    }
}

/// A café profile document as written: the café plus `updatedAt`, the instant of its last
/// change (the profile's `SN` in the `CAFES#UPDATED#S<k>` sync list says the same).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileDoc<'a> {
    #[serde(flatten)]
    cafe: &'a Cafe,
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    updated_at: Timestamp,
}

/// A café profile document as read. `updatedAt` is absent from profiles written before
/// catalogue sync (until `xtask reindex` rewrites them).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredProfile {
    #[serde(flatten)]
    cafe: Cafe,
    #[serde(default, with = "crate::domain::time::option_rfc3339_millis")]
    updated_at: Option<Timestamp>,
}

/// The update time of a change made now to a café last changed at `previous`: now (to the
/// millisecond), but always after `previous`, so every change moves the café forward in the
/// sync order even when clocks disagree.
fn next_update(previous: Option<Timestamp>) -> Timestamp {
    let now = now_millis();
    match previous {
        Some(previous) if previous >= now => previous
            .checked_add(SignedDuration::from_millis(1))
            .unwrap_or(previous),
        _ => now,
    }
}

/// Every item of a café's partition; the profile carries `version` (its `ver`, which cover
/// updates condition on) and, in its shard of the sync list (`CAFES#UPDATED#S<k>`), `updated_at`.
fn cafe_items(
    cafe: &Cafe,
    version: i64,
    updated_at: Timestamp,
) -> Result<(String, Vec<Item>), StoreError> {
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
        profile: encode(&pk, keys::PROFILE_SK, &ProfileDoc { cafe, updated_at })?,
        summary: summary_doc.clone(),
        lpk: &|dim: &str| keys::cafe_list_lpk(dim, &cafe.id),
        dims: keys::cafe_dims(&summary),
        sort: SortKeys::one(SortIndex::ByName, keys::by_name(&cafe.name, id))
            .with(
                SortIndex::ByRating,
                keys::by_rating(
                    cafe.rating.average_or_zero(),
                    cafe.rating.count,
                    &cafe.name,
                    id,
                ),
            )
            .with(SortIndex::ByNewest, keys::by_newest(cafe.created_at, id)),
        pk: pk.clone(),
    };
    let mut items = listed.into_items();
    if let Some(profile) = items.first_mut() {
        profile.version = Some(version);
        profile.lpk = Some(keys::cafe_sync_lpk(&cafe.id));
        profile.sort = SortKeys::one(SortIndex::ByName, keys::by_updated(updated_at, id));
    }
    items.extend(super::nearby::geo_items(cafe, &summary)?);
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
        sort: SortKeys::one(
            SortIndex::ByName,
            keys::by_name(&roaster.name, roaster.id.as_str()),
        )
        .with(
            SortIndex::ByNewest,
            keys::by_newest(roaster.created_at, roaster.id.as_str()),
        ),
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
    let doc = encode(&pk, keys::PROFILE_SK, artisan)?;
    let listed = Listed {
        profile: doc.clone(),
        summary: doc,
        lpk: &|_: &str| keys::artisans_lpk(),
        dims: vec![keys::ALL.to_owned()],
        sort: SortKeys::one(
            SortIndex::ByName,
            keys::by_name(&artisan.name, artisan.id.as_str()),
        ),
        pk: pk.clone(),
    };
    Ok((pk, listed.into_items()))
}

/// A city's one item: its entry in the `CITIES#ALL` list, sorted by name.
fn city_item(city: &City) -> Result<Item, StoreError> {
    let pk = keys::city_pk(&city.slug);
    let sk = keys::list_sk(keys::ALL);
    let doc = encode(&pk, &sk, city)?;
    Ok(Item {
        lpk: Some(keys::cities_lpk()),
        sort: SortKeys::one(
            SortIndex::ByName,
            keys::by_name(&city.name, city.slug.as_str()),
        ),
        ..Item::plain(pk, sk, doc)
    })
}

/// Most list entries read per round-trip when recounting a city.
const CITY_COUNT_BATCH: usize = 1_000;

/// Recounts city `slug` from its `CAFES#CITY#<slug>` list (every shard) and rewrites (or deletes)
/// its city entry. The index read may lag a write that just happened (GSIs are eventually
/// consistent), so the café that was just written (`written`) is taken from the caller, not
/// from the index.
async fn recount_city<S: ItemTable>(
    store: &S,
    slug: &Slug,
    written: &Cafe,
) -> Result<(), StoreError> {
    let mut locations: Vec<Location> = Vec::new();
    // Every source of the city's list, each read whole (a count needs no order). A café on
    // both sides of a move to its shard is counted once.
    let mut seen: std::collections::HashSet<CafeId> = std::collections::HashSet::new();
    for lpk in keys::cafe_list_sources(&keys::city_dim(slug)) {
        let mut after: Option<PageKey> = None;
        loop {
            let docs = store
                .query_index(SortIndex::ByName, &lpk, after.as_ref(), CITY_COUNT_BATCH)
                .await?;
            let exhausted = docs.len() < CITY_COUNT_BATCH;
            for StoredDoc { key, doc } in docs {
                let summary: CafeSummary = decode(&key.pk, &key.sk, &doc)?;
                if summary.id != written.id && seen.insert(summary.id.clone()) {
                    locations.push(summary.location);
                }
                after = Some(key);
            }
            if exhausted {
                break;
            }
        }
    }
    if Slug::from_text(&written.location.city).is_ok_and(|s| &s == slug) {
        locations.push(written.location.clone());
    }
    let pk = keys::city_pk(slug);
    match City::tally(&locations)
        .into_iter()
        .find(|c| &c.slug == slug)
    {
        Some(city) => store.replace_partition(&pk, vec![city_item(&city)?]).await,
        None => store.replace_partition(&pk, Vec::new()).await,
    }
}

/// Most attempts at a café change (cover, rating) that keeps losing its version race.
const CHANGE_ATTEMPTS: usize = 5;

/// A café profile as read for a conditional change: the café and the condition that holds
/// while nobody else has written it since.
struct Versioned {
    cafe: Cafe,
    /// When the café last changed (`None`: before catalogue sync).
    updated_at: Option<Timestamp>,
    condition: Condition,
    next_version: i64,
}

/// Reads the café profile (consistently) with its version; `None` when there is no café.
async fn read_versioned<S: ItemTable>(
    store: &S,
    pk: &str,
) -> Result<Option<Versioned>, StoreError> {
    let Some(stored) = store.get_item(pk, keys::PROFILE_SK).await? else {
        return Ok(None);
    };
    let Some(doc) = stored.doc.as_deref() else {
        return Ok(None);
    };
    let stored_profile: StoredProfile = decode(pk, keys::PROFILE_SK, doc)?;
    Ok(Some(Versioned {
        cafe: stored_profile.cafe,
        updated_at: stored_profile.updated_at,
        condition: match stored.version {
            Some(version) => Condition::VersionIs(version),
            // Written before profiles had versions.
            None => Condition::Unversioned,
        },
        next_version: stored.version.unwrap_or(0) + 1,
    }))
}

/// Rewrites the profile and every list, geo and term entry derived from `read.cafe` in one
/// transaction, the profile conditioned on the version that was read. `false`: someone else
/// wrote the café meanwhile, nothing was written.
async fn write_versioned<S: ItemTable>(store: &S, read: &Versioned) -> Result<bool, StoreError> {
    let (_, items) = cafe_items(&read.cafe, read.next_version, next_update(read.updated_at))?;
    let writes = items
        .into_iter()
        .map(|item| Write::Put {
            condition: if item.sk == keys::PROFILE_SK {
                read.condition.clone()
            } else {
                Condition::Always
            },
            item,
        })
        .collect();
    match store.transact(writes).await {
        Ok(()) => Ok(true),
        Err(TransactError::ConditionFailed { .. }) => Ok(false),
        Err(TransactError::Store(e)) => Err(e),
    }
}

fn kept_changing(operation: &'static str, id: &CafeId) -> StoreError {
    StoreError::Backend {
        operation,
        source: format!("café {id} changed on every one of {CHANGE_ATTEMPTS} attempts").into(),
    }
}

/// Reads the café profile, asks `decide` for the new cover (`None`: leave it), and rewrites the
/// profile and its list entries in one transaction conditioned on the profile's version.
async fn change_cover<S: ItemTable>(
    store: &S,
    id: &CafeId,
    decide: impl Fn(Option<&CoverPhoto>) -> Option<Option<CoverPhoto>>,
) -> Result<CoverChange, StoreError> {
    let pk = keys::cafe_pk(id);
    for _ in 0..CHANGE_ATTEMPTS {
        let Some(mut read) = read_versioned(store, &pk).await? else {
            return Ok(CoverChange::NoCafe);
        };
        let Some(cover) = decide(read.cafe.cover_photo.as_ref()) else {
            return Ok(CoverChange::Unchanged);
        };
        read.cafe.cover_photo = cover;
        if write_versioned(store, &read).await? {
            return Ok(CoverChange::Changed);
        }
        // Someone else changed the café between our read and our write: decide again.
    }
    Err(kept_changing("change_cover", id))
}

impl<S: ItemTable> RatingWriter for S {
    #[instrument(skip_all, fields(cafe_id = %cafe))]
    async fn apply_rating(&self, cafe: &CafeId) -> Result<RatingChange, StoreError> {
        let pk = keys::cafe_pk(cafe);
        for _ in 0..CHANGE_ATTEMPTS {
            let Some(mut read) = read_versioned(self, &pk).await? else {
                return Ok(RatingChange::NoCafe);
            };
            // The shards are read after the profile: a write conditioned on that profile's
            // version carries a sum at least as new as any write it follows, so summaries only
            // move forward whatever order triggers arrive in.
            let summary = self.rating_summary(cafe).await?;
            if read.cafe.rating == summary {
                return Ok(RatingChange::Unchanged);
            }
            read.cafe.rating = summary;
            if write_versioned(self, &read).await? {
                return Ok(RatingChange::Changed);
            }
        }
        Err(kept_changing("apply_rating", cafe))
    }
}

impl<S: ItemTable> CoverWriter for S {
    #[instrument(skip_all, fields(cafe_id = %cafe, photo_id = %cover.photo_id))]
    async fn offer_cover(
        &self,
        cafe: &CafeId,
        cover: &CoverPhoto,
    ) -> Result<CoverChange, StoreError> {
        change_cover(self, cafe, |current| match current {
            Some(current) if !cover.is_newer_than(current) => None,
            _ => Some(Some(cover.clone())),
        })
        .await
    }

    #[instrument(skip_all, fields(cafe_id = %cafe, photo_id = %removed))]
    async fn withdraw_cover(
        &self,
        cafe: &CafeId,
        removed: &PhotoId,
        next: Option<CoverPhoto>,
    ) -> Result<CoverChange, StoreError> {
        change_cover(self, cafe, |current| match current {
            Some(current) if &current.photo_id == removed => Some(next.clone()),
            _ => None,
        })
        .await
    }
}

fn method_items(method: &BrewingMethod) -> Result<(String, Vec<Item>), StoreError> {
    let pk = keys::method_pk(&method.slug);
    let doc = encode(&pk, keys::PROFILE_SK, method)?;
    let listed = Listed {
        profile: doc.clone(),
        summary: doc,
        lpk: &|_: &str| keys::methods_lpk(),
        dims: vec![keys::ALL.to_owned()],
        sort: SortKeys::one(
            SortIndex::ByName,
            keys::by_name(&method.name, method.slug.as_str()),
        ),
        pk: pk.clone(),
    };
    Ok((pk, listed.into_items()))
}

impl<S: ItemTable> CatalogWriter for S {
    #[instrument(skip_all, fields(cafe_id = %cafe.id))]
    async fn put_cafe(&self, cafe: &Cafe) -> Result<(), StoreError> {
        let pk = keys::cafe_pk(&cafe.id);
        let stored = self.get_item(&pk, keys::PROFILE_SK).await?;
        let before: Option<StoredProfile> = match stored.as_ref().and_then(|s| s.doc.as_deref()) {
            Some(doc) => Some(decode(&pk, keys::PROFILE_SK, doc)?),
            None => None,
        };
        let updated_at = next_update(before.as_ref().and_then(|b| b.updated_at));
        let before: Option<Cafe> = before.map(|b| b.cafe);
        let version = stored.and_then(|s| s.version).unwrap_or(0) + 1;
        // The cover belongs to the photo worker: keep the stored one unless this café
        // carries a newer one.
        let mut cafe = cafe.clone();
        if let Some(kept) = before.as_ref().and_then(|b| b.cover_photo.as_ref())
            && cafe
                .cover_photo
                .as_ref()
                .is_none_or(|c| !c.is_newer_than(kept))
        {
            cafe.cover_photo = Some(kept.clone());
        }
        let (pk, items) = cafe_items(&cafe, version, updated_at)?;
        self.replace_partition(&pk, items).await?;
        // City counts change only when a café appears or moves to another city.
        let moved = before.as_ref().is_none_or(|b| {
            b.location.city != cafe.location.city || b.location.country != cafe.location.country
        });
        if moved {
            let mut slugs: Vec<Slug> = [before.as_ref(), Some(&cafe)]
                .into_iter()
                .flatten()
                .filter_map(|c| Slug::from_text(&c.location.city).ok())
                .collect();
            slugs.sort();
            slugs.dedup();
            for slug in &slugs {
                recount_city(self, slug, &cafe).await?;
            }
        }
        Ok(())
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

    #[instrument(skip_all, fields(cities = cities.len()))]
    async fn put_cities(&self, cities: &[City]) -> Result<(), StoreError> {
        let stale: Vec<City> = read_all::<_, City>(self, &keys::cities_lpk())
            .await?
            .into_iter()
            .filter(|old| !cities.iter().any(|c| c.slug == old.slug))
            .collect();
        for city in &stale {
            self.replace_partition(&keys::city_pk(&city.slug), Vec::new())
                .await?;
        }
        let items = cities
            .iter()
            .map(city_item)
            .collect::<Result<Vec<_>, _>>()?;
        self.put_items(items).await
    }

    #[instrument(skip_all, fields(cafes = batch.cafes.len(), roasters = batch.roasters.len(), artisans = batch.artisans.len()))]
    async fn import(&self, batch: &CatalogBatch<'_>) -> Result<(), StoreError> {
        let mut items = Vec::new();
        let now = now_millis();
        for (_, entity_items) in batch
            .brewing_methods
            .iter()
            .map(method_items)
            .chain(batch.roasters.iter().map(roaster_items))
            .chain(batch.artisans.iter().map(artisan_items))
            .chain(batch.cafes.iter().map(|c| cafe_items(c, 1, now)))
            .collect::<Result<Vec<_>, _>>()?
        {
            items.extend(entity_items);
        }
        // The batch's cafés are new to the store, so its tally is the city list.
        for city in City::tally(batch.cafes.iter().map(|c| &c.location)) {
            items.push(city_item(&city)?);
        }
        self.put_items(items).await
    }
}
