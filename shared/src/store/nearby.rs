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

use serde::{Deserialize, Serialize};
use tracing::instrument;

use super::cafe_entry::CompactHours;
use super::doc::{decode, encode};
use super::keys;
use super::table::{Item, ItemTable, RangeRead, SortIndex, SortKeys};
use crate::domain::{Amenity, Cafe, CafeId, CafeSummary, Slug};
use crate::geo;
use crate::ports::{NearbyReader, StoreError};
use crate::query::{
    NearbyCafe, NearbyHint, NearbyKey, NearbyPage, NearbyQuery, NearbyStats, PageKey,
};

/// A geo entry's document, as written. It carries the café's summary (`s`, the same one its
/// list entries hold), so a page's results come out of the index reads alone: no second read
/// of each result's list entry (on DynamoDB a `BatchGetItem` round trip billed 4 KB per item;
/// on SQLite up to 21 random rows of the table).
#[derive(Serialize)]
struct GeoEntry<'a> {
    i: &'a str,
    a: f64,
    o: f64,
    r: f64,
    m: &'a [Slug],
    e: &'a [Amenity],
    h: CompactHours,
    s: &'a CafeSummary,
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

/// A geo entry's hours, for the `openNow` filter (decoded only for entries passing the others).
#[derive(Deserialize)]
struct GeoHours {
    h: CompactHours,
}

/// What a page's result needs from its geo entry beyond [`GeoHead`], in one decode: the hours
/// (used when the query did not filter on them) and the summary, `None` in entries written
/// before they carried one, whose results read it from the café's list entry instead.
#[derive(Deserialize)]
struct GeoTail {
    h: CompactHours,
    s: Option<CafeSummary>,
}

/// The café's geo index entries, one per level, each carrying `summary` (the café's).
pub(super) fn geo_items(cafe: &Cafe, summary: &CafeSummary) -> Result<Vec<Item>, StoreError> {
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
            s: summary,
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
/// The most [`entries_per_match`] says.
const MAX_ENTRIES_PER_MATCH: f64 = 16.0;

/// Entries a filtered page has read in the radius per entry that passed its filter (1 without a
/// filter, and before anything was read; at most [`MAX_ENTRIES_PER_MATCH`]). The page's budget
/// counts matches while ring plans and range reads count entries: each is scaled by this, so a
/// selective filter reads larger rings in fewer rounds instead of many budget-sized ones
/// (rounds per filtered page: mean 8.6 → 4.7, docs/nearby.md).
fn entries_per_match(filtered: bool, stats: &NearbyStats) -> f64 {
    if filtered {
        (stats.in_radius.max(1) as f64 / stats.matched.max(1) as f64)
            .clamp(1.0, MAX_ENTRIES_PER_MATCH)
    } else {
        1.0
    }
}

/// Largest area a cursor's density hint may name (square metres; a 50 km disk is 7.9e9): a
/// hint outside `1..=` this is ignored.
const MAX_HINT_AREA_M2: u64 = 10_000_000_000;

/// A page's entry budget: `PAGE_BUDGET_PER_RESULT × limit + PAGE_BUDGET_OVERHEAD` index
/// entries, shared among the range reads of each round ([`range_limits`]). Once it is spent,
/// each read still gets the floor, so the budget sits below the bound the property test
/// asserts (5 × `limit` + 60) by what a few rounds at the floor read.
const PAGE_BUDGET_PER_RESULT: usize = 4;
const PAGE_BUDGET_OVERHEAD: usize = 30;
/// Fewest entries a range read is asked for, so a search always advances: `limit`, within
/// these bounds. Fewer than about a dozen entries cost DynamoDB no less (a Query is billed
/// in 4 KB units, about 13 entries), but a page of one result cannot afford 9 reads of 8.
const RANGE_LIMIT_FLOOR: usize = 2;
const RANGE_LIMIT_MAX_FLOOR: usize = 8;

/// A piece of a ring still to be read, and the key its last read stopped at when it continues
/// one.
struct Pending {
    piece: geo::Piece,
    after: Option<PageKey>,
}

/// Each read's limit in a round: its share of the `remaining` page budget, weighted by the
/// square root of its area, at least `floor`. (Weighting by area hands a large far piece most
/// of the budget; equal shares cut ordinary large ranges and cost rounds: 2.63 rounds a page
/// against 2.54 by area and 4.2 equal, in the property test's 3,000 cases of seed 1.)
fn range_limits(round: &[Pending], remaining: usize, floor: usize) -> Vec<usize> {
    let weight = |p: &Pending| p.piece.area_m2.sqrt();
    let total: f64 = round.iter().map(weight).sum();
    round
        .iter()
        .map(|p| {
            let share = if total > 0.0 {
                weight(p) / total
            } else {
                1.0 / round.len() as f64
            };
            ((remaining as f64 * share).ceil() as usize).max(floor)
        })
        .collect()
}

/// A café within the radius that passed the filters.
struct Candidate {
    distance_m: f64,
    id: String,
    pk: String,
    doc: String,
    open_now: Option<bool>,
}

fn open_at(pk: &str, hours: &CompactHours, query: &NearbyQuery) -> Result<bool, StoreError> {
    let hours = hours.hours().ok_or_else(|| StoreError::Backend {
        operation: "nearby",
        source: format!("geo entry of {pk} holds invalid opening hours").into(),
    })?;
    Ok(hours.is_open_at(query.at))
}

impl<S: ItemTable> NearbyReader for S {
    #[instrument(skip_all, fields(
        radius_m = query.radius.metres(),
        limit = query.limit.get(),
        rounds, queries, items_read, in_radius, matched,
    ))]
    async fn nearby_cafes(&self, query: &NearbyQuery) -> Result<NearbyPage, StoreError> {
        let radius = f64::from(query.radius.metres());
        let limit = query.limit.get();
        let wanted = limit + 1;
        // An expanding search: rings nearest first, each a set of pieces (range reads) read in
        // rounds of ≤ 9 in parallel, nearest piece first. Each read has a limit (its share of
        // the page's entry budget); a read that reaches it leaves the rest of its range as
        // smaller pieces, each bounded by its nearest cell. After a round, everything out to
        // the ring's outer radius or the nearest unread piece, whichever is nearer
        // (`covered`), has been read. Every entry read is a candidate, also those beyond the
        // ring (cells straddle it): a candidate nearer than `covered` can never be beaten by
        // an unread café, so the search stops once the `limit + 1`-th candidate is within
        // `covered` (or `covered` reaches the radius), and the next ring never needs to go
        // past that candidate. Entries nearer than the previous `covered` were seen whole
        // before and are skipped; those beyond it may have been seen as straddlers, so
        // candidates are also kept apart by id. After a cursor the search starts at the last
        // distance served (everything nearer precedes the cursor), with a first ring sized by
        // the density the previous page saw.
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
        // The entries a page may read before its reads are held to the floor (see
        // `range_limits`).
        let page_budget = PAGE_BUDGET_PER_RESULT * limit + PAGE_BUDGET_OVERHEAD;
        let filtered = filter.brewing_method.is_some()
            || filter.amenity.is_some()
            || filter.min_rating.is_some()
            || filter.open_now;
        // The ring being read and its pieces still unread (whole ranges, or the unread parts
        // of ranges whose read reached its limit).
        let mut ring = (start, outer);
        let mut pending: Vec<Pending> = Vec::new();
        loop {
            if pending.is_empty() {
                let inner = covered.unwrap_or(start);
                let budget =
                    (ROUND_BUDGET_PER_RESULT * wanted) as f64 * entries_per_match(filtered, &stats);
                let (plan, reached) =
                    geo::plan_step(query.centre, inner, outer, area_per_entry, budget);
                ring = (inner, reached);
                pending = geo::ring_pieces(query.centre, &plan, inner, reached)
                    .into_iter()
                    .map(|piece| Pending { piece, after: None })
                    .collect();
            }
            // The nearest pieces first (a stable sort: ties keep the plan's Z order).
            pending.sort_by(|a, b| a.piece.bound_m.total_cmp(&b.piece.bound_m));
            let round: Vec<Pending> = pending
                .drain(..pending.len().min(geo::MAX_QUERIES))
                .collect();
            // With a filter, the budget counts the entries that pass it (the cost is the same
            // in matching cafés: a filter that keeps one in ten reads ten times as many).
            let spent = if filtered {
                stats.matched
            } else {
                stats.items_read
            };
            // A read's limit counts entries read, the budget (with a filter) matches.
            let limits = range_limits(
                &round,
                (page_budget.saturating_sub(spent) as f64 * entries_per_match(filtered, &stats))
                    as usize,
                limit.clamp(RANGE_LIMIT_FLOOR, RANGE_LIMIT_MAX_FLOOR),
            );
            let reads = round
                .iter()
                .zip(&limits)
                .map(|(part, &limit)| RangeRead {
                    index: SortIndex::ByCell,
                    lpk: keys::geo_lpk(&part.piece.partition),
                    from: part.piece.from(),
                    to: keys::by_cell_upper(&part.piece.to()),
                    after: part.after.clone(),
                    limit,
                })
                .collect();
            let batches = self.query_ranges(reads).await?;
            if !round.is_empty() {
                stats.rounds += 1;
                stats.queries += round.len();
                stats.max_round_queries = stats.max_round_queries.max(round.len());
            }
            // Where each read stopped: its length and last key.
            let stops: Vec<(usize, Option<PageKey>)> = batches
                .iter()
                .map(|batch| (batch.len(), batch.last().map(|last| last.key.clone())))
                .collect();
            for stored in batches.into_iter().flatten() {
                stats.items_read += 1;
                let head: GeoHead<'_> =
                    serde_json::from_str(&stored.doc).map_err(|source| StoreError::Corrupt {
                        pk: stored.key.pk.clone(),
                        sk: stored.key.sk.clone(),
                        source,
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
                    let hours: GeoHours = decode(&stored.key.pk, "GEO", &stored.doc)?;
                    let open = open_at(&stored.key.pk, &hours.h, query)?;
                    if !open {
                        continue;
                    }
                    Some(true)
                } else {
                    None
                };
                let id = head.i.into_owned();
                seen.insert(id.clone());
                stats.matched += 1;
                candidates.push(Candidate {
                    distance_m,
                    id,
                    pk: stored.key.pk,
                    doc: stored.doc,
                    open_now,
                });
            }
            candidates.sort_by(|a, b| {
                a.distance_m
                    .total_cmp(&b.distance_m)
                    .then_with(|| a.id.cmp(&b.id))
            });
            let kth = candidates.get(wanted - 1).map(|c| c.distance_m);
            // What is still needed: entries nearer than the `limit + 1`-th candidate (when
            // there is one) within the ring.
            let needed = kth.map_or(ring.1, |d| d.min(ring.1));
            for ((part, limit), (len, last)) in round.iter().zip(limits).zip(stops) {
                match last {
                    // Cut short: the rest of the range is split into what the ring still
                    // needs, each part bounded by its nearest cell.
                    Some(last) if len >= limit => {
                        stats.cut_reads += 1;
                        area_read += part.piece.area_read_before_m2(&last.sort);
                        pending.extend(
                            part.piece
                                .remainder(query.centre, &last.sort, ring, needed)
                                .into_iter()
                                .map(|piece| Pending {
                                    after: piece.resumes.then(|| last.clone()),
                                    piece,
                                }),
                        );
                    }
                    _ => area_read += part.piece.area_m2,
                }
            }
            // The density this page has read, once it has read anything: after an empty round,
            // at most one entry in the area read (a hint from the cursor only steers the first
            // ring).
            area_per_entry = Some(area_read / stats.items_read.max(1) as f64);
            // Everything nearer than the ring's outer radius and than every unread piece has
            // been read.
            let reached = pending
                .iter()
                .map(|p| p.piece.bound_m)
                .fold(ring.1, f64::min)
                .max(covered.unwrap_or(start));
            covered = Some(reached);
            if reached >= radius || kth.is_some_and(|d| d <= reached) {
                break;
            }
            if pending.is_empty() {
                let found = candidates
                    .iter()
                    .filter(|c| c.distance_m <= reached)
                    .count();
                outer = geo::next_outer(start, reached, radius, found, wanted)
                    .min(kth.unwrap_or(f64::INFINITY));
            }
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
        span.record("matched", stats.matched);

        // Each result's summary from its geo entry; entries written before they carried one
        // fall back to one batched read of the cafés' list entries.
        let tails: Vec<GeoTail> = candidates
            .iter()
            .map(|c| decode(&c.pk, "GEO", &c.doc))
            .collect::<Result<_, _>>()?;
        let (hours, mut summaries): (Vec<CompactHours>, Vec<Option<CafeSummary>>) =
            tails.into_iter().map(|t| (t.h, t.s)).unzip();
        let missing: Vec<usize> = (0..summaries.len())
            .filter(|&i| summaries[i].is_none())
            .collect();
        if !missing.is_empty() {
            let keys: Vec<(String, String)> = missing
                .iter()
                .map(|&i| (candidates[i].pk.clone(), keys::list_sk(keys::ALL)))
                .collect();
            let docs = self.get_docs(keys).await?;
            for (&i, doc) in missing.iter().zip(docs) {
                // `None`: deleted between the index read and this one.
                summaries[i] = doc
                    .map(|doc| decode(&candidates[i].pk, &keys::list_sk(keys::ALL), &doc))
                    .transpose()?;
            }
        }
        let mut items = Vec::with_capacity(candidates.len());
        for ((candidate, summary), hours) in candidates.iter().zip(summaries).zip(&hours) {
            let Some(cafe) = summary else {
                tracing::warn!(pk = %candidate.pk, "geo entry without a café summary");
                continue;
            };
            let open_now = match candidate.open_now {
                Some(open) => open,
                None => open_at(&candidate.pk, hours, query)?,
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
