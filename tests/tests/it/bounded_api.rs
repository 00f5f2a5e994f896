//! No unbounded response (ARCHITECTURE.md): every list page stays within
//! `shared::http::LIST_BUDGET_BYTES` whatever `limit` says, paging through still returns every
//! item exactly once, and every `GET` route's worst case is stated in docs/responses.md, whose
//! table this suite checks against the route table and the handlers.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use shared::http::{LIST_BUDGET_BYTES, ROUTES};
use tests::openapi::assert_response;
use tests::{TestApp, spawn_app_with_limit, token};

/// A `GET` as the client sees it: status, body size in bytes, and the body, checked against
/// infra/openapi.yaml.
async fn get_sized(app: &TestApp, path: &str, template: &str) -> (usize, Value) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, 200, "GET {path}: {body}");
    assert_response(template, "GET", status, "application/json", &body);
    (bytes.len(), body)
}

/// Pages through `path` (which ends in `limit=100`) and returns the ids in order and the
/// number of pages, asserting that each page is within the byte budget.
async fn page_through(app: &TestApp, path: &str, template: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut url = path.to_owned();
    loop {
        let (bytes, body) = get_sized(app, &url, template).await;
        assert!(
            bytes <= LIST_BUDGET_BYTES,
            "page {pages} of {path}: {bytes} bytes"
        );
        pages += 1;
        ids.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned()),
        );
        match body["nextCursor"].as_str() {
            Some(cursor) => url = format!("{path}&cursor={cursor}"),
            None => return (ids, pages),
        }
    }
}

/// Review text as long as the rules allow: 5,000 characters of four bytes each (about 20 KB).
/// (Heavier grapheme clusters would pass the server's rule, which counts clusters, but not the
/// document's `maxLength`, which counts code points.)
fn longest_review_text(n: usize) -> String {
    format!("{n:05}{}", "\u{1D11E}".repeat(4_995))
}

async fn post_review(app: &TestApp, cafe: &str, user: &str, n: usize) -> String {
    let bearer = format!("Bearer {}", token(user));
    let body = json!({ "rating": 4, "text": longest_review_text(n) });
    let reply = app
        .send_json(
            "POST",
            &format!("/cafes/{cafe}/reviews"),
            &[("authorization", bearer.as_str())],
            &body,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

fn exactly_once(ids: &[String], written: &[String]) {
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an item came twice");
    let expected: BTreeSet<&String> = written.iter().collect();
    assert_eq!(unique, expected, "every item, and only those");
}

#[tokio::test]
async fn pages_of_the_longest_reviews_stay_within_the_budget_and_return_each_review_once() {
    let app = spawn_app_with_limit(200).await;
    let quiet = tests::quiet_cafe_ids()[0].clone();
    // 100 people review one quiet café…
    let mut on_cafe = Vec::new();
    for n in 0..100 {
        on_cafe.push(post_review(&app, &quiet, &format!("long-{n}"), n).await);
    }
    let (ids, pages) = page_through(
        &app,
        &format!("/cafes/{quiet}/reviews?limit=100"),
        "/cafes/{cafeId}/reviews",
    )
    .await;
    assert!(pages > 1, "100 reviews of ~20 KB cannot fit one 1 MiB page");
    exactly_once(&ids, &on_cafe);

    // …and one person reviews 100 cafés.
    let (_, cafes) = get_sized(&app, "/cafes?limit=100&sort=name", "/cafes").await;
    let cafes: Vec<&str> = cafes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut by_critic = Vec::new();
    for (n, cafe) in cafes.iter().enumerate() {
        by_critic.push(post_review(&app, cafe, "critic", n).await);
    }
    let critic = tests::public_id("critic");
    let (ids, pages) = page_through(
        &app,
        &format!("/users/{critic}/reviews?limit=100"),
        "/users/{userId}/reviews",
    )
    .await;
    assert!(pages > 1);
    exactly_once(&ids, &by_critic);
}

#[tokio::test]
async fn story_lists_of_the_largest_stories_stay_small_and_return_each_story_once() {
    let app = spawn_app_with_limit(200).await;
    let quiet = tests::quiet_cafe_ids()[1].clone();
    // As large as the rules and the 64 KiB request allow: 120 four-byte characters of title and
    // 15,000 of body (60 KB). A page of 100 such bodies would be 6 MB.
    let title = "\u{1D11E}".repeat(120);
    let story_body = "\u{1D11E}".repeat(15_000);
    let bearer = format!("Bearer {}", token("novelist"));
    let mut written = Vec::new();
    for _ in 0..100 {
        let reply = app
            .send_json(
                "POST",
                "/stories",
                &[("authorization", bearer.as_str())],
                &json!({ "title": title, "body": story_body, "cafeIds": [quiet] }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        written.push(reply.body["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/stories?cafeId={quiet}&limit=100");
    let (bytes, page) = get_sized(&app, &path, "/stories").await;
    assert!(
        bytes < 300 * 1024,
        "excerpts keep the page small: {bytes} bytes"
    );
    for item in page["items"].as_array().unwrap() {
        let excerpt = item["excerpt"].as_str().unwrap();
        assert!(excerpt.len() <= 1024 && story_body.starts_with(excerpt));
        assert_eq!(item["excerptTruncated"], true);
    }
    let (ids, _) = page_through(&app, &path, "/stories").await;
    exactly_once(&ids, &written);
    // The story page keeps the whole body.
    let (_, one) = get_sized(&app, &format!("/stories/{}", ids[0]), "/stories/{storyId}").await;
    assert_eq!(one["body"], story_body);
}

#[tokio::test]
async fn an_export_of_the_largest_stories_pages_within_the_budget_and_lists_each_item_once() {
    let app = spawn_app_with_limit(200).await;
    let quiet = tests::quiet_cafe_ids()[2].clone();
    // 60 stories as large as the rules allow (60 KB each, 3.6 MB together) and one review: the
    // whole account would not fit one response of the old single-document export.
    let title = "\u{1D11E}".repeat(120);
    let story_body = "\u{1D11E}".repeat(15_000);
    let bearer = format!("Bearer {}", token("archivist"));
    let auth = [("authorization", bearer.as_str())];
    let mut written = Vec::new();
    for _ in 0..60 {
        let reply = app
            .send_json(
                "POST",
                "/stories",
                &auth,
                &json!({ "title": title, "body": story_body, "cafeIds": [quiet] }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        written.push(reply.body["id"].as_str().unwrap().to_owned());
    }
    let review = app
        .send_json(
            "POST",
            &format!("/cafes/{quiet}/reviews"),
            &auth,
            &json!({ "rating": 5, "text": "Worth every page of the archive." }),
        )
        .await;
    assert_eq!(review.status, 201, "{}", review.body);

    let mut stories = Vec::new();
    let mut kinds = Vec::new();
    let mut url = "/me/export?limit=100".to_owned();
    let mut pages = 0;
    loop {
        let res = app
            .client
            .get(app.url(&url))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let bytes = res.bytes().await.unwrap();
        assert!(
            bytes.len() <= LIST_BUDGET_BYTES,
            "export page {pages}: {} bytes",
            bytes.len()
        );
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_response("/me/export", "GET", 200, "application/json", &body);
        pages += 1;
        for entry in body["items"].as_array().unwrap() {
            let (kind, item) = entry.as_object().unwrap().iter().next().unwrap();
            if kinds.last() != Some(kind) {
                kinds.push(kind.clone());
            }
            if kind == "story" {
                assert_eq!(item["body"], story_body, "the export holds whole bodies");
                stories.push(item["id"].as_str().unwrap().to_owned());
            }
        }
        match body["nextCursor"].as_str() {
            Some(cursor) => url = format!("/me/export?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    written.reverse();
    assert_eq!(stories, written, "each story once, newest first");
    assert_eq!(
        kinds,
        ["profile", "review", "story"],
        "kinds in export order, none repeated"
    );
    assert!(
        pages >= 4,
        "3.6 MB of stories take several pages, not {pages}"
    );
}

/// The rows of docs/responses.md's route table: (function, kind).
fn documented_bounds() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(tests::repo_root().join("docs/responses.md")).unwrap();
    doc.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| {
            let cells: Vec<&str> = rest.split('|').map(str::trim).collect();
            let function = cells.first()?.trim_end_matches('`');
            let kind = cells.get(2)?.trim_matches('`');
            Some((function.to_owned(), kind.to_owned()))
        })
        .collect()
}

#[test]
fn every_get_route_states_its_bound_and_every_paged_one_goes_through_the_budget() {
    let bounds = documented_bounds();
    let gets: BTreeSet<&str> = ROUTES
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.function)
        .collect();
    let listed: BTreeSet<&str> = bounds.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        listed, gets,
        "docs/responses.md states the worst case of exactly the GET routes"
    );
    for (function, kind) in &bounds {
        let source = std::fs::read_to_string(
            tests::repo_root().join(format!("functions/{function}/src/lib.rs")),
        )
        .unwrap();
        // `Paging::reply` is `Reply::list` with the route's cursor scope.
        let budgeted = source.contains("Reply::list") || source.contains("paging.reply");
        match kind.as_str() {
            "page" => assert!(
                budgeted,
                "{function} is paged but skips Reply::list / Paging::reply"
            ),
            "item" | "whole list" => {
                assert!(
                    !budgeted,
                    "{function} uses Reply::list / Paging::reply: call it `page`"
                )
            }
            other => panic!("{function}: unknown kind `{other}` in docs/responses.md"),
        }
        // A paged route is one with a cursor; no other route may hand one out.
        assert_eq!(
            source.contains("cursor"),
            kind == "page",
            "{function}: only `page` routes take a cursor"
        );
    }
}
