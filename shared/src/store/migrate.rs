//! Converting a store written before public user ids (see
//! [`crate::maintenance::migrate_authors`], the entry point, for what it does and why).
//!
//! Works on raw JSON documents, because an old review, story or photo names its author by the
//! token subject and so no longer decodes. Each entity found with such an author is re-read
//! (strongly consistent), its author replaced by the public id, and rewritten in one
//! transaction made of exactly the items the current write paths produce (the builders of
//! [`super::reviews`], [`super::stories`] and [`super::photos`]).

use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use serde_json::Value;

use super::table::{Condition, ItemTable, SortIndex, StoredDoc, StoredItem, TransactError, Write};
use super::{keys, photos, reviews, stories, users};
use crate::domain::{
    CafeId, Photo, PhotoId, PublicUserId, Review, ReviewId, Story, StoryId, UserId, UserProfile,
};
use crate::identity::UserKeys;
use crate::ports::StoreError;
use crate::query::PageKey;

/// The layout this release writes; recorded in the schema marker ([`keys::schema_key`]).
/// Version 2 is the first with public user ids (stores without a marker are version 1).
pub const SCHEMA_VERSION: u64 = 2;

/// Items per index read while enumerating.
const PAGE: usize = 100;

/// What happened to the entities of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rewritten with a public id.
    pub converted: usize,
    /// Already named their author by a public id: left alone.
    pub current: usize,
    /// Changed by someone else between our read and our write (the transaction's condition
    /// failed, so nothing was written): a re-run converts them.
    pub raced: usize,
    /// Whose author is neither a public id nor a valid token subject, or whose document does
    /// not decode even with a public id: left alone and logged; no re-run changes them.
    pub unreadable: usize,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} converted, {} already current",
            self.converted, self.current
        )?;
        if self.raced > 0 {
            write!(f, ", {} changed meanwhile (run again)", self.raced)?;
        }
        if self.unreadable > 0 {
            write!(f, ", {} unreadable (left as they are)", self.unreadable)?;
        }
        Ok(())
    }
}

/// What [`migrate_authors`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Cafés whose review and photo lists were read.
    pub cafes: usize,
    pub reviews: Tally,
    pub stories: Tally,
    /// Ready photos (pending ones are in no list; see [`crate::maintenance::migrate_authors`]).
    pub photos: Tally,
    /// Neutral profiles created for authors who had none.
    pub profiles_created: usize,
    /// Converted reviews whose author had meanwhile written another review of the same café
    /// (under their public id): both stay and both are counted, like two reviews written in
    /// two regions within the replication lag; the one-review marker keeps the newer one.
    pub duplicate_reviews: usize,
}

impl MigrationReport {
    /// Whether this run wrote anything.
    pub fn changed_anything(&self) -> bool {
        self.reviews.converted
            + self.stories.converted
            + self.photos.converted
            + self.profiles_created
            > 0
    }

    /// Whether every entity found is now current or can never be (nothing raced), so the
    /// store may be marked as holding the current layout.
    pub fn complete(&self) -> bool {
        self.reviews.raced + self.stories.raced + self.photos.raced == 0
    }
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cafés read; reviews: {}; stories: {}; ready photos: {}; {} profiles created",
            self.cafes, self.reviews, self.stories, self.photos, self.profiles_created
        )?;
        if self.duplicate_reviews > 0 {
            write!(
                f,
                "; {} reviews by an author who had reviewed the café again since",
                self.duplicate_reviews
            )?;
        }
        Ok(())
    }
}

/// The schema version the store's marker records (`None`: no marker, an older layout or an
/// empty store). One `GetItem`.
pub async fn stored_schema_version<T: ItemTable>(table: &T) -> Result<Option<u64>, StoreError> {
    let (pk, sk) = keys::schema_key();
    Ok(table
        .get_doc(&pk, &sk)
        .await?
        .and_then(|doc| serde_json::from_str::<Value>(&doc).ok())
        .and_then(|v| v.get("version").and_then(Value::as_u64)))
}

/// Records that the store holds the [`SCHEMA_VERSION`] layout (no-op when a marker exists).
pub async fn record_schema_version<T: ItemTable>(table: &T) -> Result<(), StoreError> {
    let (pk, sk) = keys::schema_key();
    let doc = serde_json::json!({ "version": SCHEMA_VERSION }).to_string();
    let put = Write::Put {
        item: super::table::Item::plain(pk, sk, doc),
        condition: Condition::Absent,
    };
    match table.transact(vec![put]).await {
        Ok(()) | Err(TransactError::ConditionFailed { .. }) => Ok(()),
        Err(TransactError::Store(e)) => Err(e),
    }
}

/// See [`crate::maintenance::migrate_authors`].
pub async fn migrate_authors<T: ItemTable>(
    table: &T,
    user_keys: &UserKeys,
) -> Result<MigrationReport, StoreError> {
    let mut run = Run {
        table,
        user_keys,
        now: Timestamp::now(),
        profiles: HashSet::new(),
        report: MigrationReport::default(),
    };
    // Every café list source (its shards, and the unsharded partition older stores hold);
    // order does not matter here.
    for lpk in keys::cafe_list_sources(keys::ALL) {
        let mut cafes = Pages::new(SortIndex::ByName, lpk);
        while let Some(page) = cafes.next(table).await? {
            for entry in page {
                let Some(cafe) = field(&entry.doc, "id").and_then(|id| CafeId::parse(&id).ok())
                else {
                    continue;
                };
                run.report.cafes += 1;
                let mut reviews = Pages::new(SortIndex::ByNewest, keys::reviews_lpk(&cafe));
                while let Some(page) = reviews.next(table).await? {
                    for entry in page {
                        run.review(&entry).await?;
                    }
                }
                let mut photos = Pages::new(SortIndex::ByNewest, keys::photos_lpk(&cafe));
                while let Some(page) = photos.next(table).await? {
                    for entry in page {
                        run.photo(&entry).await?;
                    }
                }
            }
        }
    }
    let mut stories = Pages::new(SortIndex::ByNewest, keys::stories_lpk(keys::ALL));
    while let Some(page) = stories.next(table).await? {
        for entry in page {
            run.story(&entry).await?;
        }
    }
    if run.report.complete() {
        record_schema_version(table).await?;
    }
    Ok(run.report)
}

/// One list partition, read a page at a time.
struct Pages {
    index: SortIndex,
    lpk: String,
    after: Option<PageKey>,
    done: bool,
}

impl Pages {
    fn new(index: SortIndex, lpk: String) -> Self {
        Self {
            index,
            lpk,
            after: None,
            done: false,
        }
    }

    async fn next<T: ItemTable>(
        &mut self,
        table: &T,
    ) -> Result<Option<Vec<StoredDoc>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let docs = table
            .query_index(self.index, &self.lpk, self.after.as_ref(), PAGE)
            .await?;
        self.done = docs.len() < PAGE;
        match docs.last() {
            Some(last) => {
                self.after = Some(last.key.clone());
                Ok(Some(docs))
            }
            None => Ok(None),
        }
    }
}

/// A string field of a JSON document.
fn field(doc: &str, name: &str) -> Option<String> {
    serde_json::from_str::<Value>(doc)
        .ok()?
        .get(name)?
        .as_str()
        .map(str::to_owned)
}

/// Whether the author field `name` of `doc` already holds a public id.
fn is_current(doc: &str, name: &str) -> bool {
    field(doc, name).is_some_and(|a| PublicUserId::parse(&a).is_ok())
}

/// An old document converted: its author's subject and public id, and the typed entity.
struct Converted<E> {
    subject: UserId,
    public: PublicUserId,
    entity: E,
}

enum Outcome<E> {
    /// Gone since the list was read.
    Gone,
    /// Already names a public id.
    Current,
    Unreadable,
    Stale(Converted<E>),
}

/// The profile at `(pk, PROFILE)`, with the author field `name` replaced by its public id and
/// `adjust` applied to the document, decoded as `E`.
async fn convert<T: ItemTable, E: serde::de::DeserializeOwned>(
    table: &T,
    user_keys: &UserKeys,
    pk: &str,
    name: &str,
    adjust: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Result<(Option<StoredItem>, Outcome<E>), StoreError> {
    let Some(stored) = table.get_item(pk, keys::PROFILE_SK).await? else {
        return Ok((None, Outcome::Gone));
    };
    let Some(mut doc) = stored
        .doc
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
    else {
        return Ok((Some(stored), Outcome::Unreadable));
    };
    let outcome = match doc.as_object_mut() {
        None => Outcome::Unreadable,
        Some(object) => match object.get(name).and_then(Value::as_str) {
            Some(author) if PublicUserId::parse(author).is_ok() => Outcome::Current,
            Some(author) => match UserId::parse(author) {
                Err(_) => Outcome::Unreadable,
                Ok(subject) => {
                    let public = user_keys.public_id(&subject);
                    object.insert(name.to_owned(), Value::String(public.to_string()));
                    adjust(object);
                    match serde_json::from_value::<E>(doc) {
                        Ok(entity) => Outcome::Stale(Converted {
                            subject,
                            public,
                            entity,
                        }),
                        Err(_) => Outcome::Unreadable,
                    }
                }
            },
            None => Outcome::Unreadable,
        },
    };
    Ok((Some(stored), outcome))
}

/// The condition that the profile is still as we read it.
fn as_read(stored: &StoredItem) -> Condition {
    match stored.version {
        Some(v) => Condition::VersionIs(v),
        None => Condition::Unversioned,
    }
}

/// Puts: the first under `first`, the rest unconditionally.
fn puts(items: Vec<super::table::Item>, first: Condition) -> Vec<Write> {
    let mut first = Some(first);
    items
        .into_iter()
        .map(|item| Write::Put {
            item,
            condition: first.take().unwrap_or(Condition::Always),
        })
        .collect()
}

struct Run<'a, T> {
    table: &'a T,
    user_keys: &'a UserKeys,
    now: Timestamp,
    /// Authors whose profile exists (found or created) in this run.
    profiles: HashSet<PublicUserId>,
    report: MigrationReport,
}

impl<T: ItemTable> Run<'_, T> {
    /// Creates the neutral profile of `id` unless it exists. Done before the content is
    /// converted, so an interrupted run never leaves converted content without a profile.
    async fn ensure_profile(&mut self, id: &PublicUserId) -> Result<(), StoreError> {
        if self.profiles.contains(id) {
            return Ok(());
        }
        let put = Write::Put {
            item: users::profile_item(&UserProfile::first(id.clone(), self.now))?,
            condition: Condition::Absent,
        };
        match self.table.transact(vec![put]).await {
            Ok(()) => self.report.profiles_created += 1,
            Err(TransactError::ConditionFailed { .. }) => {}
            Err(TransactError::Store(e)) => return Err(e),
        }
        self.profiles.insert(id.clone());
        Ok(())
    }

    /// Applies `writes`; `Ok(false)` when a condition failed (nothing written).
    async fn apply(&self, writes: Vec<Write>) -> Result<bool, StoreError> {
        match self.table.transact(writes).await {
            Ok(()) => Ok(true),
            Err(TransactError::ConditionFailed { index }) => {
                tracing::info!(index, "changed while being migrated; a re-run converts it");
                Ok(false)
            }
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    async fn review(&mut self, entry: &StoredDoc) -> Result<(), StoreError> {
        if is_current(&entry.doc, "authorId") {
            self.report.reviews.current += 1;
            return Ok(());
        }
        let Some(id) = field(&entry.doc, "id").and_then(|id| ReviewId::parse(&id).ok()) else {
            tracing::warn!(pk = entry.key.pk, "review list entry without a valid id");
            self.report.reviews.unreadable += 1;
            return Ok(());
        };
        let pk = keys::review_pk(&id);
        let (stored, outcome) =
            convert::<T, Review>(self.table, self.user_keys, &pk, "authorId", |_| {}).await?;
        let (stored, converted) = match (stored, outcome) {
            (_, Outcome::Gone) => return Ok(()),
            (_, Outcome::Current) => {
                self.report.reviews.current += 1;
                return Ok(());
            }
            (Some(stored), Outcome::Stale(c)) => (stored, c),
            (_, _) => {
                tracing::warn!(pk, "review author is neither a public id nor a subject");
                self.report.reviews.unreadable += 1;
                return Ok(());
            }
        };
        let review = &converted.entity;
        self.ensure_profile(&converted.public).await?;
        // The marker moves from the subject to the public id. If the author wrote another
        // review of this café since the upgrade (the old marker did not stop it), that
        // review's marker stays.
        let marker = self
            .table
            .get_item(
                &keys::ratings_pk(&review.cafe_id),
                &keys::reviewer_sk(&converted.public),
            )
            .await?
            .and_then(|m| m.doc);
        let mut writes = vec![
            Write::Put {
                item: reviews::review_item(review)?,
                condition: as_read(&stored),
            },
            Write::Put {
                item: reviews::user_list_item(review)?,
                condition: Condition::Always,
            },
            Write::Delete {
                pk: keys::ratings_pk(&review.cafe_id),
                sk: keys::legacy_reviewer_sk(&converted.subject),
                condition: Condition::Always,
            },
        ];
        let duplicate = match marker.as_deref() {
            None => {
                writes.push(Write::Put {
                    item: reviews::reviewer_item(review)?,
                    condition: Condition::Absent,
                });
                false
            }
            Some(existing) => crate::ports::ReviewMarker::parse(existing)
                .is_none_or(|marker| marker.review_id != review.id),
        };
        if self.apply(writes).await? {
            self.report.reviews.converted += 1;
            if duplicate {
                self.report.duplicate_reviews += 1;
            }
        } else {
            self.report.reviews.raced += 1;
        }
        Ok(())
    }

    async fn story(&mut self, entry: &StoredDoc) -> Result<(), StoreError> {
        if is_current(&entry.doc, "authorId") {
            self.report.stories.current += 1;
            return Ok(());
        }
        let Some(id) = field(&entry.doc, "id").and_then(|id| StoryId::parse(&id).ok()) else {
            tracing::warn!(pk = entry.key.pk, "story list entry without a valid id");
            self.report.stories.unreadable += 1;
            return Ok(());
        };
        let pk = keys::story_pk(&id);
        // Stories had no version: the current write paths give them `updatedAt` (their
        // version) from the start, so an old story gets its creation time.
        let (stored, outcome) =
            convert::<T, Story>(self.table, self.user_keys, &pk, "authorId", |story| {
                if !story.contains_key("updatedAt")
                    && let Some(created) = story.get("createdAt").cloned()
                {
                    story.insert("updatedAt".to_owned(), created);
                }
            })
            .await?;
        let (stored, converted) = match (stored, outcome) {
            (_, Outcome::Gone) => return Ok(()),
            (_, Outcome::Current) => {
                self.report.stories.current += 1;
                return Ok(());
            }
            (Some(stored), Outcome::Stale(c)) => (stored, c),
            (_, _) => {
                tracing::warn!(pk, "story author is neither a public id nor a subject");
                self.report.stories.unreadable += 1;
                return Ok(());
            }
        };
        self.ensure_profile(&converted.public).await?;
        // Every list entry the story had is still among these (same café and tag lists),
        // plus its author's list.
        let writes = puts(stories::story_items(&converted.entity)?, as_read(&stored));
        if self.apply(writes).await? {
            self.report.stories.converted += 1;
        } else {
            self.report.stories.raced += 1;
        }
        Ok(())
    }

    async fn photo(&mut self, entry: &StoredDoc) -> Result<(), StoreError> {
        if is_current(&entry.doc, "uploadedBy") {
            self.report.photos.current += 1;
            return Ok(());
        }
        let Some(id) = field(&entry.doc, "id").and_then(|id| PhotoId::parse(&id).ok()) else {
            tracing::warn!(pk = entry.key.pk, "photo list entry without a valid id");
            self.report.photos.unreadable += 1;
            return Ok(());
        };
        let pk = keys::photo_pk(&id);
        let (stored, outcome) =
            convert::<T, Photo>(self.table, self.user_keys, &pk, "uploadedBy", |_| {}).await?;
        let (stored, converted) = match (stored, outcome) {
            (_, Outcome::Gone) => return Ok(()),
            (_, Outcome::Current) => {
                self.report.photos.current += 1;
                return Ok(());
            }
            (Some(stored), Outcome::Stale(c)) => (stored, c),
            (_, _) => {
                tracing::warn!(pk, "photo uploader is neither a public id nor a subject");
                self.report.photos.unreadable += 1;
                return Ok(());
            }
        };
        self.ensure_profile(&converted.public).await?;
        // The version stays: it counts the photo's life (created, finished), not this rewrite.
        let version = stored.version.unwrap_or(1);
        let writes = puts(
            photos::photo_items(&converted.entity, version)?,
            as_read(&stored),
        );
        if self.apply(writes).await? {
            self.report.photos.converted += 1;
        } else {
            self.report.photos.raced += 1;
        }
        Ok(())
    }
}
