//! Catalogue entities: what a café profile, a roaster, an artisan and a brewing guide hold.
//!
//! These are the shapes the API serves (camelCase JSON). Stored documents use the same serde
//! representation, so a field added here is added everywhere at once.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    Amenity, ArtisanId, CafeId, Coordinates, CountryCode, CoverPhoto, OpeningHours, PhoneNumber,
    PriceLevel, RatingSummary, RoasterId, Slug,
};

/// Where a café or roaster is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub coordinates: Coordinates,
    pub address: String,
    pub neighbourhood: Option<String>,
    pub city: String,
    pub country: CountryCode,
}

/// A brewing technique the café is known for, in its own words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Technique {
    pub name: String,
    /// The brewing method this technique belongs to.
    pub method: Slug,
    pub description: String,
}

/// Who grew the coffee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProducerKind {
    Farm,
    Cooperative,
    Estate,
    WashingStation,
}

/// How the cherry was processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProcessMethod {
    Washed,
    Natural,
    Honey,
    Anaerobic,
    WetHulled,
    CarbonicMaceration,
}

/// A short reference to a roaster, embedded where a full profile is not needed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoasterRef {
    pub id: RoasterId,
    pub name: String,
}

/// One specialty coffee on the café's menu and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BeanSourcing {
    /// The name the café sells it under.
    pub name: String,
    pub origin_country: CountryCode,
    pub region: String,
    pub producer: String,
    pub producer_kind: ProducerKind,
    pub variety: String,
    pub process: ProcessMethod,
    pub altitude_m: Option<u16>,
    pub roaster: RoasterRef,
}

/// What an artisan does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtisanRole {
    Owner,
    HeadBarista,
    Barista,
    Roaster,
    QGrader,
    PastryChef,
}

/// A short reference to an artisan, embedded in the café profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtisanRef {
    pub id: ArtisanId,
    pub name: String,
    pub role: ArtisanRole,
}

/// Outbound links.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    pub website: Option<String>,
    pub instagram: Option<String>,
}

/// A café's full profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cafe {
    pub id: CafeId,
    pub name: String,
    pub tagline: String,
    /// How the café began.
    pub origins: String,
    /// What it believes about coffee.
    pub philosophy: String,
    pub location: Location,
    /// Distinct brewing methods offered, as brewing-method slugs (no duplicates).
    pub brewing_methods: Vec<Slug>,
    pub techniques: Vec<Technique>,
    pub beans: Vec<BeanSourcing>,
    pub artisans: Vec<ArtisanRef>,
    pub hours: OpeningHours,
    pub amenities: Vec<Amenity>,
    pub price_level: PriceLevel,
    pub links: Links,
    /// The café's telephone number (E.164), when it publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    pub rating: RatingSummary,
    /// The café's newest ready photo, kept current by the photo worker (absent when the café
    /// has none: clients draw a placeholder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_photo: Option<CoverPhoto>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
}

/// A café with the instant of its last change (catalogue write, rating refresh or cover
/// change): what partner catalogue sync serves, ascending by `(updated_at, id)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedCafe {
    #[serde(flatten)]
    pub cafe: Cafe,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

/// What a café list shows per item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CafeSummary {
    pub id: CafeId,
    pub name: String,
    pub tagline: String,
    pub location: Location,
    pub brewing_methods: Vec<Slug>,
    pub roasters: Vec<RoasterRef>,
    pub amenities: Vec<Amenity>,
    pub price_level: PriceLevel,
    pub rating: RatingSummary,
    /// The profile's cover photo, copied into every list entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_photo: Option<CoverPhoto>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
}

impl Cafe {
    /// The distinct roasters whose beans the café serves, in menu order.
    pub fn roasters(&self) -> Vec<RoasterRef> {
        let mut out: Vec<RoasterRef> = Vec::new();
        for bean in &self.beans {
            if !out.iter().any(|r| r.id == bean.roaster.id) {
                out.push(bean.roaster.clone());
            }
        }
        out
    }

    /// The list view of this café.
    pub fn summary(&self) -> CafeSummary {
        CafeSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            tagline: self.tagline.clone(),
            location: self.location.clone(),
            brewing_methods: self.brewing_methods.clone(),
            roasters: self.roasters(),
            amenities: self.amenities.clone(),
            price_level: self.price_level,
            rating: self.rating.clone(),
            cover_photo: self.cover_photo.clone(),
            created_at: self.created_at,
        }
    }
}

/// A city with cafés in the catalogue, as `GET /cities` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct City {
    /// Display name, as the cafés write it (`São Paulo`).
    pub name: String,
    /// What `GET /cafes?city=` takes (`sao-paulo`).
    pub slug: Slug,
    pub country: CountryCode,
    pub cafe_count: u32,
}

impl City {
    /// The cities of these café locations with their café counts, by slug. Locations whose
    /// city folds to the same slug are one city; its name and country are the ones most of
    /// its cafés use (ties go to the smallest, so the result is deterministic). Locations
    /// whose city has no slug (no letters or digits) are not listed.
    pub fn tally<'a>(locations: impl IntoIterator<Item = &'a Location>) -> Vec<City> {
        use std::collections::BTreeMap;
        #[derive(Default)]
        struct Votes<'a> {
            count: u32,
            names: BTreeMap<&'a str, u32>,
            countries: BTreeMap<CountryCode, u32>,
        }
        fn winner<K: Ord + Clone>(votes: &BTreeMap<K, u32>) -> Option<K> {
            // max_by_key keeps the last maximum; iterate in reverse so the smallest key wins ties.
            votes
                .iter()
                .rev()
                .max_by_key(|(_, n)| **n)
                .map(|(k, _)| k.clone())
        }
        let mut by_slug: BTreeMap<Slug, Votes<'a>> = BTreeMap::new();
        for location in locations {
            let Ok(slug) = Slug::from_text(&location.city) else {
                continue;
            };
            let votes = by_slug.entry(slug).or_default();
            votes.count += 1;
            *votes.names.entry(location.city.as_str()).or_default() += 1;
            *votes.countries.entry(location.country).or_default() += 1;
        }
        by_slug
            .into_iter()
            .filter_map(|(slug, votes)| {
                Some(City {
                    name: winner(&votes.names)?.to_owned(),
                    country: winner(&votes.countries)?,
                    cafe_count: votes.count,
                    slug,
                })
            })
            .collect()
    }
}

/// A coffee roaster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Roaster {
    pub id: RoasterId,
    pub name: String,
    pub description: String,
    pub city: String,
    pub country: CountryCode,
    pub founded: u16,
    pub roast_style: String,
    pub specialties: Vec<String>,
    pub website: Option<String>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
}

/// A person behind the craft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artisan {
    pub id: ArtisanId,
    pub name: String,
    pub role: ArtisanRole,
    pub bio: String,
    pub specialties: Vec<String>,
    /// Year they started working with coffee.
    pub since: u16,
    pub cafe_id: CafeId,
    pub cafe_name: String,
}

/// An inclusive numeric range (`{"min": 90, "max": 96}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub min: u16,
    pub max: u16,
}

/// A brewing guide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrewingMethod {
    pub slug: Slug,
    pub name: String,
    /// `pour-over`, `immersion`, `pressure`, `cold`, `siphon`, `traditional`.
    pub category: String,
    pub description: String,
    /// Grind size in words ("medium-fine, like table salt").
    pub grind: String,
    /// Coffee to water by weight ("1:16").
    pub ratio: String,
    pub water_temperature_c: Range,
    pub brew_time_seconds: Range,
    pub equipment: Vec<String>,
    pub steps: Vec<String>,
}

/// The curated brewing methods: the closed set every `brewingMethod` filter and field is checked
/// against without a store read (the demo catalogue writes exactly these guides; a test there
/// keeps the two in step). Adding a method is a code change, like adding an amenity.
pub const BREWING_METHOD_SLUGS: &[&str] = &[
    "espresso",
    "v60",
    "chemex",
    "kalita-wave",
    "aeropress",
    "french-press",
    "siphon",
    "moka-pot",
    "cold-brew",
    "turkish-ibrik",
    "clever-dripper",
    "origami-dripper",
];

/// Parses a `brewingMethod` value: a slug from [`BREWING_METHOD_SLUGS`].
pub fn known_brewing_method(raw: &str) -> Result<Slug, String> {
    if BREWING_METHOD_SLUGS.contains(&raw) {
        Slug::parse(raw).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "'{raw}' is not a known brewing method; one of: {} (see GET /brewing-methods)",
            BREWING_METHOD_SLUGS.join(", ")
        ))
    }
}
