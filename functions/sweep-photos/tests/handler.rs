//! The sweep on the events/sweep-photos.json fixture (an EventBridge scheduled event), with an
//! embedded store and a directory uploads bucket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use shared::blob::local::DirBlobs;
use shared::domain::{
    CafeId, NEVER_UPLOADED, Photo, PhotoId, PhotoStatus, UPLOAD_DEADLINE, UploadType,
};
use shared::ports::{BlobStore, PhotoReader, PhotoWriter};
use sweep_photos::{Deps, Swept, handle, sweep};

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
    let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
    let deps = Deps {
        store: store.clone(),
        uploads: DirBlobs::new(dir.path()),
    };
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
