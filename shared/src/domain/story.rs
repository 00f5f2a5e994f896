//! Stories: a user's account of a standout coffee experience, optionally linked to cafés.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Author, CafeId, DomainError, PublicUserId, Slug, StoryId, TextRule};

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
    pub author_id: PublicUserId,
    pub title: String,
    /// Plain text; clients must render it as text, never as HTML.
    pub body: String,
    /// Up to ten distinct tags.
    pub tags: Vec<Slug>,
    /// Up to ten distinct cafés the story is about; each existed when the story was written.
    pub cafe_ids: Vec<CafeId>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    /// When it was last edited (absent on stories never edited before this field existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// The editable part of a story, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryDraft {
    pub title: String,
    pub body: String,
    pub tags: Vec<Slug>,
    pub cafe_ids: Vec<CafeId>,
}

impl Story {
    /// A new story written now.
    pub fn new(id: StoryId, author_id: PublicUserId, draft: StoryDraft, now: Timestamp) -> Self {
        // Stored and served with millisecond precision; the version must match what is read back.
        let now = super::time::truncate_millis(now);
        Self {
            id,
            author_id,
            title: draft.title,
            body: draft.body,
            tags: draft.tags,
            cafe_ids: draft.cafe_ids,
            created_at: now,
            updated_at: Some(now),
        }
    }

    /// This story with its editable fields replaced.
    pub fn edited(&self, draft: StoryDraft, now: Timestamp) -> Self {
        let now = super::time::truncate_millis(now);
        Self {
            title: draft.title,
            body: draft.body,
            tags: draft.tags,
            cafe_ids: draft.cafe_ids,
            updated_at: Some(now),
            ..self.clone()
        }
    }

    /// Its optimistic-concurrency version: the last write's time in microseconds.
    pub fn version(&self) -> i64 {
        self.updated_at.unwrap_or(self.created_at).as_microsecond()
    }

    /// The story as responses show it, with its author's public reference.
    pub fn view(&self, author: Author) -> StoryView {
        StoryView {
            id: self.id.clone(),
            author_id: author.id.clone(),
            author,
            title: self.title.clone(),
            body: self.body.clone(),
            tags: self.tags.clone(),
            cafe_ids: self.cafe_ids.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at.unwrap_or(self.created_at),
        }
    }
}

/// A story as responses show it, with its author's public reference.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryView {
    pub id: StoryId,
    /// Deprecated, kept for apps already in the field: the same value as `author.id`.
    pub author_id: PublicUserId,
    pub author: Author,
    pub title: String,
    pub body: String,
    pub tags: Vec<Slug>,
    pub cafe_ids: Vec<CafeId>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
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
