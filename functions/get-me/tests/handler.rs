//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_me::{Deps, handle};
use shared::testing::{
    TEST_DEV_JWT_SECRET, dev_user_keys, event, json_body, local_token, public_id, user_keys,
    without_authorizer,
};

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

/// An hour from now, epoch seconds.
fn in_an_hour() -> i64 {
    jiff::Timestamp::now().as_second() + 3_600
}

#[tokio::test]
async fn with_the_dev_secret_a_valid_local_token_stands_in_for_the_authorizer() {
    // As under `cargo lambda watch` with CRAFTBEAN_DEV_JWT_SECRET: no claims, a bearer token.
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        users: dev_user_keys(),
    };
    let token = local_token("watch-user", in_an_hour(), TEST_DEV_JWT_SECRET);
    let response = handle(&deps, without_authorizer(event("get-me"), Some(&token))).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(
        json_body(&response)["id"],
        public_id("watch-user").as_str(),
        "the token's sub, through the same keyed hash"
    );
    // Authorizer claims, when present, still decide (the token is not consulted).
    let mut with_claims = event("get-me");
    with_claims
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let response = handle(&deps, with_claims).await;
    assert_eq!(
        json_body(&response)["id"],
        public_id("fixture-user").as_str()
    );
}

#[tokio::test]
async fn with_the_dev_secret_bad_tokens_are_401_problems() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        users: dev_user_keys(),
    };
    let expired = local_token("watch-user", 1_000, TEST_DEV_JWT_SECRET);
    let forged = local_token(
        "watch-user",
        in_an_hour(),
        "not-the-dev-secret-0123456789abcdef",
    );
    for (case, token) in [
        ("expired", Some(expired.as_str())),
        ("wrong secret", Some(forged.as_str())),
        ("malformed", Some("not.a.jwt")),
        ("no token", None),
    ] {
        let response = handle(&deps, without_authorizer(event("get-me"), token)).await;
        assert_eq!(response.status(), 401, "{case}: {}", json_body(&response));
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{case}"
        );
    }
}

#[tokio::test]
async fn without_the_dev_secret_a_bearer_token_is_ignored() {
    // What every function in AWS does: only the authorizer's claims name the caller.
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        users: user_keys(),
    };
    let token = local_token("watch-user", in_an_hour(), TEST_DEV_JWT_SECRET);
    let response = handle(&deps, without_authorizer(event("get-me"), Some(&token))).await;
    assert_eq!(response.status(), 401, "{}", json_body(&response));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}
