//! Stories: a user's account of a standout coffee experience, optionally linked to cafés.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use super::{Author, CafeId, DomainError, PublicUserId, Slug, StoryId, TextRule};

/// Longest title, in characters after trimming.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest body, in characters after trimming.
pub const MAX_BODY_CHARS: usize = 20_000;
/// Longest excerpt a story list shows, in grapheme clusters…
pub const EXCERPT_MAX_CHARS: usize = 280;
/// …and in bytes of UTF-8, whichever is reached first (a grapheme cluster may be many bytes).
pub const EXCERPT_MAX_BYTES: usize = 1024;
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

/// The start of `body` that a story list shows, and whether it is shorter than the body: at most
/// [`EXCERPT_MAX_CHARS`] grapheme clusters and [`EXCERPT_MAX_BYTES`] bytes, cut between grapheme
/// clusters (never inside one, so no accent or emoji sequence is split), with trailing
/// whitespace removed when cut. No ellipsis is added: the flag says the text goes on. A single
/// cluster longer than the byte limit (a base letter with hundreds of combining marks) is cut
/// between code points instead, so the bound always holds.
pub fn excerpt(body: &str) -> (&str, bool) {
    let mut end = 0;
    for (count, (start, cluster)) in body.grapheme_indices(true).enumerate() {
        if count == EXCERPT_MAX_CHARS || start + cluster.len() > EXCERPT_MAX_BYTES {
            break;
        }
        end = start + cluster.len();
    }
    if end == 0 && !body.is_empty() {
        // The first cluster alone is over the byte limit: keep whole code points.
        end = body
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|&e| e <= EXCERPT_MAX_BYTES)
            .last()
            .unwrap_or(0);
    }
    if end >= body.len() {
        (body, false)
    } else {
        (body[..end].trim_end(), true)
    }
}

/// A story as lists show it: the [`StoryView`] with an excerpt instead of the body (the whole
/// story is at `GET /stories/{storyId}`), so a list page stays small whatever its stories hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryListView {
    pub id: StoryId,
    /// Deprecated, kept for apps already in the field: the same value as `author.id`.
    pub author_id: PublicUserId,
    pub author: Author,
    pub title: String,
    /// The start of the body ([`excerpt`]).
    pub excerpt: String,
    /// Whether the body goes on after the excerpt.
    pub excerpt_truncated: bool,
    pub tags: Vec<Slug>,
    pub cafe_ids: Vec<CafeId>,
    #[serde(with = "super::time::rfc3339_millis")]
    pub created_at: Timestamp,
    #[serde(with = "super::time::rfc3339_millis")]
    pub updated_at: Timestamp,
}

impl From<StoryView> for StoryListView {
    fn from(view: StoryView) -> Self {
        let (excerpt, excerpt_truncated) = excerpt(&view.body);
        Self {
            excerpt: excerpt.to_owned(),
            excerpt_truncated,
            id: view.id,
            author_id: view.author_id,
            author: view.author,
            title: view.title,
            tags: view.tags,
            cafe_ids: view.cafe_ids,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_prefixes_cut_between_grapheme_clusters() {
        let short = "Six Kenyans side by side.\nThe SL28 won.";
        assert_eq!(excerpt(short), (short, false));
        let exact = "a".repeat(EXCERPT_MAX_CHARS);
        assert_eq!(excerpt(&exact), (exact.as_str(), false));

        let long = "word ".repeat(100);
        let (cut, truncated) = excerpt(&long);
        assert!(truncated);
        assert!(long.starts_with(cut));
        assert!(!cut.ends_with(' '), "trailing whitespace trimmed: {cut:?}");
        assert_eq!(cut.graphemes(true).count(), EXCERPT_MAX_CHARS - 1);

        // Flags are two code points each; none is split, and the byte bound holds.
        let flags = "🇯🇵".repeat(EXCERPT_MAX_CHARS + 5);
        let (cut, truncated) = excerpt(&flags);
        assert!(truncated && cut.len() <= EXCERPT_MAX_BYTES);
        assert_eq!(cut.len() % "🇯🇵".len(), 0, "whole flags only");
        assert_eq!(cut.graphemes(true).count(), EXCERPT_MAX_BYTES / "🇯🇵".len());

        // "e" + combining accents: whole clusters, within the byte bound.
        let accented = "e\u{301}\u{302}\u{303}".repeat(500);
        let (cut, truncated) = excerpt(&accented);
        assert!(truncated && cut.len() <= EXCERPT_MAX_BYTES);
        assert!(cut.graphemes(true).all(|g| g == "e\u{301}\u{302}\u{303}"));

        // One cluster over the byte limit: cut between code points, still bounded.
        let zalgo = format!("a{}", "\u{301}".repeat(2_000));
        let (cut, truncated) = excerpt(&zalgo);
        assert!(truncated && !cut.is_empty() && cut.len() <= EXCERPT_MAX_BYTES);
        assert!(zalgo.starts_with(cut));
    }

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
