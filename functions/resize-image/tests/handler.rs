//! The worker on the events/resize-image.json fixture (the SQS message S3 sends), with an
//! embedded store and directory buckets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lambda_events::event::sqs::SqsEvent;
use resize_image::{Deps, handle};
use shared::blob::local::DirBlobs;
use shared::domain::{Photo, PhotoId, PhotoStatus, UploadType};
use shared::ports::{BlobStore, CafeReader, PhotoReader, PhotoWriter};

fn fixture() -> SqsEvent {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/resize-image.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_fixture_message_makes_the_photo_ready_once_and_the_cafe_cover() {
    let dir = tempfile::tempdir().unwrap();
    let store = shared::seed::demo_memory_store().await.unwrap();
    let cafe = shared::demo::catalog().unwrap().cafes[0].id.clone();
    let blobs = DirBlobs::new(dir.path());
    let deps = Deps {
        store: store.clone(),
        uploads: blobs.clone(),
        media: blobs.clone(),
        media_base_url: "https://cdn.example/media".to_owned(),
    };
    let now = jiff::Timestamp::now();
    let photo = Photo {
        id: PhotoId::parse("pho_0000000000000fix").unwrap(),
        cafe_id: cafe.clone(),
        uploaded_by: shared::testing::public_id("fixture-user"),
        caption: None,
        // Declared PNG; the bytes are a JPEG.
        content_type: UploadType::Png,
        content_length: 1,
        status: PhotoStatus::Pending,
        renditions: vec![],
        failure_reason: None,
        created_at: now,
        updated_at: now,
    };
    store.create_photo(&photo).await.unwrap();
    let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&img)
        .unwrap();
    blobs
        .put(&photo.upload_key(), jpeg, "image/jpeg", "private")
        .await
        .unwrap();

    let response = handle(&deps, fixture()).await;
    assert!(response.batch_item_failures.is_empty());
    let ready = store.get_photo(&photo.id).await.unwrap().unwrap();
    assert_eq!(ready.status, PhotoStatus::Ready);
    assert_eq!(ready.renditions.len(), 6);
    assert_eq!(ready.content_type, UploadType::Jpeg, "what the bytes were");
    let profile = store.get_cafe(&cafe).await.unwrap().unwrap();
    let cover = profile
        .cover_photo
        .expect("the café's first ready photo is its cover");
    assert_eq!(cover.photo_id, photo.id);
    assert_eq!(cover.renditions, ready.renditions);
    // Redelivered: nothing changes, nothing to retry.
    let response = handle(&deps, fixture()).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(store.get_photo(&photo.id).await.unwrap().unwrap(), ready);
}
