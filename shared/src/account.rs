//! A person's account as a whole: erasing it (app stores require in-app account deletion) and
//! exporting everything stored about it.
//!
//! Erasure rule: the profile and saved cafés are deleted; reviews are deleted through the same
//! path as `DELETE /reviews/{id}` (so each café's rating shards are decremented and rating
//! summaries stay exact); stories are deleted with all their list entries; photos are kept,
//! because they show the café rather than the person, but handed to a "former member" id that
//! names nobody (so nothing links them to the account any more). Idempotency records
//! and write-limit counters are keyed by hashes, hold no personal data and expire on their own
//! (24 h). Work per call is bounded: the caller repeats until [`Erasure::complete`], and the
//! profile goes last, so an interrupted erasure is resumed by the next call.

use serde::{Deserialize, Serialize};

use crate::domain::{
    Author, PhotoView, PublicUserId, Review, ReviewView, SavedCafeView, Story, StoryView,
    UserProfile,
};
use crate::ports::{
    PhotoReader, PhotoWriter, ReviewReader, ReviewWriteError, ReviewWriter, SavedCafeStore,
    StoreError, StoryFilter, StoryReader, StoryWriteError, StoryWriter, UserReader, UserWriter,
};
use crate::query::{PageKey, PageLimit};

/// What one erasure call removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    pub reviews: usize,
    pub stories: usize,
    pub saved_cafes: usize,
    /// Photos handed to the former-member id.
    pub photos: usize,
    /// Whether nothing is left (the profile is gone too).
    pub complete: bool,
}

/// Items read per page while erasing or exporting.
const PAGE: u32 = 25;

/// Deletes up to `budget` of the user's items (reviews, stories, saved cafés), then, once
/// nothing else is left, their consents to partners, their recommendations and the profile.
pub async fn erase<S, R>(
    store: &S,
    reviews: &R,
    user: &PublicUserId,
    budget: usize,
) -> Result<Erasure, StoreError>
where
    S: UserWriter
        + SavedCafeStore
        + StoryReader
        + StoryWriter
        + PhotoReader
        + PhotoWriter
        + ReviewReader
        + crate::ports::ConsentStore
        + crate::ports::RecommendationStore,
    R: ReviewWriter,
{
    let limit = PageLimit::new(PAGE).unwrap_or_default();
    let mut done = Erasure::default();
    let spent = |d: &Erasure| d.reviews + d.stories + d.saved_cafes + d.photos;
    while spent(&done) < budget {
        let page = store.list_user_reviews(user, limit, None).await?;
        if page.items.is_empty() {
            break;
        }
        for review in page.items {
            delete_review(store, reviews, review).await?;
            done.reviews += 1;
        }
    }
    let by_user = StoryFilter {
        author: Some(user.clone()),
        ..StoryFilter::default()
    };
    while spent(&done) < budget {
        let page = store.list_stories(&by_user, limit, None).await?;
        if page.items.is_empty() {
            break;
        }
        for story in page.items {
            delete_story(store, story).await?;
            done.stories += 1;
        }
    }
    while spent(&done) < budget {
        let page = store.list_saved_cafes_raw(user, limit).await?;
        if page.is_empty() {
            break;
        }
        for cafe in page {
            store.unsave_cafe(user, &cafe).await?;
            done.saved_cafes += 1;
        }
    }
    while spent(&done) < budget {
        let page = store.user_photo_ids(user, limit, None).await?;
        if page.items.is_empty() {
            break;
        }
        for id in page.items {
            anonymise_photo(store, &id).await?;
            done.photos += 1;
        }
    }
    if spent(&done) < budget {
        // Consents to partners (at most one per partner) go before the profile, so no partner
        // can find the person once the erasure completes.
        for consent in store.consents(user).await? {
            store.withdraw_consent(user, &consent.partner_id).await?;
        }
        // What the recommender inferred about the person goes with them.
        store.delete_recommendations(user).await?;
        store.delete_profile(user).await?;
        done.complete = true;
    }
    Ok(done)
}

/// Hands a photo to the former-member id, re-reading it once if it changed meanwhile.
async fn anonymise_photo<S: PhotoReader + PhotoWriter>(
    store: &S,
    id: &crate::domain::PhotoId,
) -> Result<(), StoreError> {
    for _ in 0..2 {
        let Some(photo) = store.get_photo(id).await? else {
            return Ok(());
        };
        if store.anonymise_photo(&photo).await? {
            return Ok(());
        }
    }
    Err(StoreError::Backend {
        operation: "erase_photo",
        source: "the photo kept changing while it was being anonymised".into(),
    })
}

/// Deletes a review as read, re-reading it once if it changed meanwhile.
async fn delete_review<S: ReviewReader, R: ReviewWriter>(
    store: &S,
    reviews: &R,
    review: Review,
) -> Result<(), StoreError> {
    match reviews.delete_review(&review).await {
        Ok(()) => Ok(()),
        Err(ReviewWriteError::Store(e)) => Err(e),
        Err(ReviewWriteError::Conflict | ReviewWriteError::Duplicate { .. }) => {
            match store.get_review(&review.id).await? {
                None => Ok(()),
                Some(fresh) => reviews.delete_review(&fresh).await.map_err(|e| match e {
                    ReviewWriteError::Store(e) => e,
                    _ => StoreError::Backend {
                        operation: "erase_review",
                        source: "the review kept changing while it was being erased".into(),
                    },
                }),
            }
        }
    }
}

/// Deletes a story as read, re-reading it once if it changed meanwhile.
async fn delete_story<S: StoryReader + StoryWriter>(
    store: &S,
    story: Story,
) -> Result<(), StoreError> {
    match store.delete_story(&story).await {
        Ok(()) => Ok(()),
        Err(StoryWriteError::Store(e)) => Err(e),
        Err(StoryWriteError::Conflict) => match store.get_story(&story.id).await? {
            None => Ok(()),
            Some(fresh) => store.delete_story(&fresh).await.map_err(|e| match e {
                StoryWriteError::Store(e) => e,
                StoryWriteError::Conflict => StoreError::Backend {
                    operation: "erase_story",
                    source: "the story kept changing while it was being erased".into(),
                },
            }),
        },
    }
}

/// The parts of an account an export walks through, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportPart {
    #[serde(rename = "p")]
    Profile,
    #[serde(rename = "r")]
    Reviews,
    #[serde(rename = "s")]
    Stories,
    #[serde(rename = "f")]
    Photos,
    #[serde(rename = "c")]
    SavedCafes,
}

impl ExportPart {
    /// The part after this one, `None` after the last.
    fn next(self) -> Option<Self> {
        match self {
            Self::Profile => Some(Self::Reviews),
            Self::Reviews => Some(Self::Stories),
            Self::Stories => Some(Self::Photos),
            Self::Photos => Some(Self::SavedCafes),
            Self::SavedCafes => None,
        }
    }
}

/// Where an export resumes: a part, and the position inside it (`None`: its start). Travels
/// inside a signed cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPosition {
    #[serde(rename = "k")]
    pub part: ExportPart,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub after: Option<PageKey>,
}

impl ExportPosition {
    /// The beginning of an export (the profile).
    pub fn start() -> Self {
        Self::at(ExportPart::Profile)
    }

    fn at(part: ExportPart) -> Self {
        Self { part, after: None }
    }

    fn after(part: ExportPart, key: PageKey) -> Self {
        Self {
            part,
            after: Some(key),
        }
    }
}

/// One thing stored about a person, as `GET /me/export` lists it: `{"review": {…}}` and so on.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportEntry {
    Profile(UserProfile),
    Review(ReviewView),
    Story(StoryView),
    Photo(PhotoView),
    SavedCafe(SavedCafeView),
}

/// One page of an export: entries of a single part, each with the position right after it, and
/// where the next page starts (`None` once everything was listed).
#[derive(Clone, Debug)]
pub struct ExportPage {
    pub entries: Vec<ExportEntry>,
    pub keys: Vec<ExportPosition>,
    pub next: Option<ExportPosition>,
}

/// Reads one page of everything stored about `user` (`GET /me/export`), starting at `from`:
/// the profile, then reviews, stories, photos and saved cafés, each in its list's order, up to
/// `limit` entries. A page goes on into the next part when one ends, so a small account is one
/// page; each part costs one store page (photos one read per photo, made concurrently) plus one
/// read of the profile for the authors, so a call makes at most six reads. Paging through
/// returns every item exactly once, however large the account.
pub async fn export_page<S>(
    store: &S,
    user: &PublicUserId,
    from: ExportPosition,
    limit: PageLimit,
) -> Result<ExportPage, StoreError>
where
    S: UserReader + SavedCafeStore + StoryReader + PhotoReader + ReviewReader,
{
    let profile = store.get_profile(user).await?;
    let author = profile
        .as_ref()
        .map_or_else(|| Author::unnamed(user.clone()), UserProfile::author);
    let mut out = ExportPage {
        entries: Vec::new(),
        keys: Vec::new(),
        next: None,
    };
    let mut at = from;
    loop {
        let room = limit.get().saturating_sub(out.entries.len());
        let Some(room) = u32::try_from(room).ok().and_then(PageLimit::new) else {
            out.next = Some(at);
            return Ok(out);
        };
        let part = at.part;
        let (entries, keys, next): (Vec<ExportEntry>, Vec<PageKey>, Option<PageKey>) = match part {
            ExportPart::Profile => {
                if let Some(profile) = &profile {
                    out.entries.push(ExportEntry::Profile(profile.clone()));
                    out.keys.push(ExportPosition::at(ExportPart::Reviews));
                }
                (Vec::new(), Vec::new(), None)
            }
            ExportPart::Reviews => {
                let page = store.list_user_reviews(user, room, at.after).await?;
                let entries = page
                    .items
                    .iter()
                    .map(|r| ExportEntry::Review(r.view(author.clone())))
                    .collect();
                (entries, page.keys, page.next)
            }
            ExportPart::Stories => {
                let by_user = StoryFilter {
                    author: Some(user.clone()),
                    ..StoryFilter::default()
                };
                let page = store.list_stories(&by_user, room, at.after).await?;
                let entries = page
                    .items
                    .iter()
                    .map(|s| ExportEntry::Story(s.view(author.clone())))
                    .collect();
                (entries, page.keys, page.next)
            }
            ExportPart::Photos => {
                let page = store.user_photo_ids(user, room, at.after).await?;
                let photos = futures_util::future::try_join_all(
                    page.items.iter().map(|id| store.get_photo(id)),
                )
                .await?;
                // A photo deleted between the two reads is left out, with its position.
                let (entries, keys) = photos
                    .into_iter()
                    .zip(page.keys)
                    .filter_map(|(photo, key)| {
                        photo.map(|p| (ExportEntry::Photo(p.view(author.clone())), key))
                    })
                    .unzip();
                (entries, keys, page.next)
            }
            ExportPart::SavedCafes => {
                let page = store.list_saved_cafes(user, room, at.after).await?;
                let entries = page.items.into_iter().map(ExportEntry::SavedCafe).collect();
                (entries, page.keys, page.next)
            }
        };
        out.entries.extend(entries);
        out.keys
            .extend(keys.into_iter().map(|k| ExportPosition::after(part, k)));
        match (next, part.next()) {
            // More of this part may follow: end the page here (the store's page may have been
            // cut short by its own size limit).
            (Some(key), _) => {
                out.next = Some(ExportPosition::after(part, key));
                return Ok(out);
            }
            (None, Some(following)) => at = ExportPosition::at(following),
            (None, None) => return Ok(out),
        }
    }
}
