//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use create_photo::{Deps, handle};
use shared::blob::local::{LOCAL_REGION, LocalUploads};
use shared::http::WriteGuard;
use shared::ports::PhotoReader;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body};

async fn deps() -> Deps<SqliteStore, SqliteStore, LocalUploads> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        uploads: LocalUploads {
            url: "http://127.0.0.1:3000/local-uploads".to_owned(),
            bucket: "uploads".to_owned(),
            secret: "fixture-secret".to_owned(),
        },
        users: shared::testing::user_keys(),
    }
}

#[tokio::test]
async fn announces_the_fixture_photo_with_a_pinned_upload_target() {
    let deps = deps().await;
    let response = handle(&deps, event("create-photo")).await;
    assert_eq!(response.status(), 201, "{}", json_body(&response));
    let body = json_body(&response);
    let id = body["photo"]["id"].as_str().unwrap();
    assert_eq!(body["photo"]["status"], "pending");
    assert_eq!(
        body["photo"]["uploadedBy"],
        shared::testing::public_id("fixture-user").as_str()
    );
    assert!(!body.to_string().contains("fixture-user"));
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("/photos/{id}")
    );
    let fields: Vec<(String, String)> = body["upload"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The target accepts exactly the announced file and nothing else.
    let now = jiff::Timestamp::now();
    let verify =
        |len| shared::upload::verify(&fields, len, "uploads", "fixture-secret", LOCAL_REGION, now);
    assert_eq!(verify(2_345_678), Ok(format!("uploads/{id}")));
    assert!(verify(2_345_679).is_err());
    let stored = deps
        .store
        .get_photo(&shared::domain::PhotoId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.caption.as_deref(), Some("The bar at opening time"));
    // The same key and body replay the answer instead of creating a second photo.
    let again = handle(&deps, event("create-photo")).await;
    assert_eq!(json_body(&again)["photo"]["id"], id);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn invalid_fixture_names_every_bad_field() {
    let deps = deps().await;
    let response = handle(&deps, event("create-photo-invalid")).await;
    assert_eq!(response.status(), 422);
    let names: Vec<String> = json_body(&response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["contentType", "contentLength"]);
}

/// A request whose idempotency record is gone (its claim expired before it completed) runs
/// again, and its key names the same photo: the pending photo it already announced is the
/// answer, with a fresh upload form, and no second photo is announced.
#[tokio::test]
async fn a_rerun_of_a_keyed_request_answers_the_photo_it_already_announced() {
    let deps = deps().await;
    let first = handle(&deps, event("create-photo")).await;
    assert_eq!(first.status(), 201, "{}", json_body(&first));
    let body = json_body(&first);
    let user = shared::testing::public_id("fixture-user");
    let cafe = body["photo"]["cafeId"].as_str().unwrap().to_owned();
    shared::testing::forget_idempotency_record(
        &deps.store,
        &format!("create-photo#{user}#{cafe}"),
        "fixture-create-photo",
    )
    .await;
    let again = handle(&deps, event("create-photo")).await;
    assert_eq!(again.status(), 201, "{}", json_body(&again));
    let again = json_body(&again);
    assert_eq!(again["photo"]["id"], body["photo"]["id"]);
    assert!(again["upload"]["url"].is_string(), "{again}");
    let mine = shared::ports::PhotoReader::user_photo_ids(
        &deps.store,
        &user,
        shared::query::PageLimit::default(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(mine.items.len(), 1, "one photo, however often it runs");
}
