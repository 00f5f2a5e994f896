//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use create_review::{Deps, handle};
use lambda_http::RequestExt;
use shared::http::WriteGuard;
use shared::store::reviews::ReviewStore;
use shared::testing::{event, json_body};

async fn deps()
-> Deps<shared::store::sqlite::SqliteStore, ReviewStore<shared::store::sqlite::SqliteStore>> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    Deps {
        reviews: ReviewStore::new(store.clone(), "test"),
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        catalog: store,
        users: shared::testing::user_keys(),
    }
}

#[tokio::test]
async fn creates_the_fixture_review_then_replays_it() {
    let deps = deps().await;
    let response = handle(&deps, event("create-review")).await;
    assert_eq!(response.status(), 201, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(
        body["author"]["id"],
        shared::testing::public_id("fixture-user").as_str(),
        "author from the authorizer claims, as a public id"
    );
    assert!(
        !body.to_string().contains("fixture-user"),
        "the token subject appears nowhere in the response"
    );
    assert_eq!(body["rating"], 5);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    // The fixture carries an Idempotency-Key: sending it again replays the same answer.
    let replay = handle(&deps, event("create-review")).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["location"], location.as_str());
    assert_eq!(json_body(&replay), body);
}

#[tokio::test]
async fn names_every_invalid_field() {
    let response = handle(&deps().await, event("create-review-invalid")).await;
    assert_eq!(response.status(), 422);
    let mut names: Vec<String> = json_body(&response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["mood", "rating", "text"]);
}

#[tokio::test]
async fn without_authorizer_claims_it_is_a_401() {
    // A read fixture has no authorizer claims; routed here it must be refused before anything.
    let anonymous = event("list-cafes").request_context();
    let req = event("create-review").with_request_context(anonymous);
    let response = handle(&deps().await, req).await;
    assert_eq!(response.status(), 401);
}

/// A request whose idempotency record is gone (its claim expired before it completed) runs
/// again, and its key names the same review: the review it already wrote is the answer, counted
/// once.
#[tokio::test]
async fn a_rerun_of_a_keyed_request_answers_the_review_it_already_wrote() {
    use shared::ports::ReviewReader;
    let deps = deps().await;
    let first = handle(&deps, event("create-review")).await;
    assert_eq!(first.status(), 201, "{}", json_body(&first));
    let user = shared::testing::public_id("fixture-user");
    shared::testing::forget_idempotency_record(
        &deps.catalog,
        &format!("create-review#{user}"),
        "fixture-create-review",
    )
    .await;
    let again = handle(&deps, event("create-review")).await;
    assert_eq!(again.status(), 201, "{}", json_body(&again));
    assert_eq!(json_body(&again)["id"], json_body(&first)["id"]);
    let mine = deps
        .catalog
        .list_user_reviews(&user, shared::query::PageLimit::default(), None)
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1, "one review, however often it runs");
}
