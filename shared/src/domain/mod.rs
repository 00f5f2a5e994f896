//! The CraftBean domain: cafés, roasters, artisans and brewing methods.
//!
//! Pure data and validation. Nothing here knows about DynamoDB, SQLite, Lambda or HTTP.

mod catalog;
mod ids;
mod limits;
pub mod partner;
mod photo;
mod rating;
mod review;
mod story;
pub mod text;
pub mod time;
mod user;
mod values;

pub use catalog::{
    Artisan, ArtisanRef, ArtisanRole, BREWING_METHOD_SLUGS, BeanSourcing, BrewingMethod, Cafe,
    CafeSummary, ChangedCafe, City, Links, Location, ProcessMethod, ProducerKind, Range, Roaster,
    RoasterRef, Technique, known_brewing_method,
};
pub use ids::{
    ApiKeyId, ArtisanId, CafeId, ID_BODY_LEN, PartnerId, PartnerUserId, PhotoId, PublicUserId,
    ReviewId, RoasterId, StoryId,
};
pub use limits::{BucketPolicy, BucketState, Quota, WriteAction};
pub use photo::{
    CoverPhoto, MAX_CAPTION_CHARS, MAX_UPLOAD_BYTES, MediaPurge, NEVER_UPLOADED, Photo,
    PhotoOutcome, PhotoStatus, PhotoView, Rendition, UPLOAD_DEADLINE, UploadType,
    photo_of_upload_key, upload_key, url_host,
};
pub use rating::RatingSummary;
pub use review::{Rating, Review, ReviewDraft, ReviewText, ReviewView, UserId};
pub use story::{
    EXCERPT_MAX_BYTES, EXCERPT_MAX_CHARS, MAX_BODY_CHARS, MAX_CAFES, MAX_TAGS, MAX_TITLE_CHARS,
    Story, StoryDraft, StoryListView, StoryView, excerpt, plain_text,
};
pub use text::TextRule;
pub use user::{
    Author, MAX_BIO_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_HOME_CITY_CHARS, MAX_TASTE_METHODS,
    ProfileDraft, PublicProfile, SavedCafe, SavedCafeView, UserProfile, default_display_name,
    former_member, taste_methods,
};
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
    #[error(
        "must be {min} to {max} characters after trimming (got {chars}; characters are counted as a reader sees them)"
    )]
    TextLength {
        min: usize,
        max: usize,
        chars: usize,
    },
    #[error(
        "must not contain control or invisible formatting characters (found U+{code:04X}); only line breaks and tabs are allowed"
    )]
    ForbiddenCharacter { code: u32 },
    #[error("must be a single line")]
    LineBreak,
    #[error("must be an E.164 phone number: + then 8 to 15 digits, the first not 0")]
    InvalidPhone,
}
