//! Stories: a user's account of a standout coffee experience, optionally linked to cafés.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{CafeId, DomainError, Slug, StoryId, TextRule, UserId};

/// Longest title, in characters after trimming.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest body, in characters after trimming.
pub const MAX_BODY_CHARS: usize = 20_000;
/// Most tags, and most linked cafés, per story.
pub const MAX_TAGS: usize = 10;
/// Most linked cafés per story.
pub const MAX_CAFES: usize = 10;

/// Plain text of 1..=`max` characters under the shared [`TextRule`] (NFC, no control or format
/// characters, lengths in grapheme clusters); line breaks only where `multiline`.
pub fn plain_text(raw: &str, max: usize, multiline: bool) -> Result<String, DomainError> {
    TextRule {
        min: 1,
        max,
        multiline,
    }
    .apply(raw)
}

/// A published story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Story {
    pub id: StoryId,
    pub author_id: UserId,
    pub title: String,
    /// Plain text; clients must render it as text, never as HTML.
    pub body: String,
    /// Up to ten distinct tags.
    pub tags: Vec<Slug>,
    /// Up to ten distinct cafés the story is about; each existed when the story was written.
    pub cafe_ids: Vec<CafeId>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            plain_text("  Morning in Oslo  ", MAX_TITLE_CHARS, false),
            Ok("Morning in Oslo".to_owned())
        );
        assert!(plain_text("   ", MAX_TITLE_CHARS, false).is_err());
        assert!(plain_text(&"a".repeat(121), MAX_TITLE_CHARS, false).is_err());
        assert_eq!(
            plain_text("a\u{0}b", 10, true),
            Err(DomainError::ForbiddenCharacter { code: 0 })
        );
        assert!(plain_text("line one\nline two", 100, true).is_ok());
        assert!(plain_text("line one\nline two", 100, false).is_err());
    }
}
