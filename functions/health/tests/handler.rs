//! Handler tests with the events/ fixture: a healthy embedded replica, a failing one and one
//! that never answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use health::{Deps, PROBE_TIMEOUT, VERSION, handle};
use shared::ports::{ReplicaProbe, StoreError};
use shared::testing::{event, json_body};

fn deps<S>(store: S, probe_timeout: Duration) -> Deps<S> {
    Deps {
        store,
        region: "eu-west-1".to_owned(),
        version: VERSION,
        probe_timeout,
    }
}

#[tokio::test]
async fn a_replica_that_answers_is_healthy() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let response = handle(&deps(store, PROBE_TIMEOUT), event("health")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["region"], "eu-west-1");
    assert_eq!(body["version"], VERSION);
    assert_eq!(body["replica"]["status"], "ok");
    assert!(body["replica"]["latencyMs"].as_u64().unwrap() < 1500);
}

#[tokio::test]
async fn an_empty_replica_is_still_an_answer() {
    let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
    let response = handle(&deps(store, PROBE_TIMEOUT), event("health")).await;
    assert_eq!(
        response.status(),
        200,
        "a missing marker is a read that answered"
    );
}

/// A replica whose reads fail (throttled, unreachable, access denied).
struct Failing;

impl ReplicaProbe for Failing {
    async fn probe(&self) -> Result<(), StoreError> {
        Err(StoreError::Backend {
            operation: "get_item",
            source: "connection refused".into(),
        })
    }
}

/// A replica that never answers.
struct Silent;

impl ReplicaProbe for Silent {
    async fn probe(&self) -> Result<(), StoreError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_failing_replica_makes_the_region_unavailable() {
    let response = handle(&deps(Failing, PROBE_TIMEOUT), event("health")).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["replica"]["status"], "error");
    assert_eq!(body["region"], "eu-west-1");
    assert!(
        !body.to_string().contains("connection refused"),
        "no internal detail leaves: {body}"
    );
}

#[tokio::test]
async fn a_silent_replica_is_given_up_on_within_the_bound() {
    let bound = Duration::from_millis(50);
    let started = std::time::Instant::now();
    let response = handle(&deps(Silent, bound), event("health")).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(response.status(), 503);
    let body = json_body(&response);
    assert_eq!(body["replica"]["status"], "timeout");
    assert!(body["replica"]["latencyMs"].as_u64().unwrap() >= 50);
}

#[tokio::test]
async fn unknown_query_parameters_are_refused() {
    let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
    let mut request = event("health");
    *request.uri_mut() = "https://api.craftbean.example/health?verbose=1"
        .parse()
        .unwrap();
    let request = lambda_http::RequestExt::with_query_string_parameters(
        request,
        std::collections::HashMap::from([("verbose".to_owned(), "1".to_owned())]),
    );
    let response = handle(&deps(store, PROBE_TIMEOUT), request).await;
    assert_eq!(response.status(), 400);
}
