//! The photo sweep, run every 5 minutes by an EventBridge schedule in AWS (the local server
//! runs the same functions periodically):
//!
//! - **Overdue uploads** ([`sweep`]): a photo still `pending` [`UPLOAD_DEADLINE`] (24 h) after
//!   its announcement ends `failed` with reason [`NEVER_UPLOADED`].
//! - **Media purges** ([`purge`]): renditions of deleted photos served by this region (queued
//!   by `delete-photo` in the same write that deleted the photo) are deleted from the media
//!   bucket, their CDN paths invalidated in one CloudFront invalidation per run, and only then
//!   taken off the queue. A run that fails part-way leaves them queued; the next run does the
//!   idempotent deletes again.
//!
//! No Scan: each run reads the pending-photos index oldest first (`PHOTOS#PENDING` on
//! `ByName`), at most [`MAX_BATCHES`] × [`BATCH`] entries, and stops at the first photo that is
//! not overdue; the next run starts again from the oldest. A photo whose file did arrive (the
//! worker is about to take it) is left alone: "never uploaded" is checked against the uploads
//! bucket, not guessed from the clock alone. Finishing is the worker's conditional write on the
//! photo's version, so a sweep racing the worker (or another sweep) changes a photo at most
//! once. Purges are one bounded `Query` of this region's purge partition
//! (`PHOTOS#PURGE#<media host>`), at most [`PURGE_BATCH`] photos per run.

use futures_util::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use shared::domain::{NEVER_UPLOADED, PhotoOutcome, UPLOAD_DEADLINE};
use shared::ports::{
    BlobStore, CdnInvalidator, Fetched, Finish, MediaPurgeQueue, PendingPhotoReader, PhotoWriter,
    StoreError,
};

/// Photos read per index query.
pub const BATCH: usize = 100;
/// Queries per run: bounds one run's work (the next run continues).
pub const MAX_BATCHES: usize = 10;
/// Deleted photos purged per run: at most 6 renditions each, so one invalidation of at most
/// 600 paths (CloudFront accepts 3,000 per invalidation and in progress per distribution).
pub const PURGE_BATCH: usize = 100;
/// Media deletions in flight at once during a purge.
const DELETES_IN_FLIGHT: usize = 16;

/// What the sweep needs: the photo store, the uploads and media buckets, the CDN, and the host
/// this region's renditions are served from (the host of `CRAFTBEAN_MEDIA_BASE_URL`).
pub struct Deps<S, U, M, C> {
    pub store: S,
    pub uploads: U,
    pub media: M,
    pub cdn: C,
    pub media_host: String,
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Overdue photos now `failed` with `never-uploaded`.
    pub failed: usize,
    /// Overdue photos whose upload exists after all (left for the worker).
    pub uploaded: usize,
    /// Overdue photos finished by someone else meanwhile.
    pub raced: usize,
}

/// What one purge run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Deleted photos whose media are now gone (and off the queue).
    pub photos: usize,
    /// Media objects deleted (each rendition; a missing one counts: deleting is idempotent).
    pub objects: usize,
}

/// Fails every photo announced more than [`UPLOAD_DEADLINE`] before `now` whose upload never
/// arrived (up to the run's bound).
pub async fn sweep<S, U, M, C>(deps: &Deps<S, U, M, C>, now: Timestamp) -> Result<Swept, StoreError>
where
    S: PendingPhotoReader + PhotoWriter,
    U: BlobStore,
{
    let cutoff = now.checked_sub(UPLOAD_DEADLINE).unwrap_or(Timestamp::MIN);
    let mut swept = Swept::default();
    let mut after = None;
    for _ in 0..MAX_BATCHES {
        let page = deps.store.overdue_photos(cutoff, BATCH, after).await?;
        for photo in page.items {
            // `max_bytes = 0`: only whether the object exists matters, never its bytes.
            if deps.uploads.get(&photo.upload_key(), 0).await? != Fetched::Missing {
                swept.uploaded += 1;
                continue;
            }
            let outcome = PhotoOutcome::Failed(NEVER_UPLOADED.to_owned());
            match deps.store.finish_photo(&photo.id, outcome, now).await? {
                Finish::Done => {
                    swept.failed += 1;
                    tracing::info!(photo_id = %photo.id, "photo never uploaded: failed");
                }
                Finish::AlreadyFinished | Finish::Missing => swept.raced += 1,
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(swept)
}

/// Purges the media of up to [`PURGE_BATCH`] deleted photos served from this region, oldest
/// first: their objects leave the media bucket, one CloudFront invalidation covers all their
/// paths, and then they leave the queue. Any failure stops the run with the purges still
/// queued (deleting objects and invalidating paths again is harmless).
pub async fn purge<S, U, M, C>(deps: &Deps<S, U, M, C>) -> Result<Purged, StoreError>
where
    S: MediaPurgeQueue,
    M: BlobStore,
    C: CdnInvalidator,
{
    let purges = deps
        .store
        .pending_purges(&deps.media_host, PURGE_BATCH)
        .await?;
    if purges.is_empty() {
        return Ok(Purged::default());
    }
    // Up to 600 objects: deleted [`DELETES_IN_FLIGHT`] at a time, so a full batch takes a few
    // seconds of the run's 60, not one round-trip per object in sequence.
    let keys: Vec<String> = purges.iter().flat_map(|p| p.keys()).collect();
    let objects = keys.len();
    let media = &deps.media;
    stream::iter(keys)
        .map(|key| async move { media.delete(&key).await })
        .buffer_unordered(DELETES_IN_FLIGHT)
        .try_collect::<()>()
        .await?;
    let paths: Vec<String> = purges.iter().flat_map(|p| p.paths()).collect();
    if !paths.is_empty() {
        deps.cdn.invalidate(paths).await?;
    }
    for purge in &purges {
        deps.store.purged(purge).await?;
        tracing::info!(photo_id = %purge.photo_id, renditions = purge.names.len(), "deleted photo's media purged");
    }
    Ok(Purged {
        photos: purges.len(),
        objects,
    })
}

/// The Lambda handler: the EventBridge event carries nothing the sweep needs. Both parts run
/// even if the first fails; the run fails (and alarms) if either did.
pub async fn handle<S, U, M, C>(
    deps: &Deps<S, U, M, C>,
    _event: serde_json::Value,
) -> Result<serde_json::Value, StoreError>
where
    S: PendingPhotoReader + PhotoWriter + MediaPurgeQueue,
    U: BlobStore,
    M: BlobStore,
    C: CdnInvalidator,
{
    let swept = sweep(deps, Timestamp::now()).await;
    let purged = purge(deps).await;
    let (swept, purged) = (swept?, purged?);
    tracing::info!(
        failed = swept.failed,
        uploaded = swept.uploaded,
        raced = swept.raced,
        purged_photos = purged.photos,
        purged_objects = purged.objects,
        "photo sweep done"
    );
    Ok(serde_json::json!({
        "failed": swept.failed,
        "uploaded": swept.uploaded,
        "raced": swept.raced,
        "purgedPhotos": purged.photos,
        "purgedObjects": purged.objects,
    }))
}
