//! People: the profile a user edits, the author reference that reviews, stories and photos
//! carry in responses, and a café a user saved.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    CafeId, CafeSummary, DomainError, PublicUserId, Slug, known_brewing_method, plain_text,
};

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 50;
/// Longest bio, in characters.
pub const MAX_BIO_CHARS: usize = 300;
/// Longest home city, in characters.
pub const MAX_HOME_CITY_CHARS: usize = 80;
/// Most brewing methods a taste names (the profile's `tasteMethods`, nearby's `taste`).
pub const MAX_TASTE_METHODS: usize = 5;

/// Validates a taste: known brewing method slugs (`GET /brewing-methods`), duplicates dropped
/// (first kept), at most [`MAX_TASTE_METHODS`]. The reason is a sentence for `invalidParams`.
pub fn taste_methods<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Slug>, String> {
    let mut out: Vec<Slug> = Vec::new();
    for part in raw {
        let slug = known_brewing_method(part)?;
        if !out.contains(&slug) {
            out.push(slug);
        }
    }
    if out.len() > MAX_TASTE_METHODS {
        return Err(format!("names at most {MAX_TASTE_METHODS} brewing methods"));
    }
    Ok(out)
}

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
    /// Brewing methods the person likes (at most [`MAX_TASTE_METHODS`] known slugs): the taste
    /// the nearby-ranking treatment ranks their `GET /me/nearby-cafes` pages with. Shown only to
    /// the person (`GET /me`, `PUT /me`, the export), never in the public profile
    /// ([`UserProfile::public`]). Absent in profiles stored before it existed: empty.
    #[serde(default)]
    pub taste_methods: Vec<Slug>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

/// What anyone may see of a profile (`GET /users/{userId}`): everything but the taste.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicProfile<'a> {
    pub id: &'a PublicUserId,
    pub display_name: &'a str,
    pub bio: Option<&'a str>,
    pub home_city: Option<&'a str>,
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
    /// `None`: keep the stored taste (a client that does not know the field never clears it);
    /// `Some(vec![])` clears it.
    pub taste_methods: Option<Vec<Slug>>,
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
            taste_methods: Vec::new(),
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
            taste_methods: draft
                .taste_methods
                .unwrap_or_else(|| self.taste_methods.clone()),
            updated_at: now,
            ..self.clone()
        }
    }

    /// The fields anyone may see (`GET /users/{userId}`).
    pub fn public(&self) -> PublicProfile<'_> {
        PublicProfile {
            id: &self.id,
            display_name: &self.display_name,
            bio: self.bio.as_deref(),
            home_city: self.home_city.as_deref(),
            created_at: self.created_at,
            updated_at: self.updated_at,
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

    #[test]
    fn tastes_are_known_methods_deduplicated_and_at_most_five() {
        let slugs = |t: &[Slug]| t.iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(
            slugs(&taste_methods(["v60", "siphon", "v60"]).unwrap()),
            ["v60", "siphon"]
        );
        assert_eq!(taste_methods([]), Ok(vec![]));
        assert!(taste_methods(["tea"]).unwrap_err().contains("'tea'"));
        let six = [
            "v60",
            "espresso",
            "aeropress",
            "chemex",
            "siphon",
            "moka-pot",
        ];
        assert!(taste_methods(six).unwrap_err().contains("at most 5"));
        assert!(taste_methods(six[..5].iter().copied()).is_ok());
    }

    #[test]
    fn an_edit_without_a_taste_keeps_it_and_the_public_view_leaves_it_out() {
        let now = Timestamp::UNIX_EPOCH;
        let draft = |taste: Option<Vec<Slug>>| ProfileDraft {
            display_name: "Ana".to_owned(),
            bio: None,
            home_city: None,
            taste_methods: taste,
        };
        let v60 = taste_methods(["v60"]).unwrap();
        let tasted = UserProfile::first(id(), now).edited(draft(Some(v60.clone())), now);
        assert_eq!(tasted.taste_methods, v60);
        assert_eq!(tasted.edited(draft(None), now).taste_methods, v60);
        assert!(
            tasted
                .edited(draft(Some(vec![])), now)
                .taste_methods
                .is_empty()
        );
        let mine = serde_json::to_value(&tasted).unwrap();
        assert_eq!(mine["tasteMethods"], serde_json::json!(["v60"]));
        let public = serde_json::to_value(tasted.public()).unwrap();
        let mut without = mine.as_object().unwrap().clone();
        without.remove("tasteMethods");
        assert_eq!(public, serde_json::Value::Object(without));
        // A profile stored before the field existed reads as no taste.
        let old: UserProfile = serde_json::from_value(public).unwrap();
        assert!(old.taste_methods.is_empty());
    }
}
