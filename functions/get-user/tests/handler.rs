//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_user::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn shows_a_demo_users_public_profile() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps { store };
    let response = handle(&deps, event("get-user")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let body = json_body(&response);
    let demo = &shared::demo::catalog().unwrap().people.users[0];
    assert_eq!(body["id"], demo.id.as_str());
    assert_eq!(body["displayName"], demo.display_name.as_str());
    assert!(response.headers().contains_key("etag"));
}

#[tokio::test]
async fn a_persons_taste_is_not_public() {
    use shared::ports::{UserReader, UserWriter};
    let store = shared::seed::demo_memory_store().await.unwrap();
    let demo = shared::demo::catalog().unwrap().people.users[0].clone();
    let stored = store.get_profile(&demo.id).await.unwrap().unwrap();
    let mut tasted = stored.clone();
    tasted.taste_methods = shared::domain::taste_methods(["v60"]).unwrap();
    store.update_profile(&stored, &tasted).await.unwrap();
    let deps = Deps { store };
    let response = handle(&deps, event("get-user")).await;
    let body = json_body(&response);
    assert_eq!(body["displayName"], demo.display_name.as_str());
    assert!(body.get("tasteMethods").is_none(), "{body}");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_and_400() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps { store };
    for (id, status) in [
        ("usr_0000000000000000", 404),
        ("usr_nope", 400),
        ("caf_0000000000000000", 400),
    ] {
        let mut req = event("get-user");
        *req.uri_mut() = format!("/users/{id}").parse().unwrap();
        *req.extensions_mut() = lambda_http::http::Extensions::new();
        let response = handle(&deps, req).await;
        assert_eq!(response.status(), status, "{id}: {}", json_body(&response));
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}
