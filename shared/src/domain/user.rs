//! People: the profile a user edits, the author reference that reviews, stories and photos
//! carry in responses, and a café a user saved.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{CafeId, CafeSummary, DomainError, PublicUserId, plain_text};

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 50;
/// Longest bio, in characters.
pub const MAX_BIO_CHARS: usize = 300;
/// Longest home city, in characters.
pub const MAX_HOME_CITY_CHARS: usize = 80;

/// A user's profile: public except for nothing — every field here may be shown to anyone.
/// The identity provider's `sub` is deliberately not a field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub id: PublicUserId,
    /// 1–50 characters of plain text.
    pub display_name: String,
    /// Up to 300 characters of plain text (newlines allowed).
    pub bio: Option<String>,
    /// Free text, e.g. "Lisbon".
    pub home_city: Option<String>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

/// What `PUT /me` may change, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileDraft {
    pub display_name: String,
    pub bio: Option<String>,
    pub home_city: Option<String>,
}

impl ProfileDraft {
    /// Validates a display name (1–50 characters, one line).
    pub fn display_name(raw: &str) -> Result<String, DomainError> {
        plain_text(raw, MAX_DISPLAY_NAME_CHARS, false)
    }

    /// Validates a bio (1–300 characters, newlines allowed).
    pub fn bio(raw: &str) -> Result<String, DomainError> {
        plain_text(raw, MAX_BIO_CHARS, true)
    }

    /// Validates a home city (1–80 characters, one line).
    pub fn home_city(raw: &str) -> Result<String, DomainError> {
        plain_text(raw, MAX_HOME_CITY_CHARS, false)
    }
}

impl UserProfile {
    /// The profile a user gets on their first authenticated call: a neutral display name they
    /// can change with `PUT /me`.
    pub fn first(id: PublicUserId, now: Timestamp) -> Self {
        // Stored and served with millisecond precision; the version must match what is read back.
        let now = super::time::truncate_millis(now);
        let display_name = default_display_name(&id);
        Self {
            id,
            display_name,
            bio: None,
            home_city: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// This profile with the editable fields replaced.
    pub fn edited(&self, draft: ProfileDraft, now: Timestamp) -> Self {
        let now = super::time::truncate_millis(now);
        Self {
            display_name: draft.display_name,
            bio: draft.bio,
            home_city: draft.home_city,
            updated_at: now,
            ..self.clone()
        }
    }

    /// How this person is shown beside what they wrote.
    pub fn author(&self) -> Author {
        Author {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

/// The uploader that photos of an erased account are handed to: it names nobody.
pub fn former_member() -> PublicUserId {
    PublicUserId::from_entropy(0)
}

/// The name shown for a user who has not chosen one (or whose profile is gone).
pub fn default_display_name(id: &PublicUserId) -> String {
    if *id == former_member() {
        return "Former member".to_owned();
    }
    let tail = id.as_str().get(id.as_str().len() - 4..).unwrap_or_default();
    format!("Coffee lover {tail}")
}

/// How responses name the person who wrote something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Author {
    pub id: PublicUserId,
    pub display_name: String,
}

impl Author {
    /// The author reference for a user without a stored profile.
    pub fn unnamed(id: PublicUserId) -> Self {
        let display_name = default_display_name(&id);
        Self { id, display_name }
    }
}

/// A café a user saved, as stored: the café's id and when it was saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedCafe {
    pub cafe_id: CafeId,
    #[serde(with = "super::time::rfc3339_millis")]
    pub saved_at: Timestamp,
}

/// A saved café as listed: when it was saved and the café's current summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedCafeView {
    #[serde(with = "super::time::rfc3339_millis")]
    pub saved_at: Timestamp,
    pub cafe: CafeSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PublicUserId {
        PublicUserId::from_entropy(123_456_789)
    }

    #[test]
    fn first_profiles_get_a_neutral_name_from_the_id() {
        let now = Timestamp::UNIX_EPOCH;
        let profile = UserProfile::first(id(), now);
        assert!(profile.display_name.starts_with("Coffee lover "));
        assert_eq!(profile.display_name, Author::unnamed(id()).display_name);
        assert_eq!(profile.author().id, id());
    }

    #[test]
    fn profile_fields_are_bounded_plain_text() {
        assert_eq!(ProfileDraft::display_name("  Ana  "), Ok("Ana".to_owned()));
        assert!(ProfileDraft::display_name("").is_err());
        assert!(ProfileDraft::display_name(&"a".repeat(51)).is_err());
        assert!(ProfileDraft::display_name("two\nlines").is_err());
        assert!(ProfileDraft::bio(&"b".repeat(300)).is_ok());
        assert!(ProfileDraft::bio(&"b".repeat(301)).is_err());
        assert!(ProfileDraft::bio("line one\nline two").is_ok());
        assert!(ProfileDraft::home_city("Lisbon").is_ok());
        assert!(ProfileDraft::home_city(&"c".repeat(81)).is_err());
    }
}
