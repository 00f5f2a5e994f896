//! Read requests and pages: what a list endpoint asks the store for and what it gets back.

use serde::{Deserialize, Serialize};

use crate::domain::{Amenity, CountryCode, RoasterId, Slug};

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
    /// Present when more items may follow.
    pub next: Option<PageKey>,
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CafeFilter {
    /// City, compared by slug (`São Paulo` matches `sao-paulo`).
    pub city: Option<Slug>,
    pub country: Option<CountryCode>,
    pub brewing_method: Option<Slug>,
    pub roaster: Option<RoasterId>,
    pub amenity: Option<Amenity>,
}

/// A café list request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CafeQuery {
    pub filter: CafeFilter,
    pub sort: CafeSort,
    pub limit: PageLimit,
    pub after: Option<PageKey>,
}

/// A roaster list request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoasterQuery {
    pub country: Option<CountryCode>,
    pub limit: PageLimit,
    pub after: Option<PageKey>,
}
