//! End-to-end photo flow on the local server: announce a photo, upload the file to the signed
//! local target, let the in-process queue run the worker, and read the renditions from the
//! local media URL. Every API response is checked against infra/openapi.yaml.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::openapi::documented;
use tests::{Reply, TestApp, spawn_app, token};

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

async fn announce(app: &TestApp, cafe: &str, body: Value, key: &str) -> Reply {
    let bearer = format!("Bearer {}", token("photographer"));
    documented(
        app.send_json(
            "POST",
            &format!("/cafes/{cafe}/photos"),
            &[("authorization", &bearer), ("idempotency-key", key)],
            &body,
        )
        .await,
        "POST",
        "/cafes/{cafeId}/photos",
    )
}

/// Posts the form S3 would get: the signed fields in order, then the file.
async fn upload(app: &TestApp, target: &Value, file: Vec<u8>) -> reqwest::StatusCode {
    let mut form = reqwest::multipart::Form::new();
    for pair in target["fields"].as_array().unwrap() {
        let name = pair[0].as_str().unwrap().to_owned();
        let value = pair[1].as_str().unwrap().to_owned();
        form = form.text(name, value);
    }
    form = form.part("file", reqwest::multipart::Part::bytes(file));
    app.client
        .post(target["url"].as_str().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
}

async fn wait_finished(app: &TestApp, photo: &str) -> Value {
    for _ in 0..200 {
        let reply = documented(
            app.get(&format!("/photos/{photo}")).await,
            "GET",
            "/photos/{photoId}",
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["status"] != "pending" {
            return reply.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("photo {photo} still pending after 10 s");
}

fn cafe_id() -> String {
    shared::demo::catalog().unwrap().cafes[0].id.to_string()
}

#[tokio::test]
async fn a_photo_goes_from_upload_to_cdn_renditions() {
    let app = spawn_app().await;
    let cafe = cafe_id();
    let file = jpeg(2000, 1500);
    let reply = announce(
        &app,
        &cafe,
        json!({"contentType": "image/jpeg", "contentLength": file.len(), "caption": "Morning pour-over"}),
        "photo-1",
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let photo = reply.body["photo"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.header("location"),
        Some(format!("/photos/{photo}").as_str())
    );
    assert_eq!(reply.body["photo"]["status"], "pending");
    let target = &reply.body["upload"];
    assert_eq!(target["method"], "POST");

    // Not listed while pending.
    let list = app.get(&format!("/cafes/{cafe}/photos")).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);

    assert_eq!(upload(&app, target, file).await, 204);
    let finished = wait_finished(&app, &photo).await;
    assert_eq!(finished["status"], "ready", "{finished}");
    let renditions = finished["renditions"].as_array().unwrap();
    assert_eq!(renditions.len(), 6);
    for r in renditions {
        let url = r["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("http://{}/media/", app.addr)),
            "{url}"
        );
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let bytes = response.bytes().await.unwrap();
        let image = image::load_from_memory(&bytes).unwrap();
        assert_eq!(
            (u64::from(image.width()), u64::from(image.height())),
            (r["width"].as_u64().unwrap(), r["height"].as_u64().unwrap())
        );
    }
    let list = documented(
        app.get(&format!("/cafes/{cafe}/photos")).await,
        "GET",
        "/cafes/{cafeId}/photos",
    );
    assert_eq!(list.body["items"][0]["id"], photo.as_str());

    // The ready photo is now the café's cover, on its profile and in the café lists.
    let profile = documented(
        app.get(&format!("/cafes/{cafe}")).await,
        "GET",
        "/cafes/{cafeId}",
    );
    assert_eq!(profile.body["coverPhoto"]["photoId"], photo.as_str());
    assert_eq!(
        profile.body["coverPhoto"]["renditions"],
        finished["renditions"]
    );
    let city = shared::domain::Slug::from_text(profile.body["location"]["city"].as_str().unwrap())
        .unwrap();
    let listed = documented(
        app.get(&format!("/cafes?city={city}&limit=100")).await,
        "GET",
        "/cafes",
    );
    let item = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cafe.as_str())
        .unwrap();
    assert_eq!(item["coverPhoto"]["photoId"], photo.as_str());
}

#[tokio::test]
async fn uploads_must_match_their_signed_policy() {
    let app = spawn_app().await;
    let cafe = cafe_id();
    let file = jpeg(64, 64);
    let reply = announce(
        &app,
        &cafe,
        json!({"contentType": "image/jpeg", "contentLength": file.len()}),
        "photo-2",
    )
    .await;
    let target = reply.body["upload"].clone();
    // A different size than announced, a changed key, a forged signature: refused.
    assert_eq!(upload(&app, &target, jpeg(65, 64)).await, 403);
    let mut other_key = target.clone();
    other_key["fields"][0][1] = json!("uploads/pho_0000000000000000");
    assert_eq!(upload(&app, &other_key, file.clone()).await, 403);
    let mut forged = target.clone();
    for pair in forged["fields"].as_array_mut().unwrap() {
        if pair[0] == "x-amz-signature" {
            pair[1] = json!("00".repeat(32));
        }
    }
    assert_eq!(upload(&app, &forged, file.clone()).await, 403);
    // The real one still works.
    assert_eq!(upload(&app, &target, file).await, 204);
}

#[tokio::test]
async fn hostile_files_fail_with_a_reason_and_the_next_photo_still_works() {
    let app = spawn_app().await;
    let cafe = cafe_id();
    let good = jpeg(300, 200);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "text declared as JPEG",
            b"just some text, not a photo".to_vec(),
        ),
        ("truncated JPEG", good[..good.len() / 2].to_vec()),
    ];
    for (i, (why, bytes)) in cases.into_iter().enumerate() {
        let reply = announce(
            &app,
            &cafe,
            json!({"contentType": "image/jpeg", "contentLength": bytes.len()}),
            &format!("hostile-{i}"),
        )
        .await;
        let photo = reply.body["photo"]["id"].as_str().unwrap().to_owned();
        assert_eq!(upload(&app, &reply.body["upload"], bytes).await, 204);
        let finished = wait_finished(&app, &photo).await;
        assert_eq!(finished["status"], "failed", "{why}: {finished}");
        assert!(
            finished["failureReason"].as_str().unwrap().len() > 10,
            "{why}"
        );
        assert!(finished["renditions"].as_array().unwrap().is_empty());
    }
    let reply = announce(
        &app,
        &cafe,
        json!({"contentType": "image/jpeg", "contentLength": good.len()}),
        "after-hostile",
    )
    .await;
    let photo = reply.body["photo"]["id"].as_str().unwrap().to_owned();
    assert_eq!(upload(&app, &reply.body["upload"], good).await, 204);
    assert_eq!(wait_finished(&app, &photo).await["status"], "ready");
}

#[tokio::test]
async fn bad_announcements_are_4xx_problems() {
    let app = spawn_app().await;
    let cafe = cafe_id();
    for (i, (body, field)) in [
        (
            json!({"contentType": "image/gif", "contentLength": 10}),
            "contentType",
        ),
        (
            json!({"contentType": "image/jpeg", "contentLength": 15 * 1024 * 1024 + 1}),
            "contentLength",
        ),
        (
            json!({"contentType": "image/jpeg", "contentLength": 0}),
            "contentLength",
        ),
        (json!({"contentType": "image/jpeg"}), "contentLength"),
        (
            json!({"contentType": "image/png", "contentLength": 10, "caption": "x".repeat(301)}),
            "caption",
        ),
        (
            json!({"contentType": "image/png", "contentLength": 10, "filename": "a.png"}),
            "filename",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = announce(&app, &cafe, body.clone(), &format!("bad-{i}")).await;
        assert!(
            reply.status == 422 || reply.status == 400,
            "{body}: {}",
            reply.body
        );
        let named: Vec<&str> = reply.body["invalidParams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(named.contains(&field), "{body}: {named:?}");
    }
    let reply = announce(
        &app,
        "caf_0000000000000000",
        json!({"contentType": "image/jpeg", "contentLength": 10}),
        "unknown-cafe",
    )
    .await;
    assert_eq!(reply.status, 404);
    // Without a token: 401 from the authorizer.
    let reply = app
        .send_json(
            "POST",
            &format!("/cafes/{cafe}/photos"),
            &[],
            &json!({"contentType": "image/jpeg", "contentLength": 10}),
        )
        .await;
    assert_eq!(reply.status, 401);
    let reply = documented(
        app.get("/photos/pho_0000000000000000").await,
        "GET",
        "/photos/{photoId}",
    );
    assert_eq!(reply.status, 404);
    let reply = documented(app.get("/photos/nope").await, "GET", "/photos/{photoId}");
    assert_eq!(reply.status, 400);
}

async fn delete(app: &TestApp, photo: &str, user: &str) -> Reply {
    let bearer = format!("Bearer {}", token(user));
    documented(
        app.request(
            "DELETE",
            &format!("/photos/{photo}"),
            &[("authorization", &bearer)],
        )
        .await,
        "DELETE",
        "/photos/{photoId}",
    )
}

/// Announces, uploads and waits for a ready photo; its id and renditions.
async fn ready_photo(app: &TestApp, cafe: &str, key: &str, shade: u32) -> (String, Value) {
    let file = jpeg(400 + shade, 300);
    let reply = announce(
        app,
        cafe,
        json!({"contentType": "image/jpeg", "contentLength": file.len()}),
        key,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let photo = reply.body["photo"]["id"].as_str().unwrap().to_owned();
    assert_eq!(upload(app, &reply.body["upload"], file).await, 204);
    let finished = wait_finished(app, &photo).await;
    assert_eq!(finished["status"], "ready");
    (photo, finished["renditions"].clone())
}

#[tokio::test]
async fn the_uploader_deletes_a_photo_and_the_cover_falls_back() {
    let app = spawn_app().await;
    let cafe = cafe_id();
    let (first, _) = ready_photo(&app, &cafe, "del-1", 0).await;
    let (second, renditions) = ready_photo(&app, &cafe, "del-2", 16).await;
    let cover = |reply: &Reply| {
        reply.body["coverPhoto"]["photoId"]
            .as_str()
            .map(str::to_owned)
    };
    let profile = app.get(&format!("/cafes/{cafe}")).await;
    assert_eq!(
        cover(&profile).as_deref(),
        Some(second.as_str()),
        "newest wins"
    );

    // Someone else may not; a malformed id is a 400; no token is a 401.
    let reply = delete(&app, &second, "someone-else").await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = delete(&app, "not-a-photo", "photographer").await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let reply = documented(
        app.request("DELETE", &format!("/photos/{second}"), &[])
            .await,
        "DELETE",
        "/photos/{photoId}",
    );
    assert_eq!(reply.status, 401);

    let reply = delete(&app, &second, "photographer").await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let gone = documented(
        app.get(&format!("/photos/{second}")).await,
        "GET",
        "/photos/{photoId}",
    );
    assert_eq!(gone.status, 404);
    // The server's sweep purges the queued media (every second locally, every 5 minutes in
    // AWS): each rendition is gone from the media bucket within a few seconds.
    for r in renditions.as_array().unwrap() {
        let url = r["url"].as_str().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let status = app.client.get(url).send().await.unwrap().status();
            if status == 404 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{url} still served ({status}) 15 s after the deletion"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    let profile = app.get(&format!("/cafes/{cafe}")).await;
    assert_eq!(
        cover(&profile).as_deref(),
        Some(first.as_str()),
        "next newest"
    );

    assert_eq!(delete(&app, &first, "photographer").await.status, 204);
    let profile = app.get(&format!("/cafes/{cafe}")).await;
    assert_eq!(cover(&profile), None, "no photo, no cover");
    assert_eq!(delete(&app, &first, "photographer").await.status, 404);
}

#[tokio::test]
async fn the_uploader_gets_a_fresh_form_while_pending_and_a_409_after() {
    let app = spawn_app().await;
    let cafe = cafe_id();
    let file = jpeg(64, 48);
    let reply = announce(
        &app,
        &cafe,
        json!({"contentType": "image/jpeg", "contentLength": file.len()}),
        "form-1",
    )
    .await;
    let photo = reply.body["photo"]["id"].as_str().unwrap().to_owned();
    let form = |user: &'static str| {
        let (app, photo) = (&app, photo.clone());
        async move {
            let bearer = format!("Bearer {}", token(user));
            documented(
                app.request(
                    "POST",
                    &format!("/photos/{photo}/upload-form"),
                    &[("authorization", &bearer)],
                )
                .await,
                "POST",
                "/photos/{photoId}/upload-form",
            )
        }
    };
    assert_eq!(form("someone-else").await.status, 403);
    let fresh = form("photographer").await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    // The fresh form works like the first one.
    assert_eq!(upload(&app, &fresh.body, file).await, 204);
    assert_eq!(wait_finished(&app, &photo).await["status"], "ready");
    let late = form("photographer").await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert_eq!(late.body["type"], "https://craftbean.app/problems/conflict");
}
