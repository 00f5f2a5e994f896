//! The photo sweep: a photo still `pending` [`UPLOAD_DEADLINE`] (24 h) after its announcement
//! ends `failed` with reason [`NEVER_UPLOADED`]. In AWS an EventBridge schedule invokes it every
//! 15 minutes; the local server runs the same [`sweep`] periodically.
//!
//! No Scan: each run reads the pending-photos index oldest first (`PHOTOS#PENDING` on
//! `ByName`), at most [`MAX_BATCHES`] × [`BATCH`] entries, and stops at the first photo that is
//! not overdue; the next run starts again from the oldest. A photo whose file did arrive (the worker is about to take it) is left alone:
//! "never uploaded" is checked against the uploads bucket, not guessed from the clock alone.
//! Finishing is the worker's conditional write on the photo's version, so a sweep racing the
//! worker (or another sweep) changes a photo at most once.

use jiff::Timestamp;
use shared::domain::{NEVER_UPLOADED, PhotoOutcome, UPLOAD_DEADLINE};
use shared::ports::{BlobStore, Fetched, Finish, PendingPhotoReader, PhotoWriter, StoreError};

/// Photos read per index query.
pub const BATCH: usize = 100;
/// Queries per run: bounds one run's work (the next run continues).
pub const MAX_BATCHES: usize = 10;

/// What the sweep needs: the photo store and the uploads bucket.
pub struct Deps<S, U> {
    pub store: S,
    pub uploads: U,
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

/// Fails every photo announced more than [`UPLOAD_DEADLINE`] before `now` whose upload never
/// arrived (up to the run's bound).
pub async fn sweep<S, U>(deps: &Deps<S, U>, now: Timestamp) -> Result<Swept, StoreError>
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

/// The Lambda handler: the EventBridge event carries nothing the sweep needs.
pub async fn handle<S, U>(
    deps: &Deps<S, U>,
    _event: serde_json::Value,
) -> Result<serde_json::Value, StoreError>
where
    S: PendingPhotoReader + PhotoWriter,
    U: BlobStore,
{
    let swept = sweep(deps, Timestamp::now()).await?;
    tracing::info!(
        failed = swept.failed,
        uploaded = swept.uploaded,
        raced = swept.raced,
        "photo sweep done"
    );
    Ok(serde_json::json!({
        "failed": swept.failed,
        "uploaded": swept.uploaded,
        "raced": swept.raced,
    }))
}
