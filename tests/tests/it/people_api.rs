//! End-to-end flows for people through the local server: profiles, public pages, saved cafés,
//! story edits, a single review, account export and erasure. Every response is checked against
//! infra/openapi.yaml, and the token subject is checked to appear in no response and nowhere in
//! the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::openapi::documented;
use tests::{Reply, TestApp, public_id, spawn_app, token};

/// A subject no other string in the data could contain by chance.
const SUB: &str = "e2e-subject-7f3a91c2";

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    template: &str,
    body: Option<Value>,
) -> Reply {
    let bearer = format!("Bearer {}", token(SUB));
    let headers = [("authorization", bearer.as_str())];
    let reply = match body {
        Some(body) => app.send_json(method, path, &headers, &body).await,
        None => app.request(method, path, &headers).await,
    };
    documented(reply, method, template)
}

#[tokio::test]
async fn a_profile_is_created_edited_shown_publicly_and_never_shows_the_subject() {
    let app = spawn_app().await;
    let me = call(&app, "GET", "/me", "/me", None).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["id"], public_id(SUB));
    let edited = call(
        &app,
        "PUT",
        "/me",
        "/me",
        Some(
            json!({ "displayName": "Mara K.", "bio": "V60 most mornings.", "homeCity": "Lisbon" }),
        ),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["displayName"], "Mara K.");
    let bad = call(
        &app,
        "PUT",
        "/me",
        "/me",
        Some(json!({ "displayName": "" })),
    )
    .await;
    assert_eq!(bad.status, 422);

    let public = documented(
        app.get(&format!("/users/{}", public_id(SUB))).await,
        "GET",
        "/users/{userId}",
    );
    assert_eq!(public.status, 200);
    assert_eq!(public.body["displayName"], "Mara K.");
    let unknown = documented(
        app.get("/users/usr_0000000000000000").await,
        "GET",
        "/users/{userId}",
    );
    assert_eq!(unknown.status, 404);
    let anonymous = documented(app.get("/me").await, "GET", "/me");
    assert_eq!(anonymous.status, 401);

    // A review and a story carry the display name, and the subject is nowhere.
    let cafe = tests::quiet_cafe_ids()[2].clone();
    let review = call(
        &app,
        "POST",
        &format!("/cafes/{cafe}/reviews"),
        "/cafes/{cafeId}/reviews",
        Some(json!({ "rating": 4, "text": "Sweet, clean V60 and a lovely quiet corner." })),
    )
    .await;
    assert_eq!(review.status, 201, "{}", review.body);
    assert_eq!(review.body["author"]["displayName"], "Mara K.");
    let id = review.body["id"].as_str().unwrap().to_owned();
    let one = documented(
        app.get(&format!("/reviews/{id}")).await,
        "GET",
        "/reviews/{reviewId}",
    );
    assert_eq!(one.status, 200);
    assert_eq!(one.body["author"]["id"], public_id(SUB));
    let theirs = documented(
        app.get(&format!("/users/{}/reviews", public_id(SUB))).await,
        "GET",
        "/users/{userId}/reviews",
    );
    assert_eq!(theirs.body["items"][0]["id"], id.as_str());
    for reply in [&me, &edited, &public, &review, &one, &theirs] {
        assert!(
            !reply.body.to_string().contains(SUB),
            "no subject in {}",
            reply.body
        );
    }
    // Renaming shows everywhere at once: names are resolved on read.
    call(
        &app,
        "PUT",
        "/me",
        "/me",
        Some(json!({ "displayName": "Mara" })),
    )
    .await;
    let renamed = app.get(&format!("/reviews/{id}")).await;
    assert_eq!(renamed.body["author"]["displayName"], "Mara");

    // Nothing in the store holds the subject either (the SQLite file, byte for byte).
    let db = std::fs::read(app.data_dir.path().join(local_server::DB_FILE)).unwrap();
    let needle = SUB.as_bytes();
    assert!(
        !db.windows(needle.len()).any(|w| w == needle),
        "the token subject was stored"
    );
}

#[tokio::test]
async fn saved_cafes_are_saved_once_listed_newest_first_and_removed() {
    let app = spawn_app().await;
    let cafes = tests::quiet_cafe_ids();
    for cafe in cafes.iter().take(3) {
        let saved = call(
            &app,
            "PUT",
            &format!("/me/saved-cafes/{cafe}"),
            "/me/saved-cafes/{cafeId}",
            None,
        )
        .await;
        assert_eq!(saved.status, 201, "{}", saved.body);
    }
    let again = call(
        &app,
        "PUT",
        &format!("/me/saved-cafes/{}", cafes[0]),
        "/me/saved-cafes/{cafeId}",
        None,
    )
    .await;
    assert_eq!(again.status, 200);
    let missing = call(
        &app,
        "PUT",
        "/me/saved-cafes/caf_0000000000000000",
        "/me/saved-cafes/{cafeId}",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);

    let list = call(
        &app,
        "GET",
        "/me/saved-cafes?limit=2",
        "/me/saved-cafes",
        None,
    )
    .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("cache-control"), Some("no-store"));
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["cafe"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [cafes[2].as_str(), cafes[1].as_str()], "newest first");
    let cursor = list.body["nextCursor"].as_str().unwrap();
    let rest = call(
        &app,
        "GET",
        &format!("/me/saved-cafes?limit=2&cursor={cursor}"),
        "/me/saved-cafes",
        None,
    )
    .await;
    assert_eq!(rest.body["items"][0]["cafe"]["id"], cafes[0].as_str());

    // Someone else's cursor is refused: it is bound to its owner.
    let bearer = format!("Bearer {}", token("someone-else"));
    let stolen = documented(
        app.request(
            "GET",
            &format!("/me/saved-cafes?cursor={cursor}"),
            &[("authorization", bearer.as_str())],
        )
        .await,
        "GET",
        "/me/saved-cafes",
    );
    assert_eq!(stolen.status, 400);

    for _ in 0..2 {
        let gone = call(
            &app,
            "DELETE",
            &format!("/me/saved-cafes/{}", cafes[0]),
            "/me/saved-cafes/{cafeId}",
            None,
        )
        .await;
        assert_eq!(gone.status, 204);
    }
    let left = call(&app, "GET", "/me/saved-cafes", "/me/saved-cafes", None).await;
    assert_eq!(left.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn stories_are_edited_and_deleted_by_their_author_only() {
    let app = spawn_app().await;
    let cafes = tests::quiet_cafe_ids();
    let story = json!({ "title": "Cupping at dawn", "body": "Three washed Kenyans.", "tags": ["cupping"], "cafeIds": [cafes[3]] });
    let created = call(&app, "POST", "/stories", "/stories", Some(story)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/stories/{id}");

    let bearer = format!("Bearer {}", token("not-the-author"));
    let forbidden = documented(
        app.send_json(
            "PUT",
            &path,
            &[("authorization", bearer.as_str())],
            &json!({ "title": "Mine now", "body": "No." }),
        )
        .await,
        "PUT",
        "/stories/{storyId}",
    );
    assert_eq!(forbidden.status, 403);

    let edit = json!({ "title": "Cupping at dawn, revisited", "body": "Three washed Kenyans and a natural.", "tags": ["travel"], "cafeIds": [cafes[4]] });
    let edited = call(&app, "PUT", &path, "/stories/{storyId}", Some(edit)).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["title"], "Cupping at dawn, revisited");
    let by_old_cafe = documented(
        app.get(&format!("/stories?cafeId={}", cafes[3])).await,
        "GET",
        "/stories",
    );
    assert!(by_old_cafe.body["items"].as_array().unwrap().is_empty());
    let by_author = documented(
        app.get(&format!("/stories?author={}", public_id(SUB)))
            .await,
        "GET",
        "/stories",
    );
    assert_eq!(by_author.body["items"][0]["id"], id.as_str());

    let deleted = call(&app, "DELETE", &path, "/stories/{storyId}", None).await;
    assert_eq!(deleted.status, 204);
    let gone = documented(app.get(&path).await, "GET", "/stories/{storyId}");
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn an_account_is_exported_then_erased_and_ratings_stay_exact() {
    let app = spawn_app().await;
    let cafe = tests::quiet_cafe_ids()[5].clone();
    let review = call(
        &app,
        "POST",
        &format!("/cafes/{cafe}/reviews"),
        "/cafes/{cafeId}/reviews",
        Some(json!({ "rating": 2, "text": "Bitter shot and a long wait for it." })),
    )
    .await;
    assert_eq!(review.status, 201);
    call(
        &app,
        "PUT",
        &format!("/me/saved-cafes/{cafe}"),
        "/me/saved-cafes/{cafeId}",
        None,
    )
    .await;

    let export = call(&app, "GET", "/me/export", "/me/export", None).await;
    assert_eq!(export.status, 200, "{}", export.body);
    assert_eq!(export.body["nextCursor"], Value::Null, "{}", export.body);
    let entries = export.body["items"].as_array().unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e.as_object().unwrap().keys().next().unwrap().as_str())
        .collect();
    assert_eq!(kinds, ["profile", "review", "savedCafe"]);
    assert_eq!(entries[0]["profile"]["id"], public_id(SUB));
    assert_eq!(entries[2]["savedCafe"]["cafe"]["id"], cafe.as_str());

    let erased = call(&app, "DELETE", "/me", "/me", None).await;
    assert_eq!(erased.status, 204, "{}", erased.body);
    let profile = documented(
        app.get(&format!("/cafes/{cafe}")).await,
        "GET",
        "/cafes/{cafeId}",
    );
    assert_eq!(
        profile.body["rating"]["count"], 0,
        "the erased review is no longer counted"
    );
    let public = app.get(&format!("/users/{}", public_id(SUB))).await;
    assert_eq!(public.status, 404);
    let after = call(&app, "GET", "/me/export", "/me/export", None).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.body["items"], json!([]), "nothing is left to export");
    assert_eq!(after.body["nextCursor"], Value::Null);
}
