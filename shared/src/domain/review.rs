//! Reviews: who may write them, what a valid one holds, and how a rating summary is derived.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::time::truncate_millis;
use super::{Author, CafeId, DomainError, PublicUserId, ReviewId, Slug, TextRule};

/// The identity provider's subject (`sub` claim) of the authenticated user, never client input.
/// It never leaves the function that verified it: stored items and responses name people by
/// their [`PublicUserId`] (see [`crate::identity`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    /// 1–128 characters from `[A-Za-z0-9._:@|-]` (Cognito `sub`s are UUIDs).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._:@|-".contains(&b));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidUserId)
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<UserId> for String {
    fn from(id: UserId) -> String {
        id.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stars, 1 to 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1 to 5.
    pub fn new(stars: i64) -> Result<Self, DomainError> {
        u8::try_from(stars)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .map(Self)
            .ok_or(DomainError::InvalidRating)
    }

    /// The number of stars.
    pub fn stars(self) -> u8 {
        self.0
    }

    /// Index into a 1–5 histogram.
    pub fn bucket(self) -> usize {
        usize::from(self.0 - 1)
    }
}

impl TryFrom<u8> for Rating {
    type Error = DomainError;
    fn try_from(stars: u8) -> Result<Self, Self::Error> {
        Self::new(i64::from(stars))
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// Review text: 20 to 5,000 characters after trimming, under the shared [`TextRule`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReviewText(String);

impl ReviewText {
    /// Fewest characters after trimming.
    pub const MIN_CHARS: usize = 20;
    /// Most characters after trimming.
    pub const MAX_CHARS: usize = 5_000;

    /// NFC-normalises, trims, refuses control and format characters, and checks the length in
    /// grapheme clusters (not bytes or code points).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        TextRule::paragraphs(Self::MIN_CHARS, Self::MAX_CHARS)
            .apply(raw)
            .map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ReviewText {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<ReviewText> for String {
    fn from(t: ReviewText) -> String {
        t.0
    }
}

/// A review of one café by one user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub id: ReviewId,
    pub cafe_id: CafeId,
    pub author_id: PublicUserId,
    pub rating: Rating,
    pub text: ReviewText,
    pub brewing_method: Option<Slug>,
    pub visited_on: Option<Date>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

/// The editable part of a review, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewDraft {
    pub rating: Rating,
    pub text: ReviewText,
    pub brewing_method: Option<Slug>,
    pub visited_on: Option<Date>,
}

impl Review {
    /// A new review written now (kept to the millisecond, as the wire and the store carry it).
    pub fn new(
        id: ReviewId,
        cafe_id: CafeId,
        author_id: PublicUserId,
        draft: ReviewDraft,
        now: Timestamp,
    ) -> Self {
        let now = truncate_millis(now);
        Self {
            id,
            cafe_id,
            author_id,
            rating: draft.rating,
            text: draft.text,
            brewing_method: draft.brewing_method,
            visited_on: draft.visited_on,
            created_at: now,
            updated_at: now,
        }
    }

    /// This review with its editable fields replaced.
    pub fn edited(&self, draft: ReviewDraft, now: Timestamp) -> Self {
        let now = truncate_millis(now);
        Self {
            rating: draft.rating,
            text: draft.text,
            brewing_method: draft.brewing_method,
            visited_on: draft.visited_on,
            updated_at: now,
            ..self.clone()
        }
    }

    /// The review as responses show it, with its author's public reference.
    pub fn view(&self, author: Author) -> ReviewView {
        ReviewView {
            id: self.id.clone(),
            cafe_id: self.cafe_id.clone(),
            author_id: author.id.clone(),
            author,
            rating: self.rating,
            text: self.text.clone(),
            brewing_method: self.brewing_method.clone(),
            visited_on: self.visited_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A review as responses show it, with its author's public reference.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    pub id: ReviewId,
    pub cafe_id: CafeId,
    /// Deprecated, kept for apps already in the field: the same value as `author.id` (the
    /// public user id; it was the token subject before API version 0.2).
    pub author_id: PublicUserId,
    pub author: Author,
    pub rating: Rating,
    pub text: ReviewText,
    pub brewing_method: Option<Slug>,
    pub visited_on: Option<Date>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five() {
        for bad in [-1, 0, 6, 256] {
            assert_eq!(Rating::new(bad), Err(DomainError::InvalidRating), "{bad}");
        }
        assert_eq!(Rating::new(5).map(Rating::bucket), Ok(4));
    }

    #[test]
    fn text_length_counts_characters_after_trimming() {
        assert!(ReviewText::parse(&format!("  {}  ", "é".repeat(20))).is_ok());
        assert_eq!(
            ReviewText::parse(&format!("  {}  ", "a".repeat(19))),
            Err(DomainError::TextLength {
                min: 20,
                max: 5_000,
                chars: 19
            })
        );
        assert!(ReviewText::parse(&"a".repeat(5_000)).is_ok());
        assert!(ReviewText::parse(&"a".repeat(5_001)).is_err());
    }

    #[test]
    fn user_ids_reject_separators_and_empties() {
        assert!(UserId::parse("3f1c9a2e-7b1d-4c5e-9f00-1a2b3c4d5e6f").is_ok());
        for bad in ["", "a#b", "a b", &"x".repeat(129)] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
