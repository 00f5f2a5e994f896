//! End-to-end story flows through the local server, checked against infra/openapi.yaml.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tests::openapi::documented;
use tests::{Reply, TestApp, spawn_app, token};

async fn publish(app: &TestApp, user: &str, body: &Value, key: Option<&str>) -> Reply {
    let bearer = format!("Bearer {}", token(user));
    let mut headers = vec![("authorization", bearer.as_str())];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    documented(
        app.send_json("POST", "/stories", &headers, body).await,
        "POST",
        "/stories",
    )
}

#[tokio::test]
async fn stories_are_published_listed_filtered_and_fetched() {
    let app = spawn_app().await;
    // Cafés no demo story mentions, so the lists below hold only this test's stories.
    let cafes: Vec<String> = tests::quiet_cafe_ids().into_iter().take(2).collect();
    let first = json!({ "title": "Sunday cupping", "body": "Six Kenyans side by side.\nThe SL28 won.", "tags": ["cupping", "kenya"], "cafeIds": [cafes[0]] });
    let second = json!({ "title": "Cold brew on the pier", "body": "Sweet, chocolatey, and very cold.", "tags": ["cold-brew"], "cafeIds": [cafes[0], cafes[1]] });
    let a = publish(&app, "ana", &first, Some("story-1")).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let replay = publish(&app, "ana", &first, Some("story-1")).await;
    assert_eq!(replay.body, a.body, "idempotent replay");
    let b = publish(&app, "ben", &second, None).await;
    assert_eq!(b.status, 201);

    let all = documented(
        app.get(&format!("/stories?cafeId={}", cafes[0])).await,
        "GET",
        "/stories",
    );
    let titles: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Cold brew on the pier", "Sunday cupping"]);
    let by_tag = documented(app.get("/stories?tag=kenya").await, "GET", "/stories");
    assert_eq!(by_tag.body["items"].as_array().unwrap().len(), 1);
    let by_cafe = documented(
        app.get(&format!("/stories?cafeId={}&limit=1", cafes[0]))
            .await,
        "GET",
        "/stories",
    );
    assert_eq!(by_cafe.body["items"].as_array().unwrap().len(), 1);
    let cursor = by_cafe.body["nextCursor"].as_str().unwrap();
    let next = documented(
        app.get(&format!(
            "/stories?cafeId={}&limit=1&cursor={cursor}",
            cafes[0]
        ))
        .await,
        "GET",
        "/stories",
    );
    assert_eq!(next.body["items"][0]["title"], "Sunday cupping");

    let location = a.header("location").unwrap().to_owned();
    let one = documented(app.get(&location).await, "GET", "/stories/{storyId}");
    assert_eq!(one.body["body"], "Six Kenyans side by side.\nThe SL28 won.");
    assert_eq!(
        documented(
            app.get("/stories/sty_0000000000000000").await,
            "GET",
            "/stories/{storyId}"
        )
        .status,
        404
    );
    assert_eq!(
        documented(app.get("/stories/nope").await, "GET", "/stories/{storyId}").status,
        400
    );
    assert_eq!(
        documented(app.get("/stories?cafeId=nope").await, "GET", "/stories").status,
        400
    );
    assert_eq!(
        documented(
            app.get("/stories?tag=Not%20A%20Tag").await,
            "GET",
            "/stories"
        )
        .status,
        400
    );
}

#[tokio::test]
async fn bad_stories_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let ok = |extra: Value| {
        let mut body = json!({ "title": "A title", "body": "A body." });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let eleven: Vec<String> = (0..11).map(|i| format!("tag-{i}")).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "body": "A body." }), "title"),
        (ok(json!({ "title": "   " })), "title"),
        (ok(json!({ "title": "x".repeat(121) })), "title"),
        (ok(json!({ "title": "two\nlines" })), "title"),
        (ok(json!({ "body": "x".repeat(20_001) })), "body"),
        (ok(json!({ "tags": eleven })), "tags"),
        (ok(json!({ "tags": ["same", "same"] })), "tags"),
        (ok(json!({ "tags": ["Not A Slug"] })), "tags"),
        (
            ok(json!({ "cafeIds": ["caf_0000000000000000"] })),
            "cafeIds",
        ),
        (ok(json!({ "cafeIds": "caf_0000000000000000" })), "cafeIds"),
        (ok(json!({ "html": "<b>hi</b>" })), "html"),
    ];
    for (body, field) in cases {
        let reply = publish(&app, "ana", &body, None).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        let named: Vec<&str> = reply.body["invalidParams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(named.contains(&field), "{field}: {named:?}");
    }
    assert_eq!(publish(&app, "ana", &json!([1]), None).await.status, 400);
    let anonymous = documented(
        app.send_json("POST", "/stories", &[], &ok(json!({}))).await,
        "POST",
        "/stories",
    );
    assert_eq!(anonymous.status, 401);
    let by_ana = format!("/stories?author={}", tests::public_id("ana"));
    assert!(
        app.get(&by_ana).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was written"
    );
}
