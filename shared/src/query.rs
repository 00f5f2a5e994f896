//! Read requests and pages: what a list endpoint asks the store for and what it gets back.

use serde::{Deserialize, Serialize};

use jiff::Timestamp;

use crate::domain::{
    Amenity, CafeId, CafeSummary, Coordinates, CountryCode, PriceLevel, RoasterId, Slug,
};
use crate::search::SearchText;

/// Smallest page size a client may ask for.
pub const MIN_LIMIT: u32 = 1;
/// Largest page size a client may ask for.
pub const MAX_LIMIT: u32 = 100;
/// Page size when the client does not say.
pub const DEFAULT_LIMIT: u32 = 20;

/// A page size within `MIN_LIMIT..=MAX_LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    /// Accepts `MIN_LIMIT..=MAX_LIMIT`.
    pub fn new(limit: u32) -> Option<Self> {
        (MIN_LIMIT..=MAX_LIMIT)
            .contains(&limit)
            .then_some(Self(limit))
    }

    /// The largest page size.
    pub fn max() -> Self {
        Self(MAX_LIMIT)
    }

    /// The limit as a count.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(DEFAULT_LIMIT)
    }
}

/// Where the next page starts: the sort key and primary key of the last item already served.
///
/// Opaque to clients (it travels inside a signed cursor) and meaningful to both adapters,
/// because they share one key design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageKey {
    /// Value of the index sort attribute of the last item.
    #[serde(rename = "s")]
    pub sort: String,
    /// Partition key of the last item.
    #[serde(rename = "p")]
    pub pk: String,
    /// Sort key of the last item.
    #[serde(rename = "k")]
    pub sk: String,
}

/// One page of results.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Each item's position in its list, in the same order as `items`: a cursor made from
    /// `keys[i]` resumes right after `items[i]`, so a response may end the page early (the list
    /// byte budget, `Reply::list` in the HTTP layer).
    pub keys: Vec<PageKey>,
    /// Present when more items may follow.
    pub next: Option<PageKey>,
}

impl<T> Page<T> {
    /// No items and no next page.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            keys: Vec::new(),
            next: None,
        }
    }

    /// The same page with each item mapped (positions unchanged).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            keys: self.keys,
            next: self.next,
        }
    }
}

/// How to order a café list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CafeSort {
    /// Highest average first, then most reviews, then name.
    Rating,
    /// Alphabetical by name (case-insensitive).
    #[default]
    Name,
    /// Most recently listed first.
    Newest,
}

impl CafeSort {
    /// Parses the `sort` query value.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "rating" => Some(Self::Rating),
            "name" => Some(Self::Name),
            "newest" => Some(Self::Newest),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rating => "rating",
            Self::Name => "name",
            Self::Newest => "newest",
        }
    }
}

/// Filters on the café list. All present filters must match (logical AND).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CafeFilter {
    /// City, compared by slug (`São Paulo` matches `sao-paulo`).
    pub city: Option<Slug>,
    pub country: Option<CountryCode>,
    pub brewing_method: Option<Slug>,
    pub roaster: Option<RoasterId>,
    /// Amenities the café must offer, every one of them (sorted, no duplicates).
    pub amenities: Vec<Amenity>,
    /// Price levels to accept, any one of them (sorted, no duplicates; empty accepts all).
    pub price_levels: Vec<PriceLevel>,
    /// Lowest average rating (0–5). A café without reviews passes only a minimum of 0.
    pub min_rating: Option<f64>,
    /// Only cafés open at this instant, judged in each café's own time zone.
    pub open_at: Option<Timestamp>,
}

impl CafeFilter {
    /// A filter with `amenities` and `price_levels` in canonical order (sorted, deduplicated),
    /// so equal requests scope their cursors equally however the client ordered them.
    pub fn canonical(mut self) -> Self {
        self.amenities.sort();
        self.amenities.dedup();
        self.price_levels.sort();
        self.price_levels.dedup();
        self
    }
}

/// A café list request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CafeQuery {
    pub filter: CafeFilter,
    /// Text search (`q`): when present, results are ordered by relevance and `sort` is unused.
    pub search: Option<SearchText>,
    pub sort: CafeSort,
    pub limit: PageLimit,
    pub after: Option<PageKey>,
}

/// A roaster list request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoasterQuery {
    pub country: Option<CountryCode>,
    /// Text search (`q`): when present, results are ordered by relevance, then name.
    pub search: Option<SearchText>,
    pub limit: PageLimit,
    pub after: Option<PageKey>,
}

/// Smallest nearby-search radius, metres.
pub const MIN_RADIUS_M: u32 = 1;
/// Largest nearby-search radius, metres.
pub const MAX_RADIUS_M: u32 = 50_000;
/// Radius when the client does not say.
pub const DEFAULT_RADIUS_M: u32 = 2_000;
/// Largest nearby page.
pub const MAX_NEARBY_LIMIT: u32 = 50;

/// A search radius within `MIN_RADIUS_M..=MAX_RADIUS_M` metres.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Radius(u32);

impl Radius {
    /// Accepts `MIN_RADIUS_M..=MAX_RADIUS_M`.
    pub fn new(metres: u32) -> Option<Self> {
        (MIN_RADIUS_M..=MAX_RADIUS_M)
            .contains(&metres)
            .then_some(Self(metres))
    }

    /// The radius in metres.
    pub fn metres(self) -> u32 {
        self.0
    }
}

impl Default for Radius {
    fn default() -> Self {
        Self(DEFAULT_RADIUS_M)
    }
}

/// A nearby page size within `MIN_LIMIT..=MAX_NEARBY_LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NearbyLimit(u32);

impl NearbyLimit {
    /// Accepts `MIN_LIMIT..=MAX_NEARBY_LIMIT`.
    pub fn new(limit: u32) -> Option<Self> {
        (MIN_LIMIT..=MAX_NEARBY_LIMIT)
            .contains(&limit)
            .then_some(Self(limit))
    }

    /// The limit as a count.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl Default for NearbyLimit {
    fn default() -> Self {
        Self(DEFAULT_LIMIT)
    }
}

/// Filters on a nearby search. All present filters must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NearbyFilter {
    pub brewing_method: Option<Slug>,
    pub amenity: Option<Amenity>,
    /// Lowest average rating (0–5) a café must have.
    pub min_rating: Option<f64>,
    /// Only cafés open at the query's instant.
    pub open_now: bool,
}

/// What a nearby page saw of the density around its centre, carried in its cursor so the next
/// page can size its first ring for one page (docs/nearby.md, "Later pages"). Only a cost hint:
/// results never depend on it, and a cursor without one (issued before it existed) is served
/// with the first page's ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearbyHint {
    /// Square metres of the searched band per result found in it (filters applied).
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub area_per_result_m2: Option<u64>,
    /// Square metres of the cells read per index entry read (the cost of reading).
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub area_per_entry_m2: Option<u64>,
}

/// Where the next nearby page starts: after this distance, then this id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearbyKey {
    /// The last distance served, as `f64` bits (exact, and ordered like the distance).
    #[serde(rename = "d")]
    pub distance_bits: u64,
    /// The last café served.
    #[serde(rename = "i")]
    pub id: CafeId,
    /// The density the page saw (absent in cursors issued before hints existed).
    #[serde(flatten)]
    pub hint: NearbyHint,
}

impl NearbyKey {
    /// The position after a café at `distance_m`.
    pub fn new(distance_m: f64, id: CafeId) -> Self {
        Self {
            distance_bits: distance_m.to_bits(),
            id,
            hint: NearbyHint::default(),
        }
    }

    /// The same position, carrying `hint` to the next page.
    #[must_use]
    pub fn hinted(self, hint: NearbyHint) -> Self {
        Self { hint, ..self }
    }

    /// The last distance served, metres.
    pub fn distance_m(&self) -> f64 {
        f64::from_bits(self.distance_bits)
    }

    /// Whether a café at `distance_m` with `id` comes after this position.
    pub fn precedes(&self, distance_m: f64, id: &str) -> bool {
        let last = f64::from_bits(self.distance_bits);
        distance_m > last || (distance_m == last && id > self.id.as_str())
    }
}

/// A nearby search: cafés within `radius` of `centre`, nearest first.
#[derive(Clone, Debug, PartialEq)]
pub struct NearbyQuery {
    pub centre: Coordinates,
    pub radius: Radius,
    pub filter: NearbyFilter,
    /// The instant `openNow` (and each result's `open_now`) is judged at.
    pub at: Timestamp,
    pub limit: NearbyLimit,
    pub after: Option<NearbyKey>,
}

/// One nearby result.
#[derive(Clone, Debug, PartialEq)]
pub struct NearbyCafe {
    pub cafe: CafeSummary,
    /// Great-circle distance from the centre, metres.
    pub distance_m: f64,
    /// Whether the café is open at the query's instant.
    pub open_now: bool,
}

/// What one search read, for logs and the benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NearbyStats {
    /// Rounds of the expanding search (each a batch of parallel range reads).
    pub rounds: usize,
    /// Range reads on the geo index, over all rounds.
    pub queries: usize,
    /// The most range reads of one round (at most `geo::MAX_QUERIES`).
    pub max_round_queries: usize,
    /// Index entries those reads returned.
    pub items_read: usize,
    /// Distinct entries within the radius the search looked at (before filters and paging):
    /// the cafés inside the circle it had to consider.
    pub in_radius: usize,
    /// Entries read that passed the filters and follow the cursor (distinct cafés, within the
    /// radius): what a filtered page's entry budget counts, since a filter that keeps one café
    /// in ten has to read ten entries per match. Without filters, those after the cursor.
    pub matched: usize,
    /// Range reads that returned as many entries as their limit, so the rest of their range
    /// was split and left for later rounds (see `geo::Piece::remainder`).
    pub cut_reads: usize,
}

/// One page of nearby results.
#[derive(Clone, Debug, PartialEq)]
pub struct NearbyPage {
    pub items: Vec<NearbyCafe>,
    /// Present when more results follow (carrying [`NearbyPage::hint`]).
    pub next: Option<NearbyKey>,
    /// The density this page saw, for the cursor after any of its items.
    pub hint: NearbyHint,
    pub stats: NearbyStats,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn nearby_keys_round_trip_with_their_hint_and_read_cursors_issued_without_one() {
        let id = CafeId::from_entropy(7);
        let key = NearbyKey::new(1_234.5, id.clone()).hinted(NearbyHint {
            area_per_result_m2: Some(15_625),
            area_per_entry_m2: Some(9_000),
        });
        let json = serde_json::to_string(&key).unwrap();
        assert!(
            json.contains("\"a\":15625") && json.contains("\"e\":9000"),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<NearbyKey>(&json).unwrap(), key);

        // A cursor issued before hints existed: the same position, no hint.
        let old = format!(
            "{{\"d\":{},\"i\":\"{}\"}}",
            1_234.5f64.to_bits(),
            id.as_str()
        );
        let parsed: NearbyKey = serde_json::from_str(&old).unwrap();
        assert_eq!(parsed, NearbyKey::new(1_234.5, id));
        assert_eq!(parsed.hint, NearbyHint::default());
        // And a key without a hint writes none.
        assert!(!serde_json::to_string(&parsed).unwrap().contains("\"a\""));
    }
}
