//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use create_story::{Deps, handle};
use shared::http::WriteGuard;
use shared::testing::{event, json_body};

#[tokio::test]
async fn publishes_the_fixture_story() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        users: shared::testing::user_keys(),
    };
    let response = handle(&deps, event("create-story")).await;
    assert_eq!(response.status(), 201, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(
        body["author"]["id"],
        shared::testing::public_id("fixture-user").as_str()
    );
    assert!(body["author"]["displayName"].is_string());
    assert!(!body.to_string().contains("fixture-user"));
    assert_eq!(body["tags"], serde_json::json!(["espresso", "winter"]));
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("/stories/{}", body["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn with_the_dev_secret_a_local_token_publishes_as_its_subject() {
    // As under `cargo lambda watch` with CRAFTBEAN_DEV_JWT_SECRET: no claims, a bearer token.
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        users: shared::testing::dev_user_keys(),
    };
    let token = shared::testing::local_token(
        "watch-user",
        jiff::Timestamp::now().as_second() + 3_600,
        shared::testing::TEST_DEV_JWT_SECRET,
    );
    let req = shared::testing::without_authorizer(event("create-story"), Some(&token));
    let response = handle(&deps, req).await;
    assert_eq!(response.status(), 201, "{}", json_body(&response));
    assert_eq!(
        json_body(&response)["author"]["id"],
        shared::testing::public_id("watch-user").as_str()
    );

    let expired =
        shared::testing::local_token("watch-user", 1_000, shared::testing::TEST_DEV_JWT_SECRET);
    let req = shared::testing::without_authorizer(event("create-story"), Some(&expired));
    let response = handle(&deps, req).await;
    assert_eq!(response.status(), 401, "{}", json_body(&response));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

/// A request whose idempotency record is gone (its claim expired before it completed: a
/// throttled completion, a timeout) runs again, and its key names the same story: the story it
/// already published is the answer, and no second one is written.
#[tokio::test]
async fn a_rerun_of_a_keyed_request_answers_the_story_it_already_published() {
    use shared::ports::StoryReader;
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: shared::testing::user_keys(),
    };
    let keyed = || {
        let mut req = event("create-story");
        req.headers_mut()
            .insert("idempotency-key", "rerun-key-1".parse().unwrap());
        req
    };
    let first = handle(&deps, keyed()).await;
    assert_eq!(first.status(), 201, "{}", json_body(&first));
    let user = shared::testing::public_id("fixture-user");
    shared::testing::forget_idempotency_record(
        &store,
        &format!("create-story#{user}"),
        "rerun-key-1",
    )
    .await;
    let again = handle(&deps, keyed()).await;
    assert_eq!(again.status(), 201, "{}", json_body(&again));
    assert_eq!(json_body(&again)["id"], json_body(&first)["id"]);
    let mine = store
        .list_stories(
            &shared::ports::StoryFilter {
                author: Some(user),
                ..Default::default()
            },
            shared::query::PageLimit::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1, "one story, however often it runs");
}
