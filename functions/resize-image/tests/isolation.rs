//! One bad photo never fails its batch-mates: a codec that panics or hangs on one upload (an
//! injected renderer) ends that photo `failed` while the rest of the batch completes, and a
//! batch stops before its deadline, reporting only the messages it did not reach.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use resize_image::render::{Rejected, Rendition};
use resize_image::{Codec, Deps, Renderer, Rendering, handle_batch};
use shared::blob::local::DirBlobs;
use shared::domain::{Photo, PhotoId, PhotoStatus, UploadType};
use shared::ports::{BlobStore, PhotoReader, PhotoWriter};
use shared::store::sqlite::SqliteStore;
use tokio::time::Instant;

/// The real codec, except that it panics on `PANIC` and spins (until asked to stop, at most
/// 20 s) on `HANG`.
struct Faulty;

impl Renderer for Faulty {
    fn render(&self, bytes: &[u8], stop: &AtomicBool) -> Result<Vec<Rendition>, Rejected> {
        match bytes {
            b"PANIC" => panic!("index out of bounds: a codec bug met hostile bytes"),
            b"HANG" => {
                let started = std::time::Instant::now();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(20) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(Rejected::Stopped)
            }
            _ => Codec.render(bytes, stop),
        }
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    deps: Deps<SqliteStore, DirBlobs, DirBlobs>,
    photos: Vec<Photo>,
}

fn small_jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, seed]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&img)
        .unwrap();
    jpeg
}

/// Five pending photos of one café whose uploads are `uploads[i]`.
async fn world(uploads: [&[u8]; 5]) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = shared::seed::demo_memory_store().await.unwrap();
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    let blobs = DirBlobs::new(dir.path());
    let now = jiff::Timestamp::now();
    let mut photos = Vec::new();
    for (n, bytes) in uploads.into_iter().enumerate() {
        let photo = Photo {
            id: PhotoId::from_entropy(9_000 + n as u128),
            cafe_id: cafe.clone(),
            uploaded_by: shared::testing::public_id("batch-user"),
            caption: None,
            content_type: UploadType::Jpeg,
            content_length: bytes.len() as u64,
            status: PhotoStatus::Pending,
            renditions: vec![],
            failure_reason: None,
            created_at: now,
            updated_at: now,
        };
        store.create_photo(&photo).await.unwrap();
        blobs
            .put(&photo.upload_key(), bytes.to_vec(), "image/jpeg", "private")
            .await
            .unwrap();
        photos.push(photo);
    }
    let deps = Deps {
        store: store.clone(),
        uploads: blobs.clone(),
        media: blobs,
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    World {
        _dir: dir,
        store,
        deps,
        photos,
    }
}

/// One SQS message (as S3 sends it) per photo, with ids m0…m4.
fn batch(photos: &[Photo]) -> SqsEvent {
    let records: Vec<_> = photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let body = serde_json::json!({"Records": [{
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": "uploads"}, "object": {"key": p.upload_key()}}
            }]});
            serde_json::json!({"messageId": format!("m{i}"), "body": body.to_string()})
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

async fn statuses(world: &World) -> Vec<(PhotoStatus, Option<String>)> {
    let mut out = Vec::new();
    for p in &world.photos {
        let photo = world.store.get_photo(&p.id).await.unwrap().unwrap();
        out.push((photo.status, photo.failure_reason));
    }
    out
}

fn failed_ids(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

#[tokio::test]
async fn a_codec_panic_fails_that_photo_and_its_four_batch_mates_are_ready() {
    let (a, b, d, e) = (small_jpeg(1), small_jpeg(2), small_jpeg(4), small_jpeg(5));
    let world = world([&a, &b, b"PANIC", &d, &e]).await;
    let rendering = Rendering::new(
        Arc::new(Faulty),
        Duration::from_secs(30),
        Duration::from_secs(1),
    );
    let deadline = Instant::now() + Duration::from_secs(120);

    let response = handle_batch(
        &world.deps,
        &rendering,
        batch(&world.photos),
        Some(deadline),
    )
    .await;

    assert_eq!(
        failed_ids(&response),
        Vec::<&str>::new(),
        "nothing to retry"
    );
    let finished = statuses(&world).await;
    for (i, (status, reason)) in finished.iter().enumerate() {
        if i == 2 {
            assert_eq!(*status, PhotoStatus::Failed);
            assert_eq!(
                reason.as_deref(),
                Some("the image could not be decoded (the decoder crashed on it)")
            );
        } else {
            assert_eq!(*status, PhotoStatus::Ready, "photo {i}: {reason:?}");
        }
    }
    assert_eq!(rendering.renders_running(), 0);

    // Redelivered: the failed photo stays failed, nothing to retry.
    let response = handle_batch(
        &world.deps,
        &rendering,
        batch(&world.photos),
        Some(deadline),
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(statuses(&world).await, finished);
}

#[tokio::test]
async fn a_render_over_its_budget_fails_that_photo_and_is_told_to_stop() {
    let (b, c, d, e) = (small_jpeg(2), small_jpeg(3), small_jpeg(4), small_jpeg(5));
    let world = world([b"HANG", &b, &c, &d, &e]).await;
    let rendering = Rendering::new(
        Arc::new(Faulty),
        Duration::from_millis(1_500),
        Duration::from_secs(1),
    );

    let started = Instant::now();
    let response = handle_batch(
        &world.deps,
        &rendering,
        batch(&world.photos),
        Some(Instant::now() + Duration::from_secs(120)),
    )
    .await;

    assert!(response.batch_item_failures.is_empty(), "nothing to retry");
    let statuses = statuses(&world).await;
    assert_eq!(statuses[0].0, PhotoStatus::Failed);
    assert_eq!(
        statuses[0].1.as_deref(),
        Some("processing the image took longer than 1.5s")
    );
    for (i, (status, reason)) in statuses.iter().enumerate().skip(1) {
        assert_eq!(*status, PhotoStatus::Ready, "photo {i}: {reason:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the hang was not waited out"
    );
    // The abandoned thread saw its stop flag and returned.
    let waiting = Instant::now();
    while rendering.renders_running() > 0 && waiting.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(rendering.renders_running(), 0);
}

#[tokio::test]
async fn a_batch_stops_before_its_deadline_and_reports_only_the_messages_it_did_not_reach() {
    let (b, c, d, e) = (small_jpeg(2), small_jpeg(3), small_jpeg(4), small_jpeg(5));
    let world = world([b"HANG", &b, &c, &d, &e]).await;
    // The hang uses its whole budget (1.5 s); after it, 1.5 s more plus the reserve no longer
    // fits before the deadline (3.5 s), so the other four are left for redelivery.
    let rendering = Rendering::new(
        Arc::new(Faulty),
        Duration::from_millis(1_500),
        Duration::from_millis(1_000),
    );
    let started = Instant::now();
    let deadline = started + Duration::from_millis(3_500);

    let response = handle_batch(
        &world.deps,
        &rendering,
        batch(&world.photos),
        Some(deadline),
    )
    .await;

    assert!(Instant::now() < deadline, "returned before the deadline");
    assert_eq!(failed_ids(&response), vec!["m1", "m2", "m3", "m4"]);
    let first = statuses(&world).await;
    assert_eq!(first[0].0, PhotoStatus::Failed);
    for (i, (status, _)) in first.iter().enumerate().skip(1) {
        assert_eq!(
            *status,
            PhotoStatus::Pending,
            "photo {i} is left for the redelivery"
        );
    }

    // The redelivery (a fresh invocation) finishes them.
    let redelivered = batch(&world.photos[1..]);
    let response = handle_batch(
        &world.deps,
        &rendering,
        redelivered,
        Some(Instant::now() + Duration::from_secs(120)),
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    for (i, (status, reason)) in statuses(&world).await.iter().enumerate().skip(1) {
        assert_eq!(*status, PhotoStatus::Ready, "photo {i}: {reason:?}");
    }
}

#[tokio::test]
async fn a_batch_already_at_its_deadline_starts_nothing() {
    let (a, b) = (small_jpeg(1), small_jpeg(2));
    let world = world([&a, &b, &a, &b, &a]).await;
    let response = handle_batch(
        &world.deps,
        &Rendering::default(),
        batch(&world.photos),
        Some(Instant::now() + Duration::from_secs(2)),
    )
    .await;
    assert_eq!(failed_ids(&response), vec!["m0", "m1", "m2", "m3", "m4"]);
    assert!(
        statuses(&world)
            .await
            .iter()
            .all(|(s, _)| *s == PhotoStatus::Pending)
    );
}

/// A media bucket whose writes never complete (an outage without an error).
struct Stalling;

impl BlobStore for Stalling {
    async fn get(
        &self,
        _key: &str,
        _max_bytes: u64,
    ) -> Result<shared::ports::Fetched, shared::ports::StoreError> {
        Ok(shared::ports::Fetched::Missing)
    }

    async fn put(
        &self,
        _key: &str,
        _bytes: Vec<u8>,
        _content_type: &str,
        _cache_control: &str,
    ) -> Result<(), shared::ports::StoreError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(())
    }

    async fn delete(&self, _key: &str) -> Result<(), shared::ports::StoreError> {
        Ok(())
    }
}

#[tokio::test]
async fn work_still_running_at_the_deadline_is_cut_off_and_reported() {
    let (a, b) = (small_jpeg(1), small_jpeg(2));
    let world = world([&a, &b, &a, &b, &a]).await;
    let stalled = Deps {
        store: world.store.clone(),
        uploads: world.deps.uploads.clone(),
        media: Stalling,
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    let rendering = Rendering::new(
        Arc::new(Codec),
        Duration::from_millis(1_000),
        Duration::from_millis(500),
    );
    let deadline = Instant::now() + Duration::from_millis(2_000);

    let response = handle_batch(&stalled, &rendering, batch(&world.photos), Some(deadline)).await;

    assert!(Instant::now() < deadline, "returned before the deadline");
    assert_eq!(failed_ids(&response), vec!["m0", "m1", "m2", "m3", "m4"]);
    assert!(
        statuses(&world)
            .await
            .iter()
            .all(|(s, _)| *s == PhotoStatus::Pending),
        "nothing finished: the redelivery does it"
    );
}
