//! Handler tests with the events/ fixture against an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_photo::{Deps, handle};
use shared::domain::{CafeId, Photo, PhotoId, PhotoOutcome, PhotoStatus, UploadType};
use shared::ports::PhotoWriter;
use shared::testing::{event, json_body};

#[tokio::test]
async fn shows_the_fixture_photo_as_it_progresses() {
    let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
    let deps = Deps {
        store: store.clone(),
    };
    let response = handle(&deps, event("get-photo")).await;
    assert_eq!(response.status(), 404);

    let now = jiff::Timestamp::now();
    let photo = Photo {
        id: PhotoId::parse("pho_0000000000000fix").unwrap(),
        cafe_id: CafeId::from_entropy(1),
        uploaded_by: shared::testing::public_id("fixture-user"),
        caption: None,
        content_type: UploadType::Png,
        content_length: 10,
        status: PhotoStatus::Pending,
        renditions: vec![],
        failure_reason: None,
        created_at: now,
        updated_at: now,
    };
    store.create_photo(&photo).await.unwrap();
    let response = handle(&deps, event("get-photo")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["status"], "pending");
    assert_eq!(response.headers()["cache-control"], "no-store");

    store
        .finish_photo(
            &photo.id,
            PhotoOutcome::Failed("the upload is empty".into()),
            now,
        )
        .await
        .unwrap();
    let response = handle(&deps, event("get-photo")).await;
    let body = json_body(&response);
    assert_eq!(body["status"], "failed");
    assert_eq!(body["failureReason"], "the upload is empty");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
}
