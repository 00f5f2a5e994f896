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

use serde::Serialize;

use crate::domain::{
    Author, PhotoView, PublicUserId, Review, ReviewView, SavedCafeView, Story, StoryView,
    UserProfile,
};
use crate::ports::{
    PhotoReader, PhotoWriter, ReviewReader, ReviewWriteError, ReviewWriter, SavedCafeStore,
    StoreError, StoryFilter, StoryReader, StoryWriteError, StoryWriter, UserReader, UserWriter,
};
use crate::query::PageLimit;

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
/// nothing else is left, their consents to partners and the profile.
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
        + crate::ports::ConsentStore,
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

/// Everything stored about one person (`GET /me/export`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountExport {
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    pub exported_at: jiff::Timestamp,
    pub profile: Option<UserProfile>,
    pub reviews: Vec<ReviewView>,
    pub stories: Vec<StoryView>,
    pub saved_cafes: Vec<SavedCafeView>,
    pub photos: Vec<PhotoView>,
}

/// Most items of each kind an export holds (far above what the write limits let a person
/// create in years); a larger account is exported up to this bound and says so in the logs.
pub const MAX_EXPORT_ITEMS: usize = 10_000;

/// Collects everything stored about `user`.
pub async fn export<S>(
    store: &S,
    user: &PublicUserId,
    now: jiff::Timestamp,
) -> Result<AccountExport, StoreError>
where
    S: UserReader + SavedCafeStore + StoryReader + PhotoReader + ReviewReader,
{
    let limit = PageLimit::max();
    let profile = store.get_profile(user).await?;
    let author = profile
        .as_ref()
        .map_or_else(|| Author::unnamed(user.clone()), UserProfile::author);
    let mut out = AccountExport {
        exported_at: now,
        profile,
        reviews: Vec::new(),
        stories: Vec::new(),
        saved_cafes: Vec::new(),
        photos: Vec::new(),
    };
    let mut after = None;
    loop {
        let page = store.list_user_reviews(user, limit, after).await?;
        out.reviews
            .extend(page.items.iter().map(|r| r.view(author.clone())));
        match page.next {
            Some(next) if out.reviews.len() < MAX_EXPORT_ITEMS => after = Some(next),
            _ => break,
        }
    }
    let by_user = StoryFilter {
        author: Some(user.clone()),
        ..StoryFilter::default()
    };
    let mut after = None;
    loop {
        let page = store.list_stories(&by_user, limit, after).await?;
        out.stories
            .extend(page.items.iter().map(|s| s.view(author.clone())));
        match page.next {
            Some(next) if out.stories.len() < MAX_EXPORT_ITEMS => after = Some(next),
            _ => break,
        }
    }
    let mut after = None;
    loop {
        let page = store.user_photo_ids(user, limit, after).await?;
        for id in &page.items {
            if let Some(photo) = store.get_photo(id).await? {
                out.photos.push(photo.view(author.clone()));
            }
        }
        match page.next {
            Some(next) if out.photos.len() < MAX_EXPORT_ITEMS => after = Some(next),
            _ => break,
        }
    }
    let mut after = None;
    loop {
        let page = store.list_saved_cafes(user, limit, after).await?;
        out.saved_cafes.extend(page.items);
        match page.next {
            Some(next) if out.saved_cafes.len() < MAX_EXPORT_ITEMS => after = Some(next),
            _ => break,
        }
    }
    Ok(out)
}
