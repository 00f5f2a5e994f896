//! Nearby search over the geo index, written once over [`ItemTable`].
//!
//! Each café has one geo entry per [`geo::LEVELS`] level (see [`keys::geo_sk`]), written in the
//! same partition replace as its profile, so the index changes atomically with the café. An
//! entry's document is deliberately small (position, the filterable fields and the opening
//! hours in a compact form, about 300 bytes), because DynamoDB bills a Query by the bytes it
//! reads and pages it at 1 MB; the summaries of the cafés on the page are fetched afterwards in
//! one batch.

use std::borrow::Cow;

use futures_util::future::try_join_all;
use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::cafe_entry::CompactHours;
use super::doc::{decode, encode};
use super::keys;
use super::table::{Item, ItemTable, SortIndex, SortKeys};
use crate::domain::{Amenity, Cafe, CafeId, CafeSummary, Slug};
use crate::geo;
use crate::ports::{NearbyReader, StoreError};
use crate::query::{NearbyCafe, NearbyKey, NearbyPage, NearbyQuery, NearbyStats};

/// A geo entry's document, as written.
#[derive(Serialize)]
struct GeoEntry<'a> {
    i: &'a str,
    a: f64,
    o: f64,
    r: f64,
    m: &'a [Slug],
    e: &'a [Amenity],
    h: CompactHours,
}

/// The part of a geo entry every candidate needs; the hours are decoded only when asked for.
#[derive(Deserialize)]
struct GeoHead<'a> {
    #[serde(borrow)]
    i: Cow<'a, str>,
    a: f64,
    o: f64,
    r: f64,
    #[serde(borrow)]
    m: Vec<Cow<'a, str>>,
    e: Vec<Amenity>,
}

#[derive(Deserialize)]
struct GeoHours {
    h: CompactHours,
}

/// The café's geo index entries, one per level.
pub(super) fn geo_items(cafe: &Cafe) -> Result<Vec<Item>, StoreError> {
    let pk = keys::cafe_pk(&cafe.id);
    let at = cafe.location.coordinates;
    let doc = encode(
        &pk,
        "GEO",
        &GeoEntry {
            i: cafe.id.as_str(),
            a: at.lat(),
            o: at.lng(),
            r: cafe.rating.average_or_zero(),
            m: &cafe.brewing_methods,
            e: &cafe.amenities,
            h: CompactHours::of(&cafe.hours),
        },
    )?;
    let sort = keys::by_cell(&geo::cell_key(at, geo::KEY_PRECISION), cafe.id.as_str());
    Ok(geo::LEVELS
        .iter()
        .map(|&level| Item {
            lpk: Some(keys::geo_lpk(&geo::cell_key(at, level))),
            sort: SortKeys::one(SortIndex::ByCell, sort.clone()),
            ..Item::plain(pk.clone(), keys::geo_sk(level), doc.clone())
        })
        .collect())
}

/// A café within the radius that passed the filters.
struct Candidate {
    distance_m: f64,
    id: String,
    pk: String,
    doc: String,
    open_now: Option<bool>,
}

fn open_at(pk: &str, doc: &str, query: &NearbyQuery) -> Result<bool, StoreError> {
    let hours: GeoHours = decode(pk, "GEO", doc)?;
    let hours = hours.h.hours().ok_or_else(|| StoreError::Backend {
        operation: "nearby",
        source: format!("geo entry of {pk} holds invalid opening hours").into(),
    })?;
    Ok(hours.is_open_at(query.at))
}

impl<S: ItemTable> NearbyReader for S {
    #[instrument(skip_all, fields(
        radius_m = query.radius.metres(),
        limit = query.limit.get(),
        rounds, queries, items_read, in_radius,
    ))]
    async fn nearby_cafes(&self, query: &NearbyQuery) -> Result<NearbyPage, StoreError> {
        let radius = f64::from(query.radius.metres());
        let limit = query.limit.get();
        // An expanding search: rounds of ≤ 9 parallel range reads over growing rings, nearest
        // first. A round answers for every café at a distance in (the previous round's outer
        // radius, its own]: the ring plan covers that band whole, and entries outside it (read
        // because cells straddle the band) are skipped, so no café is counted twice. The search
        // stops once more than `limit` results are known, all nearer than every café not yet
        // looked at, or when the band reaches the radius. After a cursor it starts at the last
        // distance served (everything nearer precedes the cursor).
        let start = query
            .after
            .as_ref()
            .map(NearbyKey::distance_m)
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(0.0)
            .min(radius);
        let mut stats = NearbyStats::default();
        let (lat, lng) = (query.centre.lat(), query.centre.lng());
        let filter = &query.filter;
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut done: Option<f64> = None;
        let mut outer = geo::first_outer(start, radius);
        loop {
            let plan = geo::plan_ring(query.centre, done.unwrap_or(start), outer);
            let reads = plan.ranges.iter().map(|range| async move {
                let lpk = keys::geo_lpk(&range.partition);
                self.query_range(
                    SortIndex::ByCell,
                    &lpk,
                    &range.from,
                    &keys::by_cell_upper(&range.to),
                    usize::MAX,
                )
                .await
            });
            let batches = try_join_all(reads).await?;
            stats.rounds += 1;
            stats.queries += plan.ranges.len();
            stats.max_round_queries = stats.max_round_queries.max(plan.ranges.len());
            for stored in batches.into_iter().flatten() {
                stats.items_read += 1;
                let head: GeoHead<'_> =
                    serde_json::from_str(&stored.doc).map_err(|source| StoreError::Corrupt {
                        pk: stored.key.pk.clone(),
                        sk: stored.key.sk.clone(),
                        source,
                    })?;
                let distance_m = geo::haversine_m(lat, lng, head.a, head.o);
                if distance_m > outer || done.is_some_and(|d| distance_m <= d) {
                    continue;
                }
                stats.in_radius += 1;
                let after_cursor = query
                    .after
                    .as_ref()
                    .is_none_or(|after| after.precedes(distance_m, &head.i));
                let passes = after_cursor
                    && filter
                        .brewing_method
                        .as_ref()
                        .is_none_or(|m| head.m.iter().any(|x| x == m.as_str()))
                    && filter.amenity.is_none_or(|a| head.e.contains(&a))
                    && filter.min_rating.is_none_or(|min| head.r >= min);
                if !passes {
                    continue;
                }
                let open_now = if filter.open_now {
                    let open = open_at(&stored.key.pk, &stored.doc, query)?;
                    if !open {
                        continue;
                    }
                    Some(true)
                } else {
                    None
                };
                let id = head.i.into_owned();
                candidates.push(Candidate {
                    distance_m,
                    id,
                    pk: stored.key.pk,
                    doc: stored.doc,
                    open_now,
                });
            }
            if candidates.len() > limit || outer >= radius {
                break;
            }
            done = Some(outer);
            outer = geo::next_outer(start, outer, radius, candidates.len(), limit + 1);
        }
        candidates.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then_with(|| a.id.cmp(&b.id))
        });
        let more = candidates.len() > limit;
        candidates.truncate(limit);

        let span = tracing::Span::current();
        span.record("rounds", stats.rounds);
        span.record("queries", stats.queries);
        span.record("items_read", stats.items_read);
        span.record("in_radius", stats.in_radius);

        let summary_keys: Vec<(String, String)> = candidates
            .iter()
            .map(|c| (c.pk.clone(), keys::list_sk(keys::ALL)))
            .collect();
        let summaries = if summary_keys.is_empty() {
            Vec::new()
        } else {
            self.get_docs(summary_keys).await?
        };
        let mut items = Vec::with_capacity(candidates.len());
        for (candidate, summary) in candidates.iter().zip(summaries) {
            let Some(summary) = summary else {
                // Deleted between the index read and this one.
                tracing::warn!(pk = %candidate.pk, "geo entry without a café summary");
                continue;
            };
            let cafe: CafeSummary = decode(&candidate.pk, &keys::list_sk(keys::ALL), &summary)?;
            let open_now = match candidate.open_now {
                Some(open) => open,
                None => open_at(&candidate.pk, &candidate.doc, query)?,
            };
            items.push(NearbyCafe {
                cafe,
                distance_m: candidate.distance_m,
                open_now,
            });
        }
        let next = more
            .then(|| candidates.last())
            .flatten()
            .map(|last| -> Result<NearbyKey, StoreError> {
                let id = CafeId::parse(&last.id).map_err(|_| StoreError::Backend {
                    operation: "nearby",
                    source: format!("geo entry {} holds an invalid café id", last.pk).into(),
                })?;
                Ok(NearbyKey::new(last.distance_m, id))
            })
            .transpose()?;
        Ok(NearbyPage { items, next, stats })
    }
}
