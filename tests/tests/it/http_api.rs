//! What a client expects of HTTP itself, end to end on the local server: HEAD, CORS, body size
//! and content type, write-limit headers, and the wire formats of timestamps, averages and
//! city/brewing-method filters. Responses are checked against infra/openapi.yaml.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use shared::config::WriteLimits;
use shared::domain::BucketPolicy;
use tests::openapi::documented;
use tests::{spawn_app, spawn_app_with_limits, token};

fn demo_cafe() -> String {
    shared::demo::catalog().unwrap().cafes[0].id.to_string()
}

fn review_body() -> serde_json::Value {
    json!({"rating": 5, "text": "Bright, floral washed Ethiopian on V60; lovely staff."})
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let cafe = demo_cafe();
    for path in [
        "/cafes?limit=3".to_owned(),
        format!("/cafes/{cafe}"),
        "/brewing-methods".to_owned(),
        "/brewing-methods/v60".to_owned(),
        format!("/cafes/{cafe}/reviews"),
    ] {
        let get = app.get(&path).await;
        let head = app.request("HEAD", &path, &[]).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert_eq!(
            head.body,
            serde_json::Value::Null,
            "HEAD {path} has no body"
        );
        for name in ["etag", "cache-control", "content-type", "content-length"] {
            assert!(get.header(name).is_some(), "GET {path} sends {name}");
            assert_eq!(head.header(name), get.header(name), "HEAD {path}: {name}");
        }
        let etag = get.header("etag").unwrap();
        let revalidated = app.request("HEAD", &path, &[("if-none-match", etag)]).await;
        assert_eq!(revalidated.status, 304, "HEAD {path} with If-None-Match");
    }
    let missing = app
        .request("HEAD", "/cafes/caf_0000000000000000", &[])
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, serde_json::Value::Null);
}

#[tokio::test]
async fn preflight_is_answered_for_allowed_origins_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/stories"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(allowed.status(), 204);
    let h = allowed.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:5173");
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("HEAD"),
        "{methods}"
    );
    let headers = h["access-control-allow-headers"].to_str().unwrap();
    assert!(headers.contains("idempotency-key"), "{headers}");

    let refused = preflight("https://evil.example").await.unwrap();
    assert_eq!(refused.status(), 204);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS grant for a foreign origin"
    );

    // A simple request from an allowed origin may read the API's own headers.
    let get = app
        .client
        .get(app.url("/brewing-methods"))
        .header("origin", "http://127.0.0.1:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get.headers()["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
    let exposed = get.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    for name in [
        "etag",
        "x-request-id",
        "ratelimit",
        "ratelimit-policy",
        "retry-after",
    ] {
        assert!(
            exposed.split(", ").any(|e| e == name),
            "{name} in {exposed}"
        );
    }
}

#[tokio::test]
async fn oversized_and_non_json_bodies_are_problems() {
    let app = spawn_app().await;
    let cafe = demo_cafe();
    let path = format!("/cafes/{cafe}/reviews");
    let bearer = format!("Bearer {}", token("hal"));
    // 2 MB: refused by the server before the body is read whole.
    let huge = format!(r#"{{"rating":5,"text":"{}"}}"#, "a".repeat(2 * 1024 * 1024));
    for (body, content_type, status, kind) in [
        (huge, "application/json", 413, "payload-too-large"),
        (
            review_body().to_string(),
            "text/plain",
            415,
            "unsupported-media-type",
        ),
    ] {
        let res = app
            .client
            .post(app.url(&path))
            .header("authorization", &bearer)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{content_type}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{status}"
        );
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            problem["type"],
            format!("https://craftbean.app/problems/{kind}")
        );
        tests::openapi::assert_response(
            "/cafes/{cafeId}/reviews",
            "POST",
            status,
            "application/problem+json",
            &problem,
        );
    }
    // `; charset=utf-8` is still JSON.
    let res = app
        .client
        .post(app.url(&path))
        .header("authorization", &bearer)
        .header("content-type", "application/json; charset=utf-8")
        .body(review_body().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
}

#[tokio::test]
async fn writes_carry_rate_limit_headers_and_a_burst_gets_a_short_true_retry_after() {
    let limits = WriteLimits {
        reviews: BucketPolicy {
            quota: 2,
            window_secs: 10,
        },
        ..WriteLimits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let cafes = shared::demo::catalog().unwrap().cafes;
    let bearer = format!("Bearer {}", token("ivy"));
    let auth = [("authorization", bearer.as_str())];
    let post = |i: usize| {
        let path = format!("/cafes/{}/reviews", cafes[i].id);
        let app = &app;
        async move {
            documented(
                app.send_json("POST", &path, &auth, &review_body()).await,
                "POST",
                "/cafes/{cafeId}/reviews",
            )
        }
    };
    let first = post(0).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.header("ratelimit-policy"),
        Some("\"reviews\";q=2;w=10")
    );
    assert_eq!(first.header("ratelimit"), Some("\"reviews\";r=1;t=5"));
    let second = post(1).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.header("ratelimit"), Some("\"reviews\";r=0;t=5"));
    let limited = post(2).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    let retry: u32 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=5).contains(&retry),
        "the true wait for one token of 2 per 10 s, not an hour: {retry}"
    );
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"reviews\";q=2;w=10")
    );
    assert_eq!(
        limited.header("ratelimit"),
        Some(format!("\"reviews\";r=0;t={retry}").as_str())
    );
    // Another action has its own bucket.
    let story = documented(
        app.send_json(
            "POST",
            "/stories",
            &auth,
            &json!({"title": "Cupping notes", "body": "Six Kenyans side by side."}),
        )
        .await,
        "POST",
        "/stories",
    );
    assert_eq!(story.status, 201, "{}", story.body);
    assert_eq!(
        story.header("ratelimit-policy"),
        Some("\"stories\";q=5;w=3600")
    );
    assert_eq!(story.header("ratelimit"), Some("\"stories\";r=4;t=720"));
}

#[tokio::test]
async fn wire_formats_clients_can_parse() {
    let app = spawn_app().await;
    let cafe = demo_cafe();
    let bearer = format!("Bearer {}", token("jon"));
    let created = app
        .send_json(
            "POST",
            &format!("/cafes/{cafe}/reviews"),
            &[("authorization", bearer.as_str())],
            &review_body(),
        )
        .await;
    assert_eq!(created.status, 201);
    let millis = regex_like_millis;
    for field in ["createdAt", "updatedAt"] {
        let value = created.body[field].as_str().unwrap();
        assert!(millis(value), "review {field} = {value}");
    }
    let listed = documented(app.get("/cafes?limit=5").await, "GET", "/cafes");
    for item in listed.body["items"].as_array().unwrap() {
        let value = item["createdAt"].as_str().unwrap();
        assert!(millis(value), "café createdAt = {value}");
        if item["rating"]["count"] == 0 {
            assert_eq!(item["rating"]["average"], serde_json::Value::Null, "{item}");
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly.
fn regex_like_millis(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

#[tokio::test]
async fn cities_in_any_script_and_unknown_brewing_methods() {
    let app = spawn_app().await;
    let tokyo = documented(
        app.get("/cafes?city=%E6%9D%B1%E4%BA%AC").await,
        "GET",
        "/cafes",
    );
    assert_eq!(tokyo.status, 200, "{}", tokyo.body);
    assert_eq!(tokyo.body, json!({"items": [], "nextCursor": null}));
    let unknown = documented(
        app.get("/cafes?brewingMethod=pour-over-9000").await,
        "GET",
        "/cafes",
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["invalidParams"][0]["name"], "brewingMethod");
    let near = app
        .get("/cafes/nearby?lat=35.68&lng=139.76&brewingMethod=pour-over-9000")
        .await;
    assert_eq!(near.status, 400, "unknown slugs are 400 everywhere");
    assert_eq!(near.body["invalidParams"][0]["name"], "brewingMethod");
}
