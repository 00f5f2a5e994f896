//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_me::{Deps, handle};
use shared::testing::{event, json_body, public_id, user_keys};

#[tokio::test]
async fn the_first_call_creates_the_profile_and_later_calls_return_it() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        users: user_keys(),
    };
    let first = handle(&deps, event("get-me")).await;
    assert_eq!(first.status(), 200, "{}", json_body(&first));
    let body = json_body(&first);
    assert_eq!(body["id"], public_id("fixture-user").as_str());
    assert!(
        body["displayName"]
            .as_str()
            .unwrap()
            .starts_with("Coffee lover")
    );
    assert!(
        !body.to_string().contains("fixture-user"),
        "no token subject"
    );
    assert_eq!(first.headers()["cache-control"], "no-store");
    let again = handle(&deps, event("get-me")).await;
    assert_eq!(json_body(&again), body, "the stored profile, unchanged");
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        users: user_keys(),
    };
    let mut req = event("get-me");
    // Without the authorizer's claims (what API Gateway sends when there is no valid token).
    *req.extensions_mut() = lambda_http::http::Extensions::new();
    let response = handle(&deps, req).await;
    assert_eq!(response.status(), 401, "{}", json_body(&response));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}
