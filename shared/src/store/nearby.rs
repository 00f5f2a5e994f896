//! Nearby search over the geo index, written once over [`ItemTable`].
//!
//! Each café has one geo entry per [`geo::LEVELS`] level (see [`keys::geo_sk`]), written in the
//! same partition replace as its profile, so the index changes atomically with the café. An
//! entry's document is deliberately small (position, the filterable fields and the opening
//! hours in a compact form, about 300 bytes), because DynamoDB bills a Query by the bytes it
//! reads and pages it at 1 MB; the summaries of the cafés on the page are fetched afterwards in
//! one batch.

use std::borrow::Cow;
use std::collections::HashSet;

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
use crate::query::{NearbyCafe, NearbyHint, NearbyKey, NearbyPage, NearbyQuery, NearbyStats};

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

/// Index entries a round of a page may be expected to read, per result the page wants
/// (`limit + 1`): a ring expected to read more is split into rounds or shrunk
/// ([`geo::plan_step`]).
const ROUND_BUDGET_PER_RESULT: usize = 3;
/// Largest area a cursor's density hint may name (square metres; a 50 km disk is 7.9e9): a
/// hint outside `1..=` this is ignored.
const MAX_HINT_AREA_M2: u64 = 10_000_000_000;

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
        let wanted = limit + 1;
        // An expanding search: rings nearest first, each read in rounds of ≤ 9 parallel range
        // reads. After a ring, everything out to its outer radius (`covered`) has been read.
        // Every entry read is a candidate, also those beyond the ring (cells straddle it): a
        // candidate nearer than `covered` can never be beaten by an unread café, so the search
        // stops once the `limit + 1`-th candidate is within `covered` (or `covered` reaches
        // the radius), and the next ring never needs to go past that candidate. Entries nearer
        // than the previous `covered` were seen whole before and are skipped; those beyond it
        // may have been seen as straddlers, so candidates are also kept apart by id. After a
        // cursor the search starts at the last distance served (everything nearer precedes the
        // cursor), with a first ring sized by the density the previous page saw.
        let start = query
            .after
            .as_ref()
            .map(NearbyKey::distance_m)
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(0.0)
            .min(radius);
        let hint = query.after.as_ref().map(|a| a.hint).unwrap_or_default();
        let hinted = |area: Option<u64>| {
            area.filter(|a| (1..=MAX_HINT_AREA_M2).contains(a))
                .map(|a| a as f64)
        };
        let mut stats = NearbyStats::default();
        let (lat, lng) = (query.centre.lat(), query.centre.lng());
        let filter = &query.filter;
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut covered: Option<f64> = None;
        let mut area_read = 0.0;
        let mut area_per_entry = hinted(hint.area_per_entry_m2);
        let mut outer = geo::first_outer(start, radius, hinted(hint.area_per_result_m2), wanted);
        loop {
            let inner = covered.unwrap_or(start);
            let budget = (ROUND_BUDGET_PER_RESULT * wanted) as f64;
            let (plan, reached) =
                geo::plan_step(query.centre, inner, outer, area_per_entry, budget);
            outer = reached;
            for round in plan.rounds() {
                let reads = round.iter().map(|range| async move {
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
                stats.queries += round.len();
                stats.max_round_queries = stats.max_round_queries.max(round.len());
                for stored in batches.into_iter().flatten() {
                    stats.items_read += 1;
                    let head: GeoHead<'_> =
                        serde_json::from_str(&stored.doc).map_err(|source| {
                            StoreError::Corrupt {
                                pk: stored.key.pk.clone(),
                                sk: stored.key.sk.clone(),
                                source,
                            }
                        })?;
                    let distance_m = geo::haversine_m(lat, lng, head.a, head.o);
                    if distance_m > radius
                        || covered.is_some_and(|d| distance_m <= d)
                        || seen.contains(head.i.as_ref())
                    {
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
                    seen.insert(id.clone());
                    candidates.push(Candidate {
                        distance_m,
                        id,
                        pk: stored.key.pk,
                        doc: stored.doc,
                        open_now,
                    });
                }
            }
            // The density this page has read, once it has read anything: after an empty ring,
            // at most one entry in the area read (a hint from the cursor only steers the first
            // ring).
            area_read += plan.area_m2;
            area_per_entry = Some(area_read / stats.items_read.max(1) as f64);
            covered = Some(outer);
            candidates.sort_by(|a, b| {
                a.distance_m
                    .total_cmp(&b.distance_m)
                    .then_with(|| a.id.cmp(&b.id))
            });
            let kth = candidates.get(wanted - 1).map(|c| c.distance_m);
            if outer >= radius || kth.is_some_and(|d| d <= outer) {
                break;
            }
            let found = candidates.iter().filter(|c| c.distance_m <= outer).count();
            outer = geo::next_outer(start, outer, radius, found, wanted)
                .min(kth.unwrap_or(f64::INFINITY));
        }
        let covered = covered.unwrap_or(start);
        let found = candidates
            .iter()
            .filter(|c| c.distance_m <= covered)
            .count();
        let band = std::f64::consts::PI * (covered * covered - start * start);
        let as_hint = |area: f64| {
            (area.is_finite() && area >= 1.0).then(|| area.min(MAX_HINT_AREA_M2 as f64) as u64)
        };
        let hint = NearbyHint {
            area_per_result_m2: (found > 0).then(|| as_hint(band / found as f64)).flatten(),
            area_per_entry_m2: area_per_entry.and_then(as_hint),
        };
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
                Ok(NearbyKey::new(last.distance_m, id).hinted(hint))
            })
            .transpose()?;
        Ok(NearbyPage {
            items,
            next,
            hint,
            stats,
        })
    }
}
