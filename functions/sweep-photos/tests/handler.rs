//! The sweep on the events/sweep-photos.json fixture (an EventBridge scheduled event), with an
//! embedded store, directory uploads and media buckets and a recording CDN.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use shared::blob::local::DirBlobs;
use shared::domain::{
    CafeId, MediaPurge, NEVER_UPLOADED, Photo, PhotoId, PhotoStatus, Rendition, UPLOAD_DEADLINE,
    UploadType,
};
use shared::ports::{
    BlobStore, CdnInvalidator, Fetched, MediaPurgeQueue, PhotoReader, PhotoWriter, StoreError,
};
use shared::store::sqlite::SqliteStore;
use sweep_photos::{Deps, PURGE_BATCH, Purged, Swept, handle, purge, sweep};

/// Records each invalidation the sweep asks for; fails them while `down` is set.
#[derive(Clone, Default)]
struct RecordingCdn {
    calls: Arc<Mutex<Vec<Vec<String>>>>,
    down: Arc<AtomicBool>,
}

impl CdnInvalidator for RecordingCdn {
    async fn invalidate(&self, paths: Vec<String>) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                operation: "invalidate",
                source: "the CDN is down".into(),
            });
        }
        self.calls.lock().unwrap().push(paths);
        Ok(())
    }
}

const HOST: &str = "d1.cloudfront.net";

fn deps(
    store: &SqliteStore,
    dir: &tempfile::TempDir,
) -> Deps<SqliteStore, DirBlobs, DirBlobs, RecordingCdn> {
    Deps {
        store: store.clone(),
        uploads: DirBlobs::new(dir.path()),
        media: DirBlobs::new(dir.path()),
        cdn: RecordingCdn::default(),
        media_host: HOST.to_owned(),
    }
}

fn fixture() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/sweep-photos.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn pending(n: u128, created_at: Timestamp) -> Photo {
    Photo {
        id: PhotoId::from_entropy(n),
        cafe_id: CafeId::from_entropy(1),
        uploaded_by: shared::testing::public_id("user-1"),
        caption: None,
        content_type: UploadType::Jpeg,
        content_length: 10,
        status: PhotoStatus::Pending,
        renditions: vec![],
        failure_reason: None,
        created_at,
        updated_at: created_at,
    }
}

#[tokio::test]
async fn photos_never_uploaded_within_a_day_end_failed_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::in_memory().unwrap();
    let deps = deps(&store, &dir);
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);
    let overdue = pending(1, now - UPLOAD_DEADLINE - hour);
    let uploaded_late = pending(2, now - UPLOAD_DEADLINE - hour);
    let fresh = pending(3, now - hour);
    for p in [&overdue, &uploaded_late, &fresh] {
        store.create_photo(p).await.unwrap();
    }
    // This one's file arrived; the worker has it queued.
    deps.uploads
        .put(
            &uploaded_late.upload_key(),
            vec![1],
            "image/jpeg",
            "private",
        )
        .await
        .unwrap();

    let report = handle(&deps, fixture()).await.unwrap();
    assert_eq!(report["failed"], 1, "{report}");
    let failed = store.get_photo(&overdue.id).await.unwrap().unwrap();
    assert_eq!(failed.status, PhotoStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some(NEVER_UPLOADED));
    for p in [&uploaded_late, &fresh] {
        assert_eq!(
            store.get_photo(&p.id).await.unwrap().unwrap().status,
            PhotoStatus::Pending
        );
    }
    // A second run finds nothing new to fail.
    assert_eq!(
        sweep(&deps, now).await.unwrap(),
        Swept {
            failed: 0,
            uploaded: 1,
            raced: 0
        }
    );
}

/// A deleted photo `n` whose two renditions were published on `host` (their objects are in
/// `media`), deleted at second `at` through the store as delete-photo does.
async fn deleted(
    store: &SqliteStore,
    media: &DirBlobs,
    n: u128,
    host: &str,
    at: i64,
) -> MediaPurge {
    let created = Timestamp::from_second(1_800_000_000).unwrap();
    let mut photo = pending(n, created);
    photo.status = PhotoStatus::Ready;
    photo.renditions = ["webp", "jpeg"]
        .into_iter()
        .map(|ext| Rendition {
            size: 320,
            width: 320,
            height: 240,
            format: ext.to_owned(),
            url: format!("https://{host}/media/{:064x}.{ext}", n),
        })
        .collect();
    let purge =
        MediaPurge::of(&photo, Timestamp::from_second(1_900_000_000 + at).unwrap()).unwrap();
    for key in purge.keys() {
        media.put(&key, vec![1], "image/webp", "x").await.unwrap();
    }
    store.create_photo(&photo).await.unwrap();
    store.delete_photo(&photo, Some(&purge)).await.unwrap();
    purge
}

async fn exists(media: &DirBlobs, key: &str) -> bool {
    media.get(key, u64::MAX).await.unwrap() != Fetched::Missing
}

#[tokio::test]
async fn deleted_photos_media_leave_the_bucket_and_the_cdn_in_one_invalidation_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::in_memory().unwrap();
    let deps = deps(&store, &dir);
    let second = deleted(&store, &deps.media, 2, HOST, 20).await;
    let first = deleted(&store, &deps.media, 1, HOST, 10).await;
    // Served by another region's distribution: not this sweep's to purge.
    let elsewhere = deleted(&store, &deps.media, 3, "d2.cloudfront.net", 5).await;

    let report = handle(&deps, fixture()).await.unwrap();
    assert_eq!(report["purgedPhotos"], 2, "{report}");
    assert_eq!(report["purgedObjects"], 4, "{report}");
    for key in first.keys().chain(second.keys()) {
        assert!(!exists(&deps.media, &key).await, "{key} deleted");
    }
    // One invalidation, oldest deletion first.
    let calls = deps.cdn.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![first.paths().chain(second.paths()).collect::<Vec<_>>()]
    );
    assert!(store.pending_purges(HOST, 10).await.unwrap().is_empty());
    // The other host's purge and objects are untouched.
    assert_eq!(
        store.pending_purges("d2.cloudfront.net", 10).await.unwrap(),
        vec![elsewhere.clone()]
    );
    for key in elsewhere.keys() {
        assert!(exists(&deps.media, &key).await, "{key} kept");
    }
    // Nothing left: no invalidation at all.
    assert_eq!(purge(&deps).await.unwrap(), Purged::default());
    assert_eq!(deps.cdn.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_invalidation_leaves_the_purge_queued_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::in_memory().unwrap();
    let deps = deps(&store, &dir);
    let queued = deleted(&store, &deps.media, 1, HOST, 10).await;

    deps.cdn.down.store(true, Ordering::SeqCst);
    assert!(purge(&deps).await.is_err());
    // The run also fails as a whole (the schedule's alarm sees it) after the pending sweep ran.
    assert!(handle(&deps, fixture()).await.is_err());
    assert_eq!(
        store.pending_purges(HOST, 10).await.unwrap(),
        vec![queued.clone()]
    );

    deps.cdn.down.store(false, Ordering::SeqCst);
    assert_eq!(
        purge(&deps).await.unwrap(),
        Purged {
            photos: 1,
            objects: 2
        }
    );
    assert_eq!(
        *deps.cdn.calls.lock().unwrap(),
        vec![queued.paths().collect::<Vec<_>>()]
    );
    assert!(store.pending_purges(HOST, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn one_run_purges_at_most_a_batch_and_the_next_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::in_memory().unwrap();
    let deps = deps(&store, &dir);
    let total = PURGE_BATCH + 3;
    for n in 0..total {
        deleted(&store, &deps.media, n as u128 + 1, HOST, n as i64).await;
    }
    assert_eq!(purge(&deps).await.unwrap().photos, PURGE_BATCH);
    assert_eq!(purge(&deps).await.unwrap().photos, 3);
    let calls = deps.cdn.calls.lock().unwrap().clone();
    assert_eq!(
        calls.iter().map(Vec::len).collect::<Vec<_>>(),
        [2 * PURGE_BATCH, 6]
    );
    assert!(store.pending_purges(HOST, 10).await.unwrap().is_empty());
}
