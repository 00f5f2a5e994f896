//! Geography for nearby search: great-circle distance, the geohash grid, and the plan that
//! turns "within `r` metres of a point" into a few range reads on the geo index.
//!
//! # The index
//! Every café is written to the geo index once per [`LEVELS`] entry: in the partition named by
//! its geohash at that precision (`GEO#<cell>`), sorted by its full 12-character geohash. A
//! geohash prefix is a contiguous range of that sort key, so any set of finer cells inside one
//! partition can be read with one range Query per run of consecutive cells.
//!
//! # The plan
//! [`plan`] covers the search circle with cells at every useful precision `q`, drops cells
//! whose nearest point is farther than the radius, groups the rest by partition at each level
//! `P <= q`, joins consecutive cells into runs, and, while there are more runs than
//! [`MAX_QUERIES`], joins the two runs of one partition with the smallest gap between them. It
//! keeps the cheapest plan (least area read). Partitions are never joined, so a level is only
//! usable when the circle touches at most [`MAX_QUERIES`] of its cells; level 1 (cells of
//! 45° × 45°) always qualifies for radii up to 50 km, including around the poles.
//!
//! The plan is conservative: every point within the radius lies in some planned range. Callers
//! still compute each candidate's exact distance and drop those outside the radius.

use crate::domain::Coordinates;

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Precision of the geohash each index entry is sorted by (about 37 mm × 19 mm).
pub const KEY_PRECISION: u8 = 12;
/// Partition precisions the index is written at, finest first: ~4.9 km, ~156 km and
/// 45° cells. Each café has one index entry per level.
pub const LEVELS: [u8; 3] = [5, 3, 1];
/// Most range reads one search may plan.
pub const MAX_QUERIES: usize = 9;
/// Cells a plan may consider at one precision; finer precisions are skipped beyond it.
const MAX_CELLS: u64 = 4_096;
/// Safety margin for floating-point rounding in the cover (metres); never affects results,
/// which are filtered by exact distance.
const SLACK_M: f64 = 1.0;
const BASE32: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// Great-circle (haversine) distance in metres between two points given in degrees.
pub fn haversine_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

/// Great-circle distance in metres between two coordinates.
pub fn distance_m(a: Coordinates, b: Coordinates) -> f64 {
    haversine_m(a.lat(), a.lng(), b.lat(), b.lng())
}

fn lng_bits(precision: u8) -> u32 {
    (5 * u32::from(precision)).div_ceil(2)
}

fn lat_bits(precision: u8) -> u32 {
    5 * u32::from(precision) / 2
}

/// Index of the grid line at or below `value` in `0..2^bits` (clamped: the top edge belongs to
/// the last cell).
fn grid_index(value: f64, min: f64, span: f64, bits: u32) -> u64 {
    let cells = (1u64 << bits) as f64;
    let raw = ((value - min) / span * cells).floor();
    if raw <= 0.0 {
        0
    } else {
        (raw as u64).min((1u64 << bits) - 1)
    }
}

/// One cell of the geohash grid at some precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    precision: u8,
    /// Column, from longitude −180.
    x: u64,
    /// Row, from latitude −90.
    y: u64,
}

impl Cell {
    fn containing(lat: f64, lng: f64, precision: u8) -> Self {
        Self {
            precision,
            x: grid_index(lng, -180.0, 360.0, lng_bits(precision)),
            y: grid_index(lat, -90.0, 180.0, lat_bits(precision)),
        }
    }

    /// The Z-order (geohash) number: longitude and latitude bits interleaved, longitude first.
    fn z(self) -> u64 {
        let total = 5 * u32::from(self.precision);
        let (mut xb, mut yb) = (lng_bits(self.precision), lat_bits(self.precision));
        let mut z = 0u64;
        for k in 0..total {
            z <<= 1;
            if k % 2 == 0 {
                xb -= 1;
                z |= (self.x >> xb) & 1;
            } else {
                yb -= 1;
                z |= (self.y >> yb) & 1;
            }
        }
        z
    }

    /// The cell whose Z-order number at `precision` is `z` (the inverse of [`Cell::z`]).
    fn from_z(z: u64, precision: u8) -> Self {
        let total = 5 * u32::from(precision);
        let (mut x, mut y) = (0u64, 0u64);
        for k in 0..total {
            let bit = (z >> (total - 1 - k)) & 1;
            if k % 2 == 0 {
                x = (x << 1) | bit;
            } else {
                y = (y << 1) | bit;
            }
        }
        Self { precision, x, y }
    }

    /// `(lat_lo, lat_hi, lng_lo, lng_hi)` in degrees.
    fn bounds(self) -> (f64, f64, f64, f64) {
        let w = 360.0 / (1u64 << lng_bits(self.precision)) as f64;
        let h = 180.0 / (1u64 << lat_bits(self.precision)) as f64;
        let lng_lo = self.x as f64 * w - 180.0;
        let lat_lo = self.y as f64 * h - 90.0;
        (lat_lo, lat_lo + h, lng_lo, lng_lo + w)
    }
}

/// The geohash of Z-order number `z` at `precision`.
fn geohash(z: u64, precision: u8) -> String {
    (0..precision)
        .rev()
        .map(|i| char::from(BASE32[((z >> (5 * u32::from(i))) & 31) as usize]))
        .collect()
}

/// The Z-order number of a geohash (its precision is its length); `None` for anything that is
/// not a geohash of 1–12 characters.
fn z_of(geohash: &str) -> Option<u64> {
    if geohash.is_empty() || geohash.len() > usize::from(KEY_PRECISION) {
        return None;
    }
    geohash.bytes().try_fold(0u64, |z, c| {
        let digit = BASE32.iter().position(|&b| b == c)?;
        Some((z << 5) | digit as u64)
    })
}

/// The geohash of `at` at `precision` (1–12).
pub fn cell_key(at: Coordinates, precision: u8) -> String {
    let precision = precision.clamp(1, KEY_PRECISION);
    geohash(
        Cell::containing(at.lat(), at.lng(), precision).z(),
        precision,
    )
}

/// Whether longitude `lng` lies in `[lo, hi]` (allowing for −180 and 180 being one meridian).
fn lng_inside(lng: f64, lo: f64, hi: f64) -> bool {
    (lng - lo).rem_euclid(360.0) <= hi - lo
}

/// Distance in metres from `(lat, lng)` to the nearest point of the meridian segment at
/// `edge_lng` between `lat_lo` and `lat_hi`.
fn meridian_distance_m(lat: f64, lng: f64, edge_lng: f64, lat_lo: f64, lat_hi: f64) -> f64 {
    // Along the meridian, cos(d) = A·sin(φ') + B·cos(φ') = C·cos(φ' − θ): largest (nearest)
    // at φ' = θ, falling off on both sides, so the nearest point is θ clamped or an end.
    let phi = lat.to_radians();
    let a = phi.sin();
    let b = phi.cos() * (edge_lng - lng).to_radians().cos();
    let theta = a.atan2(b).to_degrees();
    [lat_lo, lat_hi, theta.clamp(lat_lo, lat_hi)]
        .into_iter()
        .map(|p| haversine_m(lat, lng, p, edge_lng))
        .fold(f64::INFINITY, f64::min)
}

/// Distance in metres from `(lat, lng)` to the nearest point of `cell` (0 inside it).
fn cell_distance_m(lat: f64, lng: f64, cell: Cell) -> f64 {
    let (lat_lo, lat_hi, lng_lo, lng_hi) = cell.bounds();
    if lng_inside(lng, lng_lo, lng_hi) {
        // Same meridian: the nearest point is straight north or south.
        if lat < lat_lo {
            haversine_m(lat, lng, lat_lo, lng)
        } else if lat > lat_hi {
            haversine_m(lat, lng, lat_hi, lng)
        } else {
            0.0
        }
    } else {
        // Along a parallel, distance grows with the longitude difference, so the nearest point
        // is on one of the two meridian edges.
        meridian_distance_m(lat, lng, lng_lo, lat_lo, lat_hi)
            .min(meridian_distance_m(lat, lng, lng_hi, lat_lo, lat_hi))
    }
}

/// An upper bound, in metres, on the distance from `(lat, lng)` to any point of `cell`: the
/// distance to the cell's midpoint plus the midpoint's distance to its farthest corner (the
/// farthest point of a latitude/longitude rectangle from its own midpoint is a corner: along a
/// parallel distance grows with the longitude difference, along a meridian away from the
/// nearest latitude, and an interior maximum could be pushed further out).
fn cell_max_distance_m(lat: f64, lng: f64, cell: Cell) -> f64 {
    let (lat_lo, lat_hi, lng_lo, lng_hi) = cell.bounds();
    let (mid_lat, mid_lng) = ((lat_lo + lat_hi) / 2.0, (lng_lo + lng_hi) / 2.0);
    let half = [
        (lat_lo, lng_lo),
        (lat_lo, lng_hi),
        (lat_hi, lng_lo),
        (lat_hi, lng_hi),
    ]
    .into_iter()
    .map(|(a, o)| haversine_m(mid_lat, mid_lng, a, o))
    .fold(0.0, f64::max);
    haversine_m(lat, lng, mid_lat, mid_lng) + half
}

/// The latitude band and longitude intervals (degrees) holding every point within
/// `radius_m` of `(lat, lng)`.
fn bounding_box(lat: f64, lng: f64, radius_m: f64) -> ((f64, f64), Vec<(f64, f64)>) {
    let delta = (radius_m + SLACK_M) / EARTH_RADIUS_M;
    let delta_deg = delta.to_degrees();
    let (lat_lo, lat_hi) = (lat - delta_deg, lat + delta_deg);
    let full = vec![(-180.0, 180.0)];
    if lat_lo <= -90.0 || lat_hi >= 90.0 || delta >= std::f64::consts::FRAC_PI_2 {
        // A pole is inside the circle: every longitude is.
        return ((lat_lo.max(-90.0), lat_hi.min(90.0)), full);
    }
    let ratio = delta.sin() / lat.to_radians().cos();
    if ratio >= 1.0 {
        return ((lat_lo, lat_hi), full);
    }
    let dlng = ratio.asin().to_degrees() + 1e-9;
    let (lo, hi) = (lng - dlng, lng + dlng);
    let lngs = if dlng >= 180.0 {
        full
    } else if lo < -180.0 {
        vec![(lo + 360.0, 180.0), (-180.0, hi)]
    } else if hi > 180.0 {
        vec![(lo, 180.0), (-180.0, hi - 360.0)]
    } else {
        vec![(lo, hi)]
    };
    ((lat_lo, lat_hi), lngs)
}

/// One range read on the geo index: partition `GEO#<partition>`, sort keys from `from` up to
/// and including every key that starts with `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRange {
    /// Geohash of the partition cell (its length is the level).
    pub partition: String,
    /// Geohash prefix of the first cell read.
    pub from: String,
    /// Geohash prefix of the last cell read.
    pub to: String,
}

/// What a search reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The index level read (partition precision).
    pub level: u8,
    /// Precision of the cells the ranges are made of.
    pub precision: u8,
    /// The range reads, in Z order: at most [`MAX_QUERIES`] per round (see [`Plan::rounds`]).
    pub ranges: Vec<CellRange>,
    /// The area of the cells read, square metres (an estimate: every cell measured at the
    /// centre's latitude). Times the density of index entries, what the plan will read.
    pub area_m2: f64,
}

impl Plan {
    /// The ranges in rounds of at most [`MAX_QUERIES`] parallel reads, read one after another.
    pub fn rounds(&self) -> std::slice::Chunks<'_, CellRange> {
        self.ranges.chunks(MAX_QUERIES)
    }
}

/// A candidate plan with its cost: grid cells read (at its precision) times their area.
struct Candidate {
    plan: Plan,
    cost: f64,
}

/// Runs of consecutive Z numbers per partition, joined until at most `budget` remain. `None`
/// when the cells span more than `budget` partitions.
fn runs(zs: &[u64], shift: u32, budget: usize) -> Option<Vec<(u64, u64)>> {
    // zs is sorted, so cells of one partition are adjacent.
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut partitions = 0usize;
    for &z in zs {
        match runs.last_mut() {
            Some((_, hi)) if *hi + 1 == z && (*hi >> shift) == (z >> shift) => *hi = z,
            last => {
                if last.is_none_or(|(_, hi)| (*hi >> shift) != (z >> shift)) {
                    partitions += 1;
                }
                runs.push((z, z));
            }
        }
    }
    if partitions > budget {
        return None;
    }
    // Gaps between neighbouring runs of one partition, smallest first; joining a gap leaves the
    // others unchanged, so the cheapest joins are simply the smallest gaps.
    let mut gaps: Vec<(u64, usize)> = runs
        .windows(2)
        .enumerate()
        .filter(|(_, w)| (w[0].1 >> shift) == (w[1].0 >> shift))
        .map(|(i, w)| (w[1].0 - w[0].1 - 1, i))
        .collect();
    gaps.sort_unstable();
    let excess = runs.len().saturating_sub(budget);
    let mut join = vec![false; runs.len()];
    for &(_, i) in gaps.iter().take(excess) {
        join[i] = true;
    }
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(budget);
    for (i, run) in runs.iter().enumerate() {
        match out.last_mut() {
            Some(last) if i > 0 && join[i - 1] => last.1 = run.1,
            _ => out.push(*run),
        }
    }
    Some(out)
}

/// Plans the range reads that find every indexed point within `radius_m` of `centre`.
pub fn plan(centre: Coordinates, radius_m: f64) -> Plan {
    plan_ring(centre, 0.0, radius_m)
}

/// Plans the range reads that find every indexed point whose distance from `centre` lies in
/// `[inner_m, radius_m]`: as [`plan`], but cells lying wholly nearer than `inner_m` are left out
/// (an expanding search has read them already). Points nearer than `inner_m` may still be
/// returned (cells straddling the inner circle are read whole). One round: at most
/// [`MAX_QUERIES`] ranges.
pub fn plan_ring(centre: Coordinates, inner_m: f64, radius_m: f64) -> Plan {
    let mut plans = plan_ring_rounds(centre, inner_m, radius_m, 1);
    plans.swap_remove(0)
}

/// Converts an area in square degrees at latitude `lat` to square metres (an estimate).
fn square_metres(square_degrees: f64, lat: f64) -> f64 {
    let metres_per_degree = EARTH_RADIUS_M.to_radians();
    square_degrees * metres_per_degree * metres_per_degree * lat.to_radians().cos().max(1e-3)
}

/// The plans for the ring `[inner_m, radius_m]` (as [`plan_ring`]) in one round, two rounds, …
/// up to `rounds` (at least 1): element `n` holds at most `(n + 1) ×` [`MAX_QUERIES`] ranges.
/// More rounds let the ranges follow a thin ring closely instead of joining across the inner
/// disk, which was read already: fewer entries read for one more round trip.
pub fn plan_ring_rounds(
    centre: Coordinates,
    inner_m: f64,
    radius_m: f64,
    rounds: usize,
) -> Vec<Plan> {
    let rounds = rounds.max(1);
    let (lat, lng) = (centre.lat(), centre.lng());
    let radius_m = radius_m.max(0.0);
    let inner_m = inner_m.min(radius_m) - SLACK_M;
    let ((lat_lo, lat_hi), lngs) = bounding_box(lat, lng, radius_m);
    let mut best: Vec<Option<Candidate>> = (0..rounds).map(|_| None).collect();
    for q in 1..=KEY_PRECISION {
        let (xb, yb) = (lng_bits(q), lat_bits(q));
        let y_lo = grid_index(lat_lo, -90.0, 180.0, yb);
        let y_hi = grid_index(lat_hi, -90.0, 180.0, yb);
        let mut columns: Vec<(u64, u64)> = lngs
            .iter()
            .map(|&(lo, hi)| {
                (
                    grid_index(lo, -180.0, 360.0, xb),
                    grid_index(hi, -180.0, 360.0, xb),
                )
            })
            .collect();
        columns.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (lo, hi) in columns {
            match merged.last_mut() {
                Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        let width: u64 = merged.iter().map(|(lo, hi)| hi - lo + 1).sum();
        if width.saturating_mul(y_hi - y_lo + 1) > MAX_CELLS {
            break;
        }
        let mut zs: Vec<u64> = Vec::new();
        for &(x_lo, x_hi) in &merged {
            for x in x_lo..=x_hi {
                for y in y_lo..=y_hi {
                    let cell = Cell { precision: q, x, y };
                    if cell_distance_m(lat, lng, cell) <= radius_m + SLACK_M
                        && (inner_m <= 0.0 || cell_max_distance_m(lat, lng, cell) >= inner_m)
                    {
                        zs.push(cell.z());
                    }
                }
            }
        }
        zs.sort_unstable();
        let area = (360.0 / (1u64 << xb) as f64) * (180.0 / (1u64 << yb) as f64);
        for level in LEVELS.into_iter().filter(|level| *level <= q) {
            let shift = 5 * u32::from(q - level);
            for (n, slot) in best.iter_mut().enumerate() {
                let Some(runs) = runs(&zs, shift, MAX_QUERIES * (n + 1)) else {
                    continue;
                };
                let cells: u64 = runs.iter().map(|(lo, hi)| hi - lo + 1).sum();
                let cost = cells as f64 * area;
                // Prefer cheaper plans; on a tie, the finer level (smaller, cooler partitions).
                if slot.as_ref().is_none_or(|b| {
                    cost < b.cost * (1.0 - 1e-9) || (cost <= b.cost && level > b.plan.level)
                }) {
                    let ranges = runs
                        .iter()
                        .map(|&(lo, hi)| CellRange {
                            partition: geohash(lo >> shift, level),
                            from: geohash(lo, q),
                            to: geohash(hi, q),
                        })
                        .collect();
                    *slot = Some(Candidate {
                        plan: Plan {
                            level,
                            precision: q,
                            ranges,
                            area_m2: square_metres(cost, lat),
                        },
                        cost,
                    });
                }
            }
        }
    }
    // Precision 1 at level 1 always fits: at most 32 cells, one range each, and a circle of
    // up to 50 km touches at most eight of them.
    best.into_iter()
        .map(|b| {
            b.map_or_else(
                || Plan {
                    level: 1,
                    precision: 1,
                    ranges: (0..32u64)
                        .map(|z| CellRange {
                            partition: geohash(z, 1),
                            from: geohash(z, 1),
                            to: geohash(z, 1),
                        })
                        .collect(),
                    area_m2: square_metres(360.0 * 180.0, 0.0),
                },
                |b| b.plan,
            )
        })
        .collect()
}

/// Area of an expanding search's first round when nothing is known of the density, as the
/// radius of a disk of that area (metres): the first round reads the disk of this radius, or,
/// after a cursor without a hint, the ring of the same area just outside the last result served.
pub const FIRST_RING_M: f64 = 250.0;
/// Each round aims at this many times the area the density seen says is needed.
const RING_MARGIN: f64 = 1.3;
/// Least and greatest growth of the searched area from one round to the next.
const MIN_RING_GROWTH: f64 = 1.5;
const MAX_RING_GROWTH: f64 = 16.0;
/// Growth of the searched area after a round that found nothing.
const EMPTY_RING_GROWTH: f64 = 16.0;
/// Most rounds one ring is split into when one round would read more than its budget.
pub const MAX_RING_ROUNDS: usize = 3;
/// Least share of a ring's area a round keeps when the density says it would read too much.
const LEAST_RING_SHARE: f64 = 0.25;
/// A shrunk ring is kept only if it is expected to read at most this share of the whole ring
/// (when cells straddling the inner circle dominate, shrinking saves nothing).
const WORTHWHILE_SHRINK: f64 = 0.8;
/// Least area of a hinted first ring (a disk of 50 m), so a wrong hint costs a few rounds at
/// most.
const LEAST_FIRST_RING_AREA_M2: f64 = std::f64::consts::PI * 50.0 * 50.0;

/// The outer radius of an expanding search's first round, for a search from `start_m` (0, or
/// the distance of the last result served) out to `radius_m`: the ring that holds `wanted`
/// results (with a margin) at `area_per_result_m2` (a cursor's hint, see
/// [`crate::query::NearbyHint`]), or, without one, the ring of [`FIRST_RING_M`]'s disk area.
pub fn first_outer(
    start_m: f64,
    radius_m: f64,
    area_per_result_m2: Option<f64>,
    wanted: usize,
) -> f64 {
    let start_m = start_m.clamp(0.0, radius_m);
    let area = area_per_result_m2
        .filter(|a| a.is_finite() && *a > 0.0)
        .map_or(std::f64::consts::PI * FIRST_RING_M * FIRST_RING_M, |a| {
            (a * wanted as f64 * RING_MARGIN).max(LEAST_FIRST_RING_AREA_M2)
        });
    start_m
        .mul_add(start_m, area / std::f64::consts::PI)
        .sqrt()
        .min(radius_m)
}

/// The outer radius of the next round of an expanding search from `start_m`, which has read
/// everything out to `outer_m` and found `found` of the `wanted` results: the area the density
/// seen so far says holds `wanted` results, with a margin, growing the searched area at least
/// 1.5× and at most 16× (16× when nothing was found), never past `radius_m`.
pub fn next_outer(start_m: f64, outer_m: f64, radius_m: f64, found: usize, wanted: usize) -> f64 {
    let start_sq = start_m * start_m;
    let area = (outer_m * outer_m - start_sq).max(1.0);
    let growth = if found == 0 {
        EMPTY_RING_GROWTH
    } else {
        (wanted as f64 / found as f64 * RING_MARGIN).clamp(MIN_RING_GROWTH, MAX_RING_GROWTH)
    };
    area.mul_add(growth, start_sq)
        .sqrt()
        .max(outer_m)
        .min(radius_m)
}

/// The plan for one step of an expanding search, the ring `[inner_m, outer_m]`, and the outer
/// radius it actually reaches. With the density of index entries known (`area_per_entry_m2`),
/// a plan is expected to read its cells' area divided by it: the ring is read in the fewest
/// rounds (up to [`MAX_RING_ROUNDS`], each ≤ [`MAX_QUERIES`] ranges) expected to read at most
/// `budget` entries; when even the most rounds would read more, the ring shrinks once to the
/// share of its area the budget allows (never below a quarter, so a search always advances),
/// if that is expected to read clearly less. Without a density, one round of the whole ring.
pub fn plan_step(
    centre: Coordinates,
    inner_m: f64,
    outer_m: f64,
    area_per_entry_m2: Option<f64>,
    budget: f64,
) -> (Plan, f64) {
    let Some(per_entry) = area_per_entry_m2.filter(|a| a.is_finite() && *a > 0.0) else {
        return (plan_ring(centre, inner_m, outer_m), outer_m);
    };
    let estimate = |p: &Plan| p.area_m2 / per_entry;
    let pick = |mut plans: Vec<Plan>| {
        let at = plans
            .iter()
            .position(|p| estimate(p) <= budget)
            .unwrap_or(plans.len() - 1);
        plans.swap_remove(at)
    };
    let plans = plan_ring_rounds(centre, inner_m, outer_m, MAX_RING_ROUNDS);
    let least = plans.iter().map(estimate).fold(f64::INFINITY, f64::min);
    if least <= budget || outer_m <= inner_m {
        return (pick(plans), outer_m);
    }
    let inner_sq = inner_m.max(0.0) * inner_m.max(0.0);
    let share = (budget / least).clamp(LEAST_RING_SHARE, 1.0);
    let shrunk = ((outer_m * outer_m - inner_sq) * share + inner_sq)
        .sqrt()
        .clamp(inner_m, outer_m);
    let smaller = plan_ring_rounds(centre, inner_m, shrunk, MAX_RING_ROUNDS);
    let least_smaller = smaller.iter().map(estimate).fold(f64::INFINITY, f64::min);
    if least_smaller <= least * WORTHWHILE_SHRINK {
        (pick(smaller), shrunk)
    } else {
        (pick(plans), outer_m)
    }
}

/// Most pieces the unread remainder of one range read is split into (see
/// [`Piece::remainder`]): at most the child cells of one cell, so a dense cell's nearest
/// children are read first.
pub const MAX_REMAINDER_PIECES: usize = 32;

/// One range read of an expanding search's ring, or the part of one still unread: partition
/// `GEO#<partition>`, the cells `lo..=hi` (Z order) at `precision`, and the least distance at
/// which it may hold an entry the ring still needs ([`Piece::bound_m`]). A search reads the
/// nearest pieces first; a read cut short by its limit leaves [`Piece::remainder`].
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    /// Geohash of the partition cell (its length is the level).
    pub partition: String,
    precision: u8,
    lo: u64,
    hi: u64,
    /// No entry of this piece lies nearer to the centre than this (metres, less a margin for
    /// rounding) but at or beyond the ring's inner radius; never less than the inner radius.
    pub bound_m: f64,
    /// The area of the cells it spans, square metres (measured at the centre's latitude).
    pub area_m2: f64,
    /// Whether it starts inside the cell of the last key a cut read returned: then it is read
    /// strictly after that key.
    pub resumes: bool,
}

impl Piece {
    /// Geohash prefix of the first cell read.
    pub fn from(&self) -> String {
        geohash(self.lo, self.precision)
    }

    /// Geohash prefix of the last cell read.
    pub fn to(&self) -> String {
        geohash(self.hi, self.precision)
    }

    fn cell_area_m2(&self) -> f64 {
        self.area_m2 / (self.hi - self.lo + 1) as f64
    }

    /// The cell at this piece's precision holding `sort_key` (an index sort key: a full
    /// geohash, then anything), clamped into the piece; the piece's first cell when the key
    /// holds no geohash.
    fn cell_of(&self, sort_key: &str) -> u64 {
        let hash = sort_key.get(..usize::from(self.precision)).and_then(z_of);
        hash.map_or(self.lo, |z| z.clamp(self.lo, self.hi))
    }

    /// The area of the cells before the one holding `last_key`: what a read cut short after
    /// that key has read whole.
    pub fn area_read_before_m2(&self, last_key: &str) -> f64 {
        (self.cell_of(last_key) - self.lo) as f64 * self.cell_area_m2()
    }

    /// What is still unread after a read of this piece stopped at `last_key` (its limit was
    /// reached), for the ring `[inner_m, outer_m]` around `centre`: the cells from the one
    /// holding that key to the piece's end, one precision finer (the child cells), joined
    /// into aligned blocks, less the blocks that hold no point of the ring. Blocks nearer
    /// than `needed_m` (the search's `limit + 1`-th candidate, or the ring's outer radius)
    /// stay pieces of their own, so the nearest is read first; neighbouring blocks beyond it
    /// are joined (they may never be read); then the pieces are joined across the smallest
    /// gaps until at most [`MAX_REMAINDER_PIECES`] are left. Each is bounded by its nearest
    /// block. Empty when nothing the ring needs is left.
    pub fn remainder(
        &self,
        centre: Coordinates,
        last_key: &str,
        (inner_m, outer_m): (f64, f64),
        needed_m: f64,
    ) -> Vec<Piece> {
        let fine = (self.precision + 1).min(KEY_PRECISION);
        let shift = 5 * u32::from(fine - self.precision);
        let start = match last_key.get(..usize::from(fine)).and_then(z_of) {
            Some(z) => z.clamp(self.lo << shift, ((self.hi + 1) << shift) - 1),
            None => self.lo << shift,
        };
        let end = ((self.hi + 1) << shift) - 1;
        let level = u8::try_from(self.partition.len()).unwrap_or(KEY_PRECISION);
        let mut pieces = pieces_of(
            centre,
            &self.partition,
            (start, end, fine),
            level,
            (inner_m, outer_m),
            needed_m,
            MAX_REMAINDER_PIECES,
        );
        if let Some(first) = pieces.first_mut() {
            first.resumes = first.lo == start;
        }
        pieces
    }
}

/// The pieces of `plan`, a plan of the ring `[inner_m, outer_m]` around `centre`: one per
/// range, in the plan's order, each bounded by its nearest cell that holds a point of the
/// ring (ranges are decomposed into aligned blocks for that, so the bound is cheap and
/// conservative).
pub fn ring_pieces(centre: Coordinates, plan: &Plan, inner_m: f64, outer_m: f64) -> Vec<Piece> {
    plan.ranges
        .iter()
        .filter_map(|range| {
            let (lo, hi) = (z_of(&range.from)?, z_of(&range.to)?);
            let whole = pieces_of(
                centre,
                &range.partition,
                (lo, hi, plan.precision),
                plan.level,
                (inner_m, outer_m),
                outer_m,
                1,
            );
            // Keep the range as planned (its ends are cells of the ring), with its bound.
            whole.into_iter().next().map(|piece| Piece {
                lo,
                hi,
                area_m2: piece.cell_area_m2() * (hi - lo + 1) as f64,
                ..piece
            })
        })
        .collect()
}

/// The cells `lo..=hi` at `precision` of one partition as aligned blocks (each as coarse as
/// fits, never coarser than `level`), the blocks holding a point of the ring kept, joined
/// into runs of consecutive blocks and then across the smallest gaps until at most `most`.
fn pieces_of(
    centre: Coordinates,
    partition: &str,
    (lo, hi, precision): (u64, u64, u8),
    level: u8,
    (inner_m, outer_m): (f64, f64),
    needed_m: f64,
    most: usize,
) -> Vec<Piece> {
    let (lat, lng) = (centre.lat(), centre.lng());
    let reach = outer_m + SLACK_M;
    let inner_edge = inner_m - SLACK_M;
    // (first cell, last cell, nearest distance) of each block that holds a point of the
    // ring, at `precision`.
    let mut blocks: Vec<(u64, u64, f64)> = Vec::new();
    let mut at = lo;
    while at <= hi {
        let mut size_bits = 0u32;
        while size_bits < 5 * u32::from(precision.saturating_sub(level)) {
            let bigger = 1u64 << (size_bits + 5);
            if at % bigger != 0 || at + bigger - 1 > hi {
                break;
            }
            size_bits += 5;
        }
        let block = Cell::from_z(at >> size_bits, precision - (size_bits / 5) as u8);
        let next = at + (1u64 << size_bits);
        let near = cell_distance_m(lat, lng, block);
        if near <= reach
            && (inner_edge <= 0.0 || cell_max_distance_m(lat, lng, block) >= inner_edge)
        {
            blocks.push((at, next - 1, near));
        }
        at = next;
    }
    // Neighbouring blocks that are both needed (nearer than `needed_m`) or both not are
    // joined: the needed ones are read anyway, the others perhaps never. Then the rest across
    // the smallest gaps until at most `most` runs are left (joining one gap leaves the others
    // unchanged).
    let needed = |near: f64| near < needed_m + SLACK_M;
    let mut join: Vec<bool> = blocks
        .windows(2)
        .map(|w| w[0].1 + 1 == w[1].0 && !needed(w[0].2) && !needed(w[1].2))
        .collect();
    let runs_left = join.iter().filter(|j| !**j).count() + 1;
    let mut gaps: Vec<(u64, usize)> = blocks
        .windows(2)
        .enumerate()
        .filter(|(i, _)| !join[*i])
        .map(|(i, w)| (w[1].0 - w[0].1 - 1, i))
        .collect();
    gaps.sort_unstable();
    for &(_, i) in gaps.iter().take(runs_left.saturating_sub(most.max(1))) {
        join[i] = true;
    }
    join.push(false);
    let mut runs: Vec<(u64, u64, f64)> = Vec::with_capacity(most);
    for (i, block) in blocks.into_iter().enumerate() {
        match runs.last_mut() {
            Some(run) if i > 0 && join[i - 1] => {
                run.1 = block.1;
                run.2 = run.2.min(block.2);
            }
            _ => runs.push(block),
        }
    }
    let cell_area = square_metres(
        (360.0 / (1u64 << lng_bits(precision)) as f64)
            * (180.0 / (1u64 << lat_bits(precision)) as f64),
        lat,
    );
    runs.into_iter()
        .map(|(lo, hi, near)| Piece {
            partition: partition.to_owned(),
            precision,
            lo,
            hi,
            bound_m: (near - SLACK_M).max(inner_m).min(outer_m),
            area_m2: cell_area * (hi - lo + 1) as f64,
            resumes: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(lat: f64, lng: f64) -> Coordinates {
        Coordinates::new(lat, lng).expect("valid coordinates")
    }

    #[test]
    fn geohashes_match_the_published_examples() {
        // Examples from the geohash literature.
        assert_eq!(cell_key(at(57.64911, 10.40744), 11), "u4pruydqqvj");
        assert_eq!(cell_key(at(42.6, -5.6), 5), "ezs42");
        assert_eq!(cell_key(at(-90.0, -180.0), 3), "000");
        assert_eq!(cell_key(at(90.0, 180.0), 3), "zzz");
    }

    #[test]
    fn distances_match_known_values() {
        // Paris to London is about 343.6 km; a degree of latitude about 111.2 km.
        let d = distance_m(at(48.8566, 2.3522), at(51.5074, -0.1278));
        assert!((d - 343_560.0).abs() < 1_000.0, "{d}");
        let d = haversine_m(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
        // Across the antimeridian, the short way round.
        let d = haversine_m(0.0, 179.999, 0.0, -179.999);
        assert!((d - 222.4).abs() < 1.0, "{d}");
    }

    #[test]
    fn plans_stay_within_the_query_budget() {
        for (lat, lng) in [
            (0.0, 0.0),
            (51.5074, -0.1278),
            (-33.8688, 151.2093),
            (89.99, 10.0),
            (-89.999, 0.0),
            (0.0, 180.0),
            (65.0, -179.99),
            (78.0, 15.0),
        ] {
            for radius in [1.0, 100.0, 1_000.0, 2_000.0, 5_000.0, 20_000.0, 50_000.0] {
                let plan = plan(at(lat, lng), radius);
                assert!(
                    !plan.ranges.is_empty() && plan.ranges.len() <= MAX_QUERIES,
                    "{lat},{lng} r={radius}: {} ranges",
                    plan.ranges.len()
                );
            }
        }
    }

    /// Whether a point is read by the plan: its partition is planned and its key is in range.
    fn covered(plan: &Plan, point: Coordinates) -> bool {
        let partition = cell_key(point, plan.level);
        let key = cell_key(point, KEY_PRECISION);
        plan.ranges.iter().any(|r| {
            r.partition == partition
                && key.as_str() >= r.from.as_str()
                && &key[..r.to.len()] <= r.to.as_str()
        })
    }

    /// A point at `distance_m` from `(lat, lng)` on `bearing` degrees.
    fn destination(lat: f64, lng: f64, bearing: f64, distance: f64) -> (f64, f64) {
        let d = distance / EARTH_RADIUS_M;
        let (p1, l1, b) = (lat.to_radians(), lng.to_radians(), bearing.to_radians());
        let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
        let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
        let lng2 = (l2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
        (p2.to_degrees().clamp(-90.0, 90.0), lng2)
    }

    /// Points of `cell` at the given fractions `(u, v)` of its latitude and longitude spans.
    fn points_in(cell: Cell, samples: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (lat_lo, lat_hi, lng_lo, lng_hi) = cell.bounds();
        samples.iter().map(move |(u, v)| {
            (
                lat_lo + u * (lat_hi - lat_lo),
                lng_lo + v * (lng_hi - lng_lo),
            )
        })
    }

    fn centre() -> impl Strategy<Value = (f64, f64)> {
        prop_oneof![
            (-90.0..=90.0f64, -180.0..=180.0f64),
            // The antimeridian, the poles, the equator.
            (
                -80.0..=80.0f64,
                prop_oneof![179.0..=180.0f64, -180.0..=-179.0f64]
            ),
            (
                prop_oneof![85.0..=90.0f64, -90.0..=-85.0f64],
                -180.0..=180.0f64
            ),
            (-0.5..=0.5f64, -180.0..=180.0f64),
            // Exactly on cell boundaries of several precisions.
            (-8i32..=8, -16i32..=16)
                .prop_map(|(a, b)| (f64::from(a) * 5.625, f64::from(b) * 5.625)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every point within the radius is read by the plan, whatever the centre.
        #[test]
        fn plans_cover_every_point_in_the_circle(
            (lat, lng) in centre(),
            radius in prop_oneof![1.0..=100.0f64, 100.0..=5_000.0f64, 5_000.0..=50_000.0f64],
            probes in proptest::collection::vec((0.0..360.0f64, 0.0..=1.0f64), 64),
        ) {
            let plan = plan(at(lat, lng), radius);
            prop_assert!(plan.ranges.len() <= MAX_QUERIES);
            for (bearing, fraction) in probes {
                let (plat, plng) = destination(lat, lng, bearing, radius * fraction);
                let point = at(plat, plng);
                if haversine_m(lat, lng, plat, plng) <= radius {
                    prop_assert!(covered(&plan, point), "{plat},{plng} not covered by {plan:?}");
                }
            }
            // The centre itself and the exact rim points.
            prop_assert!(covered(&plan, at(lat, lng)));
        }

        /// A ring plan covers every point whose distance lies between its inner and outer
        /// radius, and never needs more than the query budget.
        #[test]
        fn ring_plans_cover_every_point_in_the_ring(
            (lat, lng) in centre(),
            outer in prop_oneof![1.0..=100.0f64, 100.0..=5_000.0f64, 5_000.0..=50_000.0f64],
            inner_fraction in prop_oneof![Just(0.0f64), 0.0..=1.0f64, 0.95..=1.0f64],
            probes in proptest::collection::vec((0.0..360.0f64, 0.0..=1.0f64), 64),
        ) {
            let inner = outer * inner_fraction;
            let plans = plan_ring_rounds(at(lat, lng), inner, outer, MAX_RING_ROUNDS);
            prop_assert_eq!(plans.len(), MAX_RING_ROUNDS);
            prop_assert_eq!(&plans[0], &plan_ring(at(lat, lng), inner, outer));
            for (n, plan) in plans.iter().enumerate() {
                // Element n is read in at most n + 1 rounds of at most MAX_QUERIES ranges.
                prop_assert!(plan.rounds().count() <= n + 1);
                prop_assert!(plan.rounds().all(|r| r.len() <= MAX_QUERIES));
                prop_assert!(plan.area_m2 > 0.0);
            }
            // More rounds never read more.
            prop_assert!(plans.windows(2).all(|w| w[1].area_m2 <= w[0].area_m2 * (1.0 + 1e-6)));
            for (bearing, fraction) in probes {
                let distance = inner + (outer - inner) * fraction;
                let (plat, plng) = destination(lat, lng, bearing, distance);
                let d = haversine_m(lat, lng, plat, plng);
                if d >= inner && d <= outer {
                    for plan in &plans {
                        prop_assert!(
                            covered(plan, at(plat, plng)),
                            "{plat},{plng} at {d} m not covered by {plan:?}"
                        );
                    }
                }
            }
        }

        /// A search step covers the ring out to the radius it says it reached, which advances
        /// past the inner radius by at least a quarter of the ring's area and never passes the
        /// outer radius asked for; every round stays within the query budget.
        #[test]
        fn search_steps_cover_what_they_reach(
            (lat, lng) in centre(),
            outer in prop_oneof![1.0..=100.0f64, 100.0..=5_000.0f64, 5_000.0..=50_000.0f64],
            inner_fraction in prop_oneof![Just(0.0f64), 0.0..=1.0f64],
            per_entry in prop_oneof![Just(None), (1.0..=1e9f64).prop_map(Some)],
            budget in 2.0..=400.0f64,
            probes in proptest::collection::vec((0.0..360.0f64, 0.0..=1.0f64), 32),
        ) {
            let inner = outer * inner_fraction;
            let (plan, reached) = plan_step(at(lat, lng), inner, outer, per_entry, budget);
            prop_assert!(reached <= outer && reached >= inner);
            prop_assert!(
                reached * reached - inner * inner
                    >= LEAST_RING_SHARE * (outer * outer - inner * inner) * (1.0 - 1e-9)
            );
            // Without a density there is nothing to shrink by.
            prop_assert!(per_entry.is_some() || reached == outer);
            prop_assert!(plan.rounds().count() <= MAX_RING_ROUNDS);
            prop_assert!(plan.rounds().all(|r| r.len() <= MAX_QUERIES));
            for (bearing, fraction) in probes {
                let distance = inner + (reached - inner) * fraction;
                let (plat, plng) = destination(lat, lng, bearing, distance);
                let d = haversine_m(lat, lng, plat, plng);
                if d >= inner && d <= reached {
                    prop_assert!(covered(&plan, at(plat, plng)), "{plat},{plng} at {d} m");
                }
            }
        }

        /// The pieces of a ring plan hold every point of the ring, each in a piece whose
        /// bound is no farther than the point; a read of a piece cut after any key leaves a
        /// remainder that holds every point of the ring after that key, again within its
        /// bound, in at most [`MAX_REMAINDER_PIECES`] pieces.
        #[test]
        fn pieces_and_remainders_hold_the_ring_within_their_bounds(
            (lat, lng) in centre(),
            outer in prop_oneof![1.0..=100.0f64, 100.0..=5_000.0f64, 5_000.0..=50_000.0f64],
            inner_fraction in prop_oneof![Just(0.0f64), 0.0..=1.0f64],
            rounds in 1usize..=MAX_RING_ROUNDS,
            cut in (0.0..360.0f64, 0.0..=1.0f64),
            needed_fraction in 0.0..=1.0f64,
            probes in proptest::collection::vec((0.0..360.0f64, 0.0..=1.0f64), 48),
        ) {
            let centre = at(lat, lng);
            let inner = outer * inner_fraction;
            let needed = inner + (outer - inner) * needed_fraction;
            let plan = plan_ring_rounds(centre, inner, outer, rounds).swap_remove(rounds - 1);
            let pieces = ring_pieces(centre, &plan, inner, outer);
            prop_assert!(pieces.len() <= plan.ranges.len());
            let holds = |piece: &Piece, key: &str, partition: &str| {
                piece.partition == partition
                    && key >= piece.from().as_str()
                    && key[..piece.to().len()] <= *piece.to().as_str()
            };
            // A cut after the key of some point of the ring.
            let (cb, cf) = cut;
            let (clat, clng) = destination(lat, lng, cb, inner + (outer - inner) * cf);
            let points: Vec<(f64, f64, f64)> = probes
                .into_iter()
                .map(|(bearing, fraction)| {
                    let (plat, plng) = destination(lat, lng, bearing, inner + (outer - inner) * fraction);
                    (plat, plng, haversine_m(lat, lng, plat, plng))
                })
                .filter(|&(_, _, d)| d >= inner && d <= outer)
                .collect();
            for &(plat, plng, d) in &points {
                let key = cell_key(at(plat, plng), KEY_PRECISION);
                let home = cell_key(at(plat, plng), plan.level);
                let holder = pieces.iter().find(|p| holds(p, &key, &home));
                prop_assert!(holder.is_some(), "{plat},{plng} at {d} m in no piece of {pieces:?}");
                prop_assert!(holder.is_some_and(|p| p.bound_m <= d && p.bound_m >= inner.min(outer)));
            }
            let cut_key = format!("{}#cafe", cell_key(at(clat, clng), KEY_PRECISION));
            let cut_home = cell_key(at(clat, clng), plan.level);
            let Some(piece) = pieces.iter().find(|p| holds(p, &cut_key, &cut_home)) else {
                return Ok(());
            };
            let rest = piece.remainder(centre, &cut_key, (inner, outer), needed);
            prop_assert!(rest.len() <= MAX_REMAINDER_PIECES);
            prop_assert!(rest.iter().skip(1).all(|p| !p.resumes));
            prop_assert!(piece.area_read_before_m2(&cut_key) <= piece.area_m2);
            for &(plat, plng, d) in &points {
                let key = format!("{}#dafe", cell_key(at(plat, plng), KEY_PRECISION));
                let home = cell_key(at(plat, plng), plan.level);
                if !holds(piece, &key, &home) || key <= cut_key {
                    continue;
                }
                let holder = rest.iter().find(|p| holds(p, &key, &home));
                prop_assert!(holder.is_some(), "{plat},{plng} at {d} m after {cut_key} in no piece of {rest:?}");
                prop_assert!(holder.is_some_and(|p| p.bound_m <= d && (!p.resumes || key.as_str() > cut_key.as_str())));
            }
        }

        /// A hinted first ring is the ring that holds the wanted results at the hinted density
        /// (with the margin), never past the radius; without a hint, the fixed first ring.
        #[test]
        fn first_rings_follow_the_hint(
            radius in 1.0..=50_000.0f64,
            start_fraction in 0.0..=1.0f64,
            per_result in prop_oneof![Just(None), (1.0..=1e10f64).prop_map(Some)],
            wanted in 2usize..=51,
        ) {
            let start = radius * start_fraction;
            let outer = first_outer(start, radius, per_result, wanted);
            prop_assert!(outer >= start && outer <= radius);
            let area = per_result.map_or(
                std::f64::consts::PI * FIRST_RING_M * FIRST_RING_M,
                |a| (a * wanted as f64 * RING_MARGIN).max(LEAST_FIRST_RING_AREA_M2),
            );
            let expected = (start * start + area / std::f64::consts::PI).sqrt().min(radius);
            prop_assert!((outer - expected).abs() <= 1e-6 * expected.max(1.0));
        }

        /// The upper bound on the distance to a cell is never less than the distance to any
        /// point inside it (so leaving out a cell wholly inside the inner circle loses nothing).
        #[test]
        fn cell_max_distance_is_an_upper_bound(
            (lat, lng) in centre(),
            (clat, clng) in (-90.0..=90.0f64, -180.0..=180.0f64),
            precision in 1u8..=8,
            samples in proptest::collection::vec((0.0..=1.0f64, 0.0..=1.0f64), 16),
        ) {
            let cell = Cell::containing(clat, clng, precision);
            let bound = cell_max_distance_m(lat, lng, cell);
            for (plat, plng) in points_in(cell, &samples) {
                prop_assert!(bound + 1e-6 >= haversine_m(lat, lng, plat, plng));
            }
        }

        /// The expanding search's radii grow (the searched area at least 1.5× per round, so a
        /// search ends) and never pass the search radius.
        #[test]
        fn rings_grow_and_stay_within_the_radius(
            radius in 1.0..=50_000.0f64,
            start_fraction in prop_oneof![Just(0.0f64), 0.0..=1.0f64],
            found in proptest::collection::vec(0usize..=60, 1..40),
            wanted in 1usize..=51,
        ) {
            let start = radius * start_fraction;
            let mut outer = first_outer(start, radius, None, wanted);
            prop_assert!(outer >= start && outer <= radius);
            let mut seen = 0;
            for f in found {
                if outer >= radius {
                    break;
                }
                seen += f;
                let next = next_outer(start, outer, radius, seen, wanted);
                prop_assert!(next <= radius);
                prop_assert!(
                    next >= radius
                        || next * next - start * start
                            >= 1.5 * (outer * outer - start * start) * (1.0 - 1e-9),
                    "{outer} -> {next}"
                );
                outer = next;
            }
        }

        /// The nearest-point distance to a cell is never more than the distance to any point
        /// inside it (so pruning a cell never loses a point).
        #[test]
        fn cell_distance_is_a_lower_bound(
            (lat, lng) in centre(),
            (clat, clng) in (-90.0..=90.0f64, -180.0..=180.0f64),
            precision in 1u8..=8,
            samples in proptest::collection::vec((0.0..=1.0f64, 0.0..=1.0f64), 16),
        ) {
            let cell = Cell::containing(clat, clng, precision);
            let bound = cell_distance_m(lat, lng, cell);
            for (plat, plng) in points_in(cell, &samples) {
                prop_assert!(bound <= haversine_m(lat, lng, plat, plng) + 1e-6);
            }
        }
    }
}
