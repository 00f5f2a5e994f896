//! Photo pipeline contracts over the wire: the photo store on both adapters, the blob store on
//! S3 (moto's server) and on a local directory, and the resize worker end to end on moto's S3
//! and DynamoDB, driven by the SQS messages S3 sends, including one bad photo in a batch of five
//! (the invariant "one bad photo never fails its batch-mates").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lambda_events::event::sqs::SqsEvent;
use jiff::Timestamp;
use resize_image::render::{Rejected, Rendition as Rendered};
use resize_image::{
    Codec, Deps, Processed, Renderer, Rendering, handle, handle_batch, process_upload,
};
use serde_json::json;
use shared::blob::IMMUTABLE;
use shared::domain::{
    CafeId, MediaPurge, Photo, PhotoId, PhotoOutcome, PhotoStatus, Rendition, UploadType,
};
use shared::ports::{
    BlobStore, Fetched, Finish, MediaPurgeQueue, PendingPhotoReader, PhotoReader, PhotoWriter,
};
use shared::query::PageLimit;

fn photo(n: u128, cafe: &CafeId) -> Photo {
    let now = Timestamp::from_second(1_800_000_000 + n as i64).unwrap();
    Photo {
        id: PhotoId::from_entropy(n),
        cafe_id: cafe.clone(),
        uploaded_by: shared::testing::public_id("user-1"),
        caption: Some("Latte art".to_owned()),
        content_type: UploadType::Jpeg,
        content_length: 1234,
        status: PhotoStatus::Pending,
        renditions: vec![],
        failure_reason: None,
        created_at: now,
        updated_at: now,
    }
}

fn rendition() -> Rendition {
    Rendition {
        size: 320,
        width: 320,
        height: 240,
        format: "webp".to_owned(),
        url: "https://cdn.example/media/abc.webp".to_owned(),
    }
}

async fn listed<S: PhotoReader>(store: &S, cafe: &CafeId) -> Vec<PhotoId> {
    store
        .list_cafe_photos(cafe, PageLimit::default(), None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.id)
        .collect()
}

async fn photos_finish_once_and_list_when_ready<S: PhotoReader + PhotoWriter>(store: S) {
    let cafe = CafeId::from_entropy(1);
    let (a, b, c) = (photo(1, &cafe), photo(2, &cafe), photo(3, &cafe));
    for p in [&a, &b, &c] {
        store.create_photo(p).await.unwrap();
    }
    let mut clash = a.clone();
    clash.caption = Some("Another photo under the same id".to_owned());
    assert!(store.create_photo(&clash).await.is_err(), "ids are unique");
    // The same photo again is a retry of a write that committed: it succeeds, changing nothing.
    store.create_photo(&a).await.unwrap();
    assert_eq!(store.get_photo(&a.id).await.unwrap(), Some(a.clone()));
    assert!(
        listed(&store, &cafe).await.is_empty(),
        "pending photos are not listed"
    );

    let at = Timestamp::from_second(1_900_000_000).unwrap();
    let ready = PhotoOutcome::Ready {
        renditions: vec![rendition()],
        content_type: UploadType::Jpeg,
    };
    assert_eq!(
        store.finish_photo(&a.id, ready.clone(), at).await.unwrap(),
        Finish::Done
    );
    assert_eq!(
        store
            .finish_photo(&a.id, PhotoOutcome::Failed("late".into()), at)
            .await
            .unwrap(),
        Finish::AlreadyFinished,
        "a redelivered message changes nothing"
    );
    let ready_png = PhotoOutcome::Ready {
        renditions: vec![rendition()],
        content_type: UploadType::Png,
    };
    assert_eq!(
        store.finish_photo(&b.id, ready_png, at).await.unwrap(),
        Finish::Done
    );
    assert_eq!(
        store.get_photo(&b.id).await.unwrap().unwrap().content_type,
        UploadType::Png,
        "a ready photo's type is what the worker found"
    );
    assert_eq!(
        store
            .finish_photo(&c.id, PhotoOutcome::Failed("not an image".into()), at)
            .await
            .unwrap(),
        Finish::Done
    );
    assert_eq!(
        store
            .finish_photo(
                &PhotoId::from_entropy(99),
                PhotoOutcome::Failed("x".into()),
                at
            )
            .await
            .unwrap(),
        Finish::Missing
    );
    let got = store.get_photo(&a.id).await.unwrap().unwrap();
    assert_eq!(got.status, PhotoStatus::Ready);
    assert_eq!(got.renditions, vec![rendition()]);
    assert_eq!(got.updated_at, at);
    let failed = store.get_photo(&c.id).await.unwrap().unwrap();
    assert_eq!(failed.failure_reason.as_deref(), Some("not an image"));
    // Ready photos only, newest first.
    assert_eq!(
        listed(&store, &cafe).await,
        vec![b.id.clone(), a.id.clone()]
    );
}

async fn deleted_photos_are_gone_from_the_profile_and_the_list<S: PhotoReader + PhotoWriter>(
    store: S,
) {
    let cafe = CafeId::from_entropy(1);
    let (a, b) = (photo(1, &cafe), photo(2, &cafe));
    let at = Timestamp::from_second(1_900_000_000).unwrap();
    for p in [&a, &b] {
        store.create_photo(p).await.unwrap();
        let ready = PhotoOutcome::Ready {
            renditions: vec![rendition()],
            content_type: UploadType::Jpeg,
        };
        store.finish_photo(&p.id, ready, at).await.unwrap();
    }
    let stored = store.get_photo(&b.id).await.unwrap().unwrap();
    store.delete_photo(&stored, None).await.unwrap();
    assert_eq!(store.get_photo(&b.id).await.unwrap(), None);
    assert_eq!(listed(&store, &cafe).await, vec![a.id.clone()]);
    // A second delete (a retried request) succeeds and changes nothing.
    store.delete_photo(&stored, None).await.unwrap();
    // A pending photo has no list entry; deleting it works too.
    let c = photo(3, &cafe);
    store.create_photo(&c).await.unwrap();
    store.delete_photo(&c, None).await.unwrap();
    assert_eq!(store.get_photo(&c.id).await.unwrap(), None);
}

async fn overdue_photos_come_oldest_first_and_leave_the_index_when_finished<
    S: PhotoReader + PhotoWriter + PendingPhotoReader,
>(
    store: S,
) {
    let cafe = CafeId::from_entropy(1);
    // photo(n) is announced at 1_800_000_000 + n seconds.
    let photos: Vec<Photo> = [4u128, 1, 3, 2, 5]
        .iter()
        .map(|&n| photo(n, &cafe))
        .collect();
    for p in &photos {
        store.create_photo(p).await.unwrap();
    }
    let before = |n: i64| Timestamp::from_second(1_800_000_000 + n).unwrap();
    let ids = |page: &shared::query::Page<Photo>| -> Vec<PhotoId> {
        page.items.iter().map(|p| p.id.clone()).collect()
    };
    // Announced before second 4: photos 1, 2, 3, oldest first, and nothing after.
    let page = store.overdue_photos(before(4), 10, None).await.unwrap();
    assert_eq!(ids(&page), [1, 2, 3].map(PhotoId::from_entropy).to_vec());
    assert_eq!(page.next, None);
    // Bounded reads continue where the last stopped.
    let first = store.overdue_photos(before(4), 2, None).await.unwrap();
    assert_eq!(ids(&first), [1, 2].map(PhotoId::from_entropy).to_vec());
    let rest = store
        .overdue_photos(before(4), 2, first.next)
        .await
        .unwrap();
    assert_eq!(ids(&rest), vec![PhotoId::from_entropy(3)]);
    assert_eq!(rest.next, None);
    // Finished and deleted photos leave the pending index.
    let at = Timestamp::from_second(1_900_000_000).unwrap();
    store
        .finish_photo(
            &PhotoId::from_entropy(1),
            PhotoOutcome::Failed("x".into()),
            at,
        )
        .await
        .unwrap();
    let two = store
        .get_photo(&PhotoId::from_entropy(2))
        .await
        .unwrap()
        .unwrap();
    store.delete_photo(&two, None).await.unwrap();
    let page = store.overdue_photos(before(10), 10, None).await.unwrap();
    assert_eq!(ids(&page), [3, 4, 5].map(PhotoId::from_entropy).to_vec());
}

/// A ready photo `n` whose renditions are served from `host`.
fn published(n: u128, cafe: &CafeId, host: &str) -> Photo {
    let mut p = photo(n, cafe);
    p.status = PhotoStatus::Ready;
    p.renditions = ["webp", "jpeg"]
        .into_iter()
        .map(|ext| Rendition {
            url: format!("https://{host}/media/{n:064x}.{ext}"),
            ..rendition()
        })
        .collect();
    p
}

async fn deletions_queue_their_media_purge_under_its_host_oldest_first<
    S: PhotoReader + PhotoWriter + MediaPurgeQueue,
>(
    store: S,
) {
    let cafe = CafeId::from_entropy(1);
    let at = |s: i64| Timestamp::from_second(1_900_000_000 + s).unwrap();
    let mut purges = Vec::new();
    // Deleted in the order 3, 1, 2 on host a; 4 on host b.
    for (n, host, second) in [
        (3, "a.example", 5),
        (1, "a.example", 7),
        (2, "a.example", 9),
        (4, "b.example", 1),
    ] {
        let p = published(n, &cafe, host);
        store.create_photo(&p).await.unwrap();
        let purge = MediaPurge::of(&p, at(second)).unwrap();
        store.delete_photo(&p, Some(&purge)).await.unwrap();
        assert_eq!(store.get_photo(&p.id).await.unwrap(), None);
        purges.push(purge);
    }
    let ids = |q: &[MediaPurge]| q.iter().map(|p| p.photo_id.clone()).collect::<Vec<_>>();
    let on_a = store.pending_purges("a.example", 10).await.unwrap();
    assert_eq!(ids(&on_a), [3, 1, 2].map(PhotoId::from_entropy).to_vec());
    // Stored whole: host, names and time come back as written.
    assert_eq!(on_a[0], purges[0]);
    assert_eq!(
        store.pending_purges("b.example", 10).await.unwrap(),
        vec![purges[3].clone()]
    );
    assert!(
        store
            .pending_purges("c.example", 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Bounded: the oldest first.
    let first = store.pending_purges("a.example", 2).await.unwrap();
    assert_eq!(ids(&first), [3, 1].map(PhotoId::from_entropy).to_vec());
    // Purged ones leave the queue (twice is fine: a retried run); the rest stay in order.
    for p in &first {
        store.purged(p).await.unwrap();
        store.purged(p).await.unwrap();
    }
    let left = store.pending_purges("a.example", 10).await.unwrap();
    assert_eq!(ids(&left), vec![PhotoId::from_entropy(2)]);
    // A retried deletion (its response was lost) queues nothing twice.
    let p = published(2, &cafe, "a.example");
    store.delete_photo(&p, Some(&purges[2])).await.unwrap();
    assert_eq!(store.pending_purges("a.example", 10).await.unwrap(), left);
}

tests::contract_suite!(
    deletions_queue_their_media_purge_under_its_host_oldest_first,
    overdue_photos_come_oldest_first_and_leave_the_index_when_finished,
    photos_finish_once_and_list_when_ready,
    deleted_photos_are_gone_from_the_profile_and_the_list,
);

async fn blob_contract<B: BlobStore>(blobs: B) {
    assert_eq!(
        blobs.get("uploads/none", 10).await.unwrap(),
        Fetched::Missing
    );
    blobs
        .put("media/a.webp", b"12345".to_vec(), "image/webp", IMMUTABLE)
        .await
        .unwrap();
    assert_eq!(
        blobs.get("media/a.webp", 5).await.unwrap(),
        Fetched::Bytes(b"12345".to_vec())
    );
    assert_eq!(
        blobs.get("media/a.webp", 4).await.unwrap(),
        Fetched::TooLarge(5)
    );
    blobs
        .put("media/a.webp", b"678".to_vec(), "image/webp", IMMUTABLE)
        .await
        .unwrap();
    assert_eq!(
        blobs.get("media/a.webp", 100).await.unwrap(),
        Fetched::Bytes(b"678".to_vec())
    );
    blobs.delete("media/a.webp").await.unwrap();
    assert_eq!(
        blobs.get("media/a.webp", 100).await.unwrap(),
        Fetched::Missing
    );
    // Deleting what is not there succeeds: retries are safe.
    blobs.delete("media/a.webp").await.unwrap();
}

#[tokio::test]
async fn s3_over_http_moto_blob_contract() {
    let bucket = tests::s3_bucket().await;
    blob_contract(bucket.clone()).await;
    bucket
        .put("media/b.webp", b"9".to_vec(), "image/webp", IMMUTABLE)
        .await
        .unwrap();
    assert_eq!(
        bucket
            .cache_control("media/b.webp")
            .await
            .unwrap()
            .as_deref(),
        Some(IMMUTABLE)
    );
}

#[tokio::test]
async fn local_directory_blob_contract() {
    let dir = tempfile::tempdir().unwrap();
    blob_contract(shared::blob::local::DirBlobs::new(dir.path())).await;
    let unsafe_keys = ["../escape", "/abs", "a//b", "media/../x", ""];
    for key in unsafe_keys {
        let blobs = shared::blob::local::DirBlobs::new(dir.path());
        assert!(blobs.get(key, 10).await.is_err(), "{key:?}");
    }
}

fn jpeg_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1200, 800, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&img)
        .unwrap();
    // An APP1 segment carrying a GPS marker string (enough to prove nothing is copied).
    let payload = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0SECRET-GPS-48.8566N";
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend(&plain[2..]);
    out
}

/// The SQS message S3 sends for a new object (URL-encoded key).
fn notification(bucket: &str, key: &str, message_id: &str) -> serde_json::Value {
    let body = json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-23T12:00:00.000Z", "eventName": "ObjectCreated:Post",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "photos",
               "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": key, "size": 1, "sequencer": "0A"}}
    }]});
    json!({"messageId": message_id, "receiptHandle": "r", "body": body.to_string(),
           "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
           "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:photos", "awsRegion": "us-east-1"})
}

/// A bucket that does not exist: every write to it fails (a bucket outage).
async fn missing_bucket() -> shared::blob::s3::S3Blobs {
    shared::blob::s3::S3Blobs::new(tests::aws().await.s3(), "no-such-bucket-anywhere")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn worker_over_http_moto_publishes_strips_and_survives_redelivery() {
    let store = tests::dynamodb_store().await;
    let uploads = tests::s3_bucket().await;
    let media = tests::s3_bucket().await;
    let deps = Deps {
        store: store.clone(),
        uploads: uploads.clone(),
        media: media.clone(),
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    let cafe = CafeId::from_entropy(7);
    let good = photo(10, &cafe);
    let bad = photo(11, &cafe);
    let gone = photo(12, &cafe);
    for p in [&good, &bad, &gone] {
        store.create_photo(p).await.unwrap();
    }
    uploads
        .put(&good.upload_key(), jpeg_with_gps(), "image/jpeg", "private")
        .await
        .unwrap();
    uploads
        .put(
            &bad.upload_key(),
            b"<html>not a photo</html>".to_vec(),
            "image/jpeg",
            "private",
        )
        .await
        .unwrap();

    let event: SqsEvent = serde_json::from_value(json!({"Records": [
        notification("uploads", &good.upload_key(), "m1"),
        notification("uploads", &bad.upload_key(), "m2"),
        notification("uploads", &gone.upload_key(), "m3"),
        {"messageId": "m4", "body": "{\"Event\":\"s3:TestEvent\"}"},
        {"messageId": "m5", "body": "not json"},
    ]}))
    .unwrap();
    let response = handle(&deps, event.clone()).await;
    assert!(response.batch_item_failures.is_empty(), "nothing to retry");

    let ready = store.get_photo(&good.id).await.unwrap().unwrap();
    assert_eq!(ready.status, PhotoStatus::Ready);
    assert_eq!(ready.renditions.len(), 6);
    for r in &ready.renditions {
        let name = r.url.strip_prefix("https://cdn.example/media/").unwrap();
        let Fetched::Bytes(bytes) = media.get(&format!("media/{name}"), u64::MAX).await.unwrap()
        else {
            panic!("{name} not published");
        };
        assert!(!contains(&bytes, b"SECRET-GPS"), "{name} leaks GPS");
        assert_eq!(
            media
                .cache_control(&format!("media/{name}"))
                .await
                .unwrap()
                .as_deref(),
            Some(IMMUTABLE)
        );
    }
    let failed = store.get_photo(&bad.id).await.unwrap().unwrap();
    assert_eq!(failed.status, PhotoStatus::Failed);
    assert!(
        failed
            .failure_reason
            .unwrap()
            .contains("not a JPEG, PNG or WebP")
    );
    assert_eq!(
        store.get_photo(&gone.id).await.unwrap().unwrap().status,
        PhotoStatus::Pending,
        "an upload that never arrived leaves the photo pending"
    );

    // Redelivery of the same batch changes nothing.
    let response = handle(&deps, event).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(store.get_photo(&good.id).await.unwrap().unwrap(), ready);
    assert_eq!(
        process_upload(&deps, &good.upload_key()).await.unwrap(),
        Processed::Skipped {
            why: "already finished"
        }
    );

    // A bucket outage is transient: the message is reported for retry.
    let retry = photo(13, &cafe);
    store.create_photo(&retry).await.unwrap();
    uploads
        .put(
            &retry.upload_key(),
            jpeg_with_gps(),
            "image/jpeg",
            "private",
        )
        .await
        .unwrap();
    let broken = Deps {
        store: store.clone(),
        uploads: uploads.clone(),
        media: missing_bucket().await,
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    let event: SqsEvent = serde_json::from_value(json!({"Records": [
        notification("uploads", &retry.upload_key(), "m6"),
    ]}))
    .unwrap();
    let response = handle(&broken, event).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(response.batch_item_failures[0].item_identifier, "m6");
    assert_eq!(
        store.get_photo(&retry.id).await.unwrap().unwrap().status,
        PhotoStatus::Pending,
        "a transient failure leaves the photo pending for the retry"
    );
}

/// The real codec, except that it panics on an upload that starts with `PANIC` (no real input
/// known to make the `image` crate panic, so the panic comes through the renderer seam).
struct PanicsOnMarker;

impl Renderer for PanicsOnMarker {
    fn render(
        &self,
        bytes: &[u8],
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Vec<Rendered>, Rejected> {
        if bytes.starts_with(b"PANIC") {
            panic!("attempt to subtract with overflow (a codec bug)");
        }
        Codec.render(bytes, stop)
    }
}

#[tokio::test]
async fn worker_over_http_moto_fails_only_the_photo_whose_codec_panics_in_a_batch_of_five() {
    let store = tests::dynamodb_store().await;
    let uploads = tests::s3_bucket().await;
    let media = tests::s3_bucket().await;
    let deps = Deps {
        store: store.clone(),
        uploads: uploads.clone(),
        media,
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    let cafe = CafeId::from_entropy(9);
    let photos: Vec<Photo> = (30..35).map(|n| photo(n, &cafe)).collect();
    let poisoned = 3;
    for (i, p) in photos.iter().enumerate() {
        store.create_photo(p).await.unwrap();
        let bytes = if i == poisoned {
            b"PANIC and then anything".to_vec()
        } else {
            jpeg_with_gps()
        };
        uploads
            .put(&p.upload_key(), bytes, "image/jpeg", "private")
            .await
            .unwrap();
    }
    let event: SqsEvent = serde_json::from_value(json!({"Records": photos
        .iter()
        .enumerate()
        .map(|(i, p)| notification("uploads", &p.upload_key(), &format!("m{i}")))
        .collect::<Vec<_>>()}))
    .unwrap();
    // Budgets for an unoptimised build on a busy machine (the release budget is 15 s per photo
    // within a 60 s invocation); every photo fits before the deadline.
    let rendering = Rendering::new(
        std::sync::Arc::new(PanicsOnMarker),
        std::time::Duration::from_secs(60),
        resize_image::isolation::DEADLINE_RESERVE,
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(300);

    let response = handle_batch(&deps, &rendering, event, Some(deadline)).await;

    assert!(
        response.batch_item_failures.is_empty(),
        "no message to retry: {:?}",
        response.batch_item_failures
    );
    for (i, p) in photos.iter().enumerate() {
        let stored = store.get_photo(&p.id).await.unwrap().unwrap();
        if i == poisoned {
            assert_eq!(stored.status, PhotoStatus::Failed);
            assert_eq!(
                stored.failure_reason.as_deref(),
                Some("the image could not be decoded (the decoder crashed on it)")
            );
        } else {
            assert_eq!(stored.status, PhotoStatus::Ready, "photo {i}");
            assert_eq!(stored.renditions.len(), 6, "photo {i}");
        }
    }
}

#[tokio::test]
async fn sqs_over_http_moto_deletes_handled_messages_and_dead_letters_failures() {
    use resize_image::poller::poll_once;

    let (queue, dead_letters) = tests::sqs_queue_with_dlq(1).await;
    let store = tests::dynamodb_store().await;
    let uploads = tests::s3_bucket().await;
    let media = tests::s3_bucket().await;
    let cafe = CafeId::from_entropy(8);
    let good = photo(20, &cafe);
    let doomed = photo(21, &cafe);
    for p in [&good, &doomed] {
        store.create_photo(p).await.unwrap();
        uploads
            .put(&p.upload_key(), jpeg_with_gps(), "image/jpeg", "private")
            .await
            .unwrap();
    }
    let body = |key: &str| {
        notification("uploads", key, "unused")["body"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let working = Deps {
        store: store.clone(),
        uploads: uploads.clone(),
        media,
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    // The doomed upload always meets a bucket outage.
    let broken = Deps {
        store: store.clone(),
        uploads: uploads.clone(),
        media: missing_bucket().await,
        media_base_url: "https://cdn.example/media".to_owned(),
    };

    queue.send(&body(&good.upload_key())).await.unwrap();
    queue.send("{\"Event\":\"s3:TestEvent\"}").await.unwrap();
    let report = poll_once(&working, &queue, 1).await.unwrap();
    assert_eq!((report.received, report.deleted, report.retried), (2, 2, 0));
    assert_eq!(
        store.get_photo(&good.id).await.unwrap().unwrap().status,
        PhotoStatus::Ready
    );

    queue.send(&body(&doomed.upload_key())).await.unwrap();
    let mut retried = 0;
    for _ in 0..20 {
        retried += poll_once(&broken, &queue, 1).await.unwrap().retried;
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        if retried >= 3 {
            break;
        }
    }
    assert_eq!(
        retried, 3,
        "received three times (maxReceiveCount), then no more"
    );
    let report = poll_once(&broken, &queue, 1).await.unwrap();
    assert_eq!(report.received, 0, "the failing message left the queue");
    let dead = dead_letters.receive(10, 1).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].body.contains(&doomed.upload_key()));
    assert_eq!(
        store.get_photo(&doomed.id).await.unwrap().unwrap().status,
        PhotoStatus::Pending,
        "a dead-lettered upload can be redriven later"
    );
}
