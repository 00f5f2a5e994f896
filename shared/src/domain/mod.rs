//! The CraftBean domain: cafés, roasters, artisans and brewing methods.
//!
//! Pure data and validation. Nothing here knows about DynamoDB, SQLite, Lambda or HTTP.

mod catalog;
mod ids;
mod photo;
mod rating;
mod review;
mod story;
mod values;

pub use catalog::{
    Artisan, ArtisanRef, ArtisanRole, BeanSourcing, BrewingMethod, Cafe, CafeSummary, City, Links,
    Location, ProcessMethod, ProducerKind, Range, Roaster, RoasterRef, Technique,
};
pub use ids::{ArtisanId, CafeId, ID_BODY_LEN, PhotoId, ReviewId, RoasterId, StoryId};
pub use photo::{
    CoverPhoto, MAX_CAPTION_CHARS, MAX_UPLOAD_BYTES, NEVER_UPLOADED, Photo, PhotoOutcome,
    PhotoStatus, Rendition, UPLOAD_DEADLINE, UploadType, photo_of_upload_key, upload_key,
};
pub use rating::RatingSummary;
pub use review::{Rating, Review, ReviewDraft, ReviewText, UserId};
pub use story::{MAX_BODY_CHARS, MAX_CAFES, MAX_TAGS, MAX_TITLE_CHARS, Story, plain_text};
pub use values::{
    Amenity, Coordinates, CountryCode, LocalTime, OpeningHours, OpeningPeriod, PhoneNumber,
    PriceLevel, Slug, TimeZoneName, Weekday,
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
    #[error("must be 1–128 letters, digits or ._:@|-")]
    InvalidUserId,
    #[error("must be an integer from 1 to 5")]
    InvalidRating,
    #[error("must be 20 to 5000 characters after trimming (got {chars})")]
    InvalidReviewText { chars: usize },
    #[error("must be {min} to {max} characters after trimming (got {chars})")]
    TextLength {
        min: usize,
        max: usize,
        chars: usize,
    },
    #[error("must be an E.164 phone number: + then 8 to 15 digits, the first not 0")]
    InvalidPhone,
    #[error("must be plain text without control characters")]
    ControlCharacters,
}
