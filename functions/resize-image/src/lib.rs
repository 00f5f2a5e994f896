//! The `resize-image` worker: S3 upload notifications arrive through SQS; each upload becomes
//! WebP and JPEG renditions in the media bucket and a ready photo, or a failed photo with a
//! reason. Permanent problems (not an image, too big, corrupt) finish the photo as failed and
//! are never retried; store or bucket outages fail the message, so SQS redelivers it (and moves
//! it to the dead-letter queue after three receives).
//!
//! A photo that ends ready is offered as its café's cover (the newest ready photo wins; see
//! `CoverWriter`). A redelivered message for a ready photo offers it again, so a crash between
//! finishing the photo and updating the cover is repaired by the retry.
//!
//! One bad photo never fails its batch-mates (see [`isolation`]): each photo is rendered on a
//! blocking thread, a codec panic or a render over its time budget finishes that photo
//! `failed`, and the batch stops before the invocation's deadline, reporting the messages it
//! did not reach so that SQS redelivers only those. Catching a panic needs unwinding, so this
//! crate alone is built with `panic = "unwind"` (its `Cargo.toml` sets it for the
//! `cargo lambda build --bin resize-image` that `sam build` runs; the binary refuses to start
//! otherwise ([`check_panic_strategy`]); docs/photos.md, "Bad input cannot fail a batch").

pub mod isolation;
pub mod jpeg;
#[cfg(feature = "poller")]
pub mod poller;
pub mod render;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::blob::IMMUTABLE;
use shared::domain::{
    CoverPhoto, MAX_UPLOAD_BYTES, Photo, PhotoOutcome, PhotoStatus, Rendition, UploadType,
    photo_of_upload_key,
};
use shared::ports::{
    BlobStore, CoverWriter, Fetched, Finish, PhotoReader, PhotoWriter, StoreError,
};
use tokio::time::Instant;

pub use isolation::{Codec, RenderFailure, Renderer, Rendering};

/// Refuses a build with `panic = "abort"` (the binary calls it first): there, a codec panic
/// would kill the process and its whole batch instead of failing one photo.
pub fn check_panic_strategy() -> Result<(), &'static str> {
    if cfg!(panic = "abort") {
        Err(ABORT_BUILD)
    } else {
        Ok(())
    }
}

/// Why a `resize-image` binary built with `panic = "abort"` refuses to start.
pub const ABORT_BUILD: &str = "resize-image was built with panic = \"abort\", which would let one bad photo take its batch down; build it with `cargo lambda build --release --bin resize-image` (Cargo.toml sets CARGO_PROFILE_RELEASE_PANIC=unwind for that build; docs/photos.md)";

/// What the worker needs.
pub struct Deps<S, U, M> {
    /// Photos.
    pub store: S,
    /// The uploads bucket (raw, private).
    pub uploads: U,
    /// The media bucket (renditions, behind the CDN).
    pub media: M,
    /// Public URL prefix of the media bucket's `media/` keys, without a trailing slash.
    pub media_base_url: String,
}

/// What became of one upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Processed {
    /// Renditions published and the photo is ready.
    Ready { renditions: usize },
    /// The upload can never become a photo; the photo says why.
    Failed { reason: String },
    /// Nothing to do: not a photo key, an unknown photo, one already finished (redelivery) or
    /// an object that no longer exists.
    Skipped { why: &'static str },
}

/// Processes the upload at `key` with the real codec and the default time budget. `Err` means
/// "try again later" (a store or bucket failed).
pub async fn process_upload<S, U, M>(
    deps: &Deps<S, U, M>,
    key: &str,
) -> Result<Processed, StoreError>
where
    S: PhotoReader + PhotoWriter + CoverWriter,
    U: BlobStore,
    M: BlobStore,
{
    process_upload_with(deps, &Rendering::default(), key).await
}

/// [`process_upload`] with a given renderer and budget.
pub async fn process_upload_with<S, U, M>(
    deps: &Deps<S, U, M>,
    rendering: &Rendering,
    key: &str,
) -> Result<Processed, StoreError>
where
    S: PhotoReader + PhotoWriter + CoverWriter,
    U: BlobStore,
    M: BlobStore,
{
    let Some(id) = photo_of_upload_key(key) else {
        return Ok(Processed::Skipped {
            why: "not a photo upload key",
        });
    };
    let Some(photo) = deps.store.get_photo(&id).await? else {
        return Ok(Processed::Skipped {
            why: "no such photo",
        });
    };
    if photo.status != PhotoStatus::Pending {
        // A redelivery: the cover may not have been offered before the last attempt stopped.
        offer_cover(deps, &photo).await?;
        return Ok(Processed::Skipped {
            why: "already finished",
        });
    }
    let bytes = match deps.uploads.get(key, MAX_UPLOAD_BYTES).await? {
        Fetched::Bytes(bytes) => bytes,
        Fetched::Missing => {
            return Ok(Processed::Skipped {
                why: "the upload no longer exists",
            });
        }
        Fetched::TooLarge(size) => {
            let reason =
                format!("the upload is {size} bytes; at most {MAX_UPLOAD_BYTES} are accepted");
            return finish(
                deps,
                &id,
                PhotoOutcome::Failed(reason.clone()),
                Processed::Failed { reason },
            )
            .await;
        }
    };
    // What the bytes are, whatever was declared (`render` refuses anything else).
    let sniffed = render::Format::sniff(&bytes).map(|f| match f {
        render::Format::Jpeg => UploadType::Jpeg,
        render::Format::Png => UploadType::Png,
        render::Format::Webp => UploadType::Webp,
    });
    // Decoding is CPU-bound: on a blocking thread, within the budget, panics caught.
    let rendered = rendering
        .run(bytes)
        .await
        .map_err(|e| StoreError::Backend {
            operation: "render",
            source: Box::new(e),
        })?;
    let renditions = match rendered {
        Ok(renditions) => renditions,
        Err(failure) => {
            let reason = failure.to_string();
            tracing::warn!(photo_id = %id, %reason, "the photo failed");
            return finish(
                deps,
                &id,
                PhotoOutcome::Failed(reason.clone()),
                Processed::Failed { reason },
            )
            .await;
        }
    };
    let mut published = Vec::with_capacity(renditions.len());
    for r in renditions {
        let object = format!("media/{}", r.name);
        published.push(Rendition {
            size: r.size,
            width: r.width,
            height: r.height,
            format: r.encoding.as_str().to_owned(),
            url: format!("{}/{}", deps.media_base_url, r.name),
        });
        deps.media
            .put(&object, r.bytes, r.encoding.content_type(), IMMUTABLE)
            .await?;
    }
    let count = published.len();
    let ready = Photo {
        status: PhotoStatus::Ready,
        renditions: published.clone(),
        ..photo
    };
    let processed = finish(
        deps,
        &id,
        PhotoOutcome::Ready {
            renditions: published,
            content_type: sniffed.unwrap_or(ready.content_type),
        },
        Processed::Ready { renditions: count },
    )
    .await?;
    // Only the worker that finished the photo offers it (a racing one skipped above).
    if processed == (Processed::Ready { renditions: count }) {
        offer_cover(deps, &ready).await?;
    }
    Ok(processed)
}

/// Offers a ready photo as its café's cover (a no-op for other photos, and when the café's
/// cover is newer).
async fn offer_cover<S, U, M>(deps: &Deps<S, U, M>, photo: &Photo) -> Result<(), StoreError>
where
    S: CoverWriter,
{
    if let Some(cover) = CoverPhoto::of(photo) {
        let change = deps.store.offer_cover(&photo.cafe_id, &cover).await?;
        tracing::info!(photo_id = %photo.id, cafe_id = %photo.cafe_id, ?change, "cover offered");
    }
    Ok(())
}

async fn finish<S, U, M>(
    deps: &Deps<S, U, M>,
    id: &shared::domain::PhotoId,
    outcome: PhotoOutcome,
    processed: Processed,
) -> Result<Processed, StoreError>
where
    S: PhotoWriter,
{
    match deps
        .store
        .finish_photo(id, outcome, jiff::Timestamp::now())
        .await?
    {
        Finish::Done => Ok(processed),
        Finish::AlreadyFinished => Ok(Processed::Skipped {
            why: "already finished",
        }),
        Finish::Missing => Ok(Processed::Skipped {
            why: "no such photo",
        }),
    }
}

/// The parts of an S3 event notification the worker reads (tolerant of every other field).
#[derive(serde::Deserialize)]
struct Notification {
    #[serde(rename = "Records", default)]
    records: Vec<NotificationRecord>,
}

#[derive(serde::Deserialize)]
struct NotificationRecord {
    #[serde(rename = "eventName", default)]
    event_name: String,
    s3: NotificationS3,
}

#[derive(serde::Deserialize)]
struct NotificationS3 {
    object: NotificationObject,
}

#[derive(serde::Deserialize)]
struct NotificationObject {
    key: String,
}

/// The object keys an SQS message announces: S3 `ObjectCreated` records (keys are
/// URL-encoded in notifications). S3's `s3:TestEvent` holds none.
pub fn upload_keys(body: &str) -> Result<Vec<String>, serde_json::Error> {
    let event: Notification = serde_json::from_str(body)?;
    Ok(event
        .records
        .into_iter()
        .filter(|r| r.event_name.starts_with("ObjectCreated"))
        .map(|r| url_decode(&r.s3.object.key))
        .collect())
}

/// S3 notification keys: `+` for spaces and `%XX` escapes.
fn url_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Handles one SQS batch with the real codec, the default budget and no deadline (tests, the
/// fixture). See [`handle_batch`].
pub async fn handle<S, U, M>(deps: &Deps<S, U, M>, event: SqsEvent) -> SqsBatchResponse
where
    S: PhotoReader + PhotoWriter + CoverWriter,
    U: BlobStore,
    M: BlobStore,
{
    handle_batch(deps, &Rendering::default(), event, None).await
}

/// Handles one SQS batch, one upload at a time (one decoded image in memory at once), and
/// reports the messages to retry: those that met a store or bucket failure, and, when the
/// invocation's `deadline` draws near, every message not yet finished. An upload is only
/// started if its whole render budget plus the reserve fits before the deadline, and its
/// processing is cut off at `deadline - reserve` in any case (the photo stays `pending` for
/// the redelivery).
pub async fn handle_batch<S, U, M>(
    deps: &Deps<S, U, M>,
    rendering: &Rendering,
    event: SqsEvent,
    deadline: Option<Instant>,
) -> SqsBatchResponse
where
    S: PhotoReader + PhotoWriter + CoverWriter,
    U: BlobStore,
    M: BlobStore,
{
    let mut response = SqsBatchResponse::default();
    let retry = |response: &mut SqsBatchResponse, id: &str| {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id.to_owned();
        response.batch_item_failures.push(failure);
    };
    let cutoff = deadline.map(|d| d.checked_sub(rendering.reserve).unwrap_or(d));
    let mut out_of_time = false;
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        if out_of_time {
            retry(&mut response, &id);
            continue;
        }
        let keys = match upload_keys(message.body.as_deref().unwrap_or_default()) {
            Ok(keys) => keys,
            Err(e) => {
                // A message that is not an S3 notification will never become one.
                tracing::error!(message_id = %id, error = %e, "dropping a message that is not an S3 event");
                continue;
            }
        };
        for key in keys {
            if let Some(cutoff) = cutoff
                && Instant::now() + rendering.budget > cutoff
            {
                tracing::warn!(message_id = %id, key, "too close to the deadline to start; left for redelivery");
                out_of_time = true;
                retry(&mut response, &id);
                break;
            }
            let work = process_upload_with(deps, rendering, &key);
            let result = match cutoff {
                Some(cutoff) => match tokio::time::timeout_at(cutoff, work).await {
                    Ok(result) => result,
                    Err(_) => {
                        tracing::error!(message_id = %id, key, "the deadline came first; left for redelivery");
                        out_of_time = true;
                        retry(&mut response, &id);
                        break;
                    }
                },
                None => work.await,
            };
            match result {
                Ok(outcome) => tracing::info!(message_id = %id, key, ?outcome, "upload processed"),
                Err(e) => {
                    tracing::error!(message_id = %id, key, error = %e, "upload will be retried");
                    retry(&mut response, &id);
                    break;
                }
            }
        }
    }
    if out_of_time {
        tracing::warn!(
            retried = response.batch_item_failures.len(),
            "stopped before the deadline"
        );
    }
    response
}

/// The instant of a Lambda deadline given in milliseconds since the Unix epoch
/// (`Context::deadline`), measured from `now`; a deadline already past is `now`.
pub fn deadline_instant(deadline_ms: u64, now: SystemTime) -> Instant {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_object_created_keys_from_s3_notifications() {
        let body = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-23T12:00:00.000Z","eventName":"ObjectCreated:Post","userIdentity":{"principalId":"AWS:AROAEXAMPLE"},"requestParameters":{"sourceIPAddress":"203.0.113.9"},"responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8"},"s3":{"s3SchemaVersion":"1.0","configurationId":"photos","bucket":{"name":"uploads","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::uploads"},"object":{"key":"uploads/pho_0000000000000001","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}},{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"uploads"},"object":{"key":"uploads/x"}}}]}"#;
        assert_eq!(
            upload_keys(body).expect("an S3 event"),
            vec!["uploads/pho_0000000000000001".to_owned()]
        );
        assert_eq!(
            upload_keys(r#"{"Event":"s3:TestEvent"}"#).expect("json"),
            Vec::<String>::new()
        );
        assert!(upload_keys("not json").is_err());
        assert_eq!(url_decode("uploads/a+b%2Fc%zz"), "uploads/a b/c%zz");
    }

    #[test]
    fn deadlines_in_epoch_milliseconds_become_instants() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000_000);
        let before = Instant::now();
        let at = deadline_instant(1_060_000, now);
        let after = Instant::now();
        assert!(at >= before + Duration::from_secs(60));
        assert!(at <= after + Duration::from_secs(60));
        let past = deadline_instant(999_000, now);
        assert!(past <= Instant::now(), "a past deadline is now");
    }
}
