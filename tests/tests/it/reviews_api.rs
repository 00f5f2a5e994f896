//! End-to-end review flows through the local server: authentication, validation, one review per
//! user, author-only edits, idempotency (including concurrent duplicates), write limits, and the
//! rating summary on the café profile. Every response is checked against infra/openapi.yaml.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::openapi::documented;
use tests::{Reply, TestApp, spawn_app, spawn_app_with_limit, token};

fn body(stars: u8) -> Value {
    json!({ "rating": stars, "text": "Silky flat white and a very patient barista.", "brewingMethod": "espresso" })
}

async fn post_review(
    app: &TestApp,
    cafe: &str,
    user: &str,
    body: &Value,
    key: Option<&str>,
) -> Reply {
    let bearer = format!("Bearer {}", token(user));
    let mut headers = vec![("authorization", bearer.as_str())];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    let reply = app
        .send_json("POST", &format!("/cafes/{cafe}/reviews"), &headers, body)
        .await;
    documented(reply, "POST", "/cafes/{cafeId}/reviews")
}

/// Demo cafés without reviews, so counts start at zero.
fn cafe_ids() -> Vec<String> {
    tests::quiet_cafe_ids()
}

fn kind(reply: &Reply) -> String {
    reply.body["type"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("https://craftbean.app/problems/")
        .to_owned()
}

#[tokio::test]
async fn a_review_is_created_listed_and_counted_once() {
    let app = spawn_app().await;
    let cafe = &cafe_ids()[3];
    let created = post_review(&app, cafe, "ana", &body(5), None).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/reviews/{id}").as_str())
    );
    assert_eq!(
        created.body["author"]["id"],
        tests::public_id("ana"),
        "the author comes from the token, as a public id"
    );
    assert_eq!(
        created.body["authorId"], created.body["author"]["id"],
        "kept for old apps"
    );
    assert!(
        !created.body.to_string().contains("\"ana\""),
        "the token subject appears nowhere in the response"
    );

    let list = documented(
        app.get(&format!("/cafes/{cafe}/reviews")).await,
        "GET",
        "/cafes/{cafeId}/reviews",
    );
    assert_eq!(list.body["items"][0]["id"], id.as_str());

    let profile = documented(
        app.get(&format!("/cafes/{cafe}")).await,
        "GET",
        "/cafes/{cafeId}",
    );
    assert_eq!(profile.body["rating"]["count"], 1);
    assert_eq!(profile.body["rating"]["histogram"], json!([0, 0, 0, 0, 1]));
    assert_eq!(profile.body["latestReviews"][0]["id"], id.as_str());

    // The café's list entry follows the new rating: in its city's best-first list it carries
    // the 5.0 summary and only cafés rated 5.0 come before it.
    let city = profile.body["location"]["city"]
        .as_str()
        .unwrap()
        .to_owned();
    let ranked = app
        .get(&format!(
            "/cafes?sort=rating&limit=100&city={}",
            city.replace(' ', "%20")
        ))
        .await;
    let items = ranked.body["items"].as_array().unwrap();
    let at = items
        .iter()
        .position(|c| c["id"] == cafe.as_str())
        .expect("the café is listed");
    assert_eq!(
        items[at]["rating"]["count"], 1,
        "the list follows the new rating"
    );
    assert_eq!(items[at]["rating"]["average"], 5.0);
    assert!(items[..at].iter().all(|c| c["rating"]["average"] == 5.0));

    let again = post_review(&app, cafe, "ana", &body(1), None).await;
    assert_eq!(again.status, 409);
    assert_eq!(kind(&again), "already-exists");
    assert_eq!(again.body["existing"], format!("/reviews/{id}"));
    let profile = app.get(&format!("/cafes/{cafe}")).await;
    assert_eq!(
        profile.body["rating"]["count"], 1,
        "the refused review changed nothing"
    );
}

#[tokio::test]
async fn writes_need_a_valid_token() {
    let app = spawn_app().await;
    let cafe = &cafe_ids()[0];
    let path = format!("/cafes/{cafe}/reviews");
    let expired = shared::jwt::sign(
        &shared::jwt::Claims {
            sub: "ana".to_owned(),
            exp: 1_000,
        },
        tests::TEST_JWT_SECRET.as_bytes(),
    );
    let forged = shared::jwt::sign(
        &shared::jwt::Claims {
            sub: "ana".to_owned(),
            exp: i64::MAX,
        },
        b"not-the-secret",
    );
    let cases: [(&str, Option<String>); 4] = [
        ("missing", None),
        ("expired", Some(format!("Bearer {expired}"))),
        ("forged", Some(format!("Bearer {forged}"))),
        ("garbage", Some("Bearer abc.def".to_owned())),
    ];
    for (why, header) in cases {
        let headers: Vec<(&str, &str)> = header
            .iter()
            .map(|h| ("authorization", h.as_str()))
            .collect();
        let reply = documented(
            app.send_json("POST", &path, &headers, &body(4)).await,
            "POST",
            "/cafes/{cafeId}/reviews",
        );
        assert_eq!(reply.status, 401, "{why}: {}", reply.body);
        assert_eq!(kind(&reply), "unauthorized", "{why}");
    }
    assert_eq!(app.get(&path).await.status, 200, "reads need no token");
}

#[tokio::test]
async fn bad_bodies_are_400s_or_422s_naming_the_field() {
    let app = spawn_app().await;
    let cafe = &cafe_ids()[0];
    let text = "Bright acidity, lovely florals, great service.";
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({ "rating": 0, "text": text }), 422, "rating"),
        (json!({ "rating": 6, "text": text }), 422, "rating"),
        (json!({ "rating": "5", "text": text }), 422, "rating"),
        (json!({ "rating": 4.5, "text": text }), 422, "rating"),
        (json!({ "text": text }), 422, "rating"),
        (
            json!({ "rating": 4, "text": "   too short        " }),
            422,
            "text",
        ),
        (
            json!({ "rating": 4, "text": "x".repeat(5001) }),
            422,
            "text",
        ),
        (json!({ "rating": 4, "text": 42 }), 422, "text"),
        (
            json!({ "rating": 4, "text": text, "stars": 5 }),
            422,
            "stars",
        ),
        (
            json!({ "rating": 4, "text": text, "brewingMethod": "teleport" }),
            422,
            "brewingMethod",
        ),
        (
            json!({ "rating": 4, "text": text, "brewingMethod": "Not A Slug" }),
            422,
            "brewingMethod",
        ),
        (
            json!({ "rating": 4, "text": text, "visitedOn": "2999-01-01" }),
            422,
            "visitedOn",
        ),
        (
            json!({ "rating": 4, "text": text, "visitedOn": "01/02/2024" }),
            422,
            "visitedOn",
        ),
        (json!([1, 2, 3]), 400, ""),
        (json!("a string"), 400, ""),
    ];
    for (payload, status, field) in cases {
        let reply = post_review(&app, cafe, "ana", &payload, None).await;
        assert_eq!(reply.status, status, "{payload}: {}", reply.body);
        if !field.is_empty() {
            let named: Vec<&str> = reply.body["invalidParams"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert!(
                named.contains(&field),
                "{payload} should name {field}: {named:?}"
            );
        }
    }
    let bearer = format!("Bearer {}", token("ana"));
    let raw = app
        .client
        .post(app.url(&format!("/cafes/{cafe}/reviews")))
        .header("authorization", bearer)
        .header("content-type", "application/json")
        .body("{\"rating\": 5, ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400, "malformed JSON");
    assert_eq!(
        post_review(&app, "caf_0000000000000000", "ana", &body(3), None)
            .await
            .status,
        404
    );
    let valid = post_review(
        &app,
        cafe,
        "ana",
        &json!({ "rating": 4, "text": text, "visitedOn": "2024-05-01", "brewingMethod": null }),
        None,
    )
    .await;
    assert_eq!(valid.status, 201, "{}", valid.body);
}

#[tokio::test]
async fn only_the_author_edits_or_deletes_and_the_summary_follows() {
    let app = spawn_app().await;
    let cafe = &cafe_ids()[5];
    let created = post_review(&app, cafe, "ana", &body(5), None).await;
    let path = created.header("location").unwrap().to_owned();
    let ana = format!("Bearer {}", token("ana"));
    let ben = format!("Bearer {}", token("ben"));

    let edit = json!({ "rating": 2, "text": "Went back: the espresso was sour this time." });
    let denied = documented(
        app.send_json("PUT", &path, &[("authorization", &ben)], &edit)
            .await,
        "PUT",
        "/reviews/{reviewId}",
    );
    assert_eq!(denied.status, 403);
    let edited = documented(
        app.send_json("PUT", &path, &[("authorization", &ana)], &edit)
            .await,
        "PUT",
        "/reviews/{reviewId}",
    );
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["rating"], 2);
    let profile = app.get(&format!("/cafes/{cafe}")).await;
    assert_eq!(profile.body["rating"]["histogram"], json!([0, 1, 0, 0, 0]));

    let denied = documented(
        app.request("DELETE", &path, &[("authorization", &ben)])
            .await,
        "DELETE",
        "/reviews/{reviewId}",
    );
    assert_eq!(denied.status, 403);
    let deleted = app
        .request("DELETE", &path, &[("authorization", &ana)])
        .await;
    assert_eq!(deleted.status, 204);
    let gone = documented(
        app.request("DELETE", &path, &[("authorization", &ana)])
            .await,
        "DELETE",
        "/reviews/{reviewId}",
    );
    assert_eq!(gone.status, 404);
    let profile = app.get(&format!("/cafes/{cafe}")).await;
    assert_eq!(profile.body["rating"]["count"], 0);
    assert_eq!(profile.body["latestReviews"], json!([]));
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_other_payloads() {
    let app = spawn_app().await;
    let cafe = &cafe_ids()[7];
    let first = post_review(&app, cafe, "ana", &body(4), Some("key-1")).await;
    assert_eq!(first.status, 201);
    let replay = post_review(&app, cafe, "ana", &body(4), Some("key-1")).await;
    assert_eq!(replay.status, 201, "replayed, not a 409 duplicate");
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let other = post_review(&app, cafe, "ana", &body(2), Some("key-1")).await;
    assert_eq!(other.status, 422);
    assert_eq!(kind(&other), "idempotency-key-reused");
    // Keys belong to their user: the same key from someone else is a new request.
    let ben = post_review(&app, cafe, "ben", &body(4), Some("key-1")).await;
    assert_eq!(ben.status, 201);
    let bad_key = post_review(&app, cafe, "cy", &body(4), Some("has space")).await;
    assert_eq!(bad_key.status, 400);
}

#[tokio::test]
async fn concurrent_duplicates_write_exactly_once_and_never_5xx() {
    let app = spawn_app().await;
    let cafe = cafe_ids()[9].clone();
    let payload = body(3);
    let attempts = (0..12).map(|_| post_review(&app, &cafe, "dee", &payload, Some("same-key")));
    let replies = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "only 201s and 409 in-progress: {statuses:?}"
    );
    assert!(statuses.contains(&201));
    let ids: std::collections::BTreeSet<&str> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "every 201 is the same review");
    let list = app.get(&format!("/cafes/{cafe}/reviews")).await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "exactly one write"
    );
}

#[tokio::test]
async fn the_write_limit_answers_429_with_retry_after() {
    let app = spawn_app_with_limit(2).await;
    let cafes = cafe_ids();
    assert_eq!(
        post_review(&app, &cafes[10], "eve", &body(5), None)
            .await
            .status,
        201
    );
    assert_eq!(
        post_review(&app, &cafes[11], "eve", &body(5), None)
            .await
            .status,
        201
    );
    let limited = post_review(&app, &cafes[12], "eve", &body(5), None).await;
    assert_eq!(limited.status, 429);
    assert_eq!(kind(&limited), "too-many-writes");
    let retry: u32 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry));
    assert_eq!(
        post_review(&app, &cafes[12], "fay", &body(5), None)
            .await
            .status,
        201,
        "limits are per user"
    );
}
