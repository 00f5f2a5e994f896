//! The CraftBean domain: cafés, roasters, artisans and brewing methods.
//!
//! Pure data and validation. Nothing here knows about DynamoDB, SQLite, Lambda or HTTP.

mod catalog;
mod ids;
mod rating;
mod values;

pub use catalog::{
    Artisan, ArtisanRef, ArtisanRole, BeanSourcing, BrewingMethod, Cafe, CafeSummary, Links,
    Location, ProcessMethod, ProducerKind, Range, Roaster, RoasterRef, Technique,
};
pub use ids::{ArtisanId, CafeId, ID_BODY_LEN, RoasterId};
pub use rating::RatingSummary;
pub use values::{
    Amenity, Coordinates, CountryCode, LocalTime, OpeningHours, OpeningPeriod, PriceLevel, Slug,
    TimeZoneName, Weekday,
};

/// Why a value was rejected. Messages are written for API clients.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error(
        "must be an id of the form {expected_prefix}_ followed by 16 lowercase letters or digits"
    )]
    InvalidId { expected_prefix: String },
    #[error("must be 1–64 lowercase letters or digits in groups joined by single hyphens")]
    InvalidSlug,
    #[error("must be a two-letter ISO 3166-1 country code")]
    InvalidCountry,
    #[error("must be a number between -90 and 90")]
    InvalidLatitude,
    #[error("must be a number between -180 and 180")]
    InvalidLongitude,
    #[error("is not a known amenity")]
    UnknownAmenity,
    #[error("must be an integer from 1 to 4")]
    InvalidPriceLevel,
    #[error("is not a known IANA time zone")]
    UnknownTimeZone,
    #[error("must be a time of day written HH:MM")]
    InvalidTime,
}
