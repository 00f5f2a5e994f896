//! Handler tests on the events/create-upload-form.json fixture (`fixture-user` asks for a fresh
//! upload form for photo `pho_0000000000000fix`), with an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use create_upload_form::{Deps, handle};
use jiff::{SignedDuration, Timestamp};
use shared::blob::local::LocalUploads;
use shared::domain::{
    CafeId, Photo, PhotoId, PhotoOutcome, PhotoStatus, UPLOAD_DEADLINE, UploadType,
};
use shared::ports::PhotoWriter;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body};

fn deps() -> Deps<SqliteStore, LocalUploads> {
    Deps {
        store: SqliteStore::in_memory().unwrap(),
        uploads: LocalUploads {
            url: "http://127.0.0.1:3000/local-uploads".to_owned(),
            bucket: "uploads".to_owned(),
            secret: "fixture-secret".to_owned(),
        },
        users: shared::testing::user_keys(),
    }
}

fn fixture_photo(author: &str, created_at: Timestamp) -> Photo {
    Photo {
        id: PhotoId::parse("pho_0000000000000fix").unwrap(),
        cafe_id: CafeId::from_entropy(1),
        uploaded_by: shared::testing::public_id(author),
        caption: None,
        content_type: UploadType::Png,
        content_length: 4321,
        status: PhotoStatus::Pending,
        renditions: vec![],
        failure_reason: None,
        created_at,
        updated_at: created_at,
    }
}

#[tokio::test]
async fn the_uploader_gets_a_fresh_form_pinned_to_the_photo() {
    let deps = deps();
    let photo = fixture_photo(
        "fixture-user",
        Timestamp::now() - SignedDuration::from_hours(2),
    );
    deps.store.create_photo(&photo).await.unwrap();
    let response = handle(&deps, event("create-upload-form")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    assert_eq!(body["method"], "POST");
    let fields = body["fields"].as_array().unwrap();
    let field = |name: &str| {
        fields
            .iter()
            .find(|f| f[0] == name)
            .map(|f| f[1].as_str().unwrap().to_owned())
    };
    assert_eq!(
        field("key").as_deref(),
        Some("uploads/pho_0000000000000fix")
    );
    assert_eq!(field("Content-Type").as_deref(), Some("image/png"));
    let expires: Timestamp = body["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(expires > Timestamp::now() + SignedDuration::from_mins(9));
}

#[tokio::test]
async fn others_get_403_finished_photos_409_and_unknown_ones_404() {
    let deps = deps();
    let response = handle(&deps, event("create-upload-form")).await;
    assert_eq!(response.status(), 404);

    let photo = fixture_photo("someone-else", Timestamp::now());
    deps.store.create_photo(&photo).await.unwrap();
    let response = handle(&deps, event("create-upload-form")).await;
    assert_eq!(response.status(), 403);

    let deps = self::deps();
    let photo = fixture_photo("fixture-user", Timestamp::now());
    deps.store.create_photo(&photo).await.unwrap();
    deps.store
        .finish_photo(
            &photo.id,
            PhotoOutcome::Failed("never-uploaded".into()),
            Timestamp::now(),
        )
        .await
        .unwrap();
    let response = handle(&deps, event("create-upload-form")).await;
    assert_eq!(response.status(), 409);
    assert!(
        json_body(&response)["detail"]
            .as_str()
            .unwrap()
            .contains("failed")
    );
}

#[tokio::test]
async fn no_form_outlives_the_upload_deadline() {
    let deps = deps();
    let almost = Timestamp::now() - UPLOAD_DEADLINE + SignedDuration::from_mins(5);
    deps.store
        .create_photo(&fixture_photo("fixture-user", almost))
        .await
        .unwrap();
    let response = handle(&deps, event("create-upload-form")).await;
    assert_eq!(
        response.status(),
        409,
        "a 10-minute form would expire after the sweep"
    );
}
