//! `GET /health` end to end: through the local server (documented in infra/openapi.yaml), and
//! the handler's one bounded read over the wire against a DynamoDB table in moto, against one
//! that does not exist and against an endpoint that never answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use shared::store::dynamodb::DynamoStore;
use shared::testing::{event, json_body};
use tests::openapi::documented;
use tests::spawn_app;

#[tokio::test]
async fn the_local_server_reports_itself_healthy() {
    let app = spawn_app().await;
    let reply = documented(app.get("/health").await, "GET", "/health");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "ok");
    assert_eq!(reply.body["region"], "local");
    assert_eq!(reply.body["version"], health::VERSION);
    assert_eq!(reply.body["replica"]["status"], "ok");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

fn deps(store: DynamoStore) -> health::Deps<DynamoStore> {
    health::Deps {
        store,
        region: "us-east-1".to_owned(),
        version: health::VERSION,
        probe_timeout: health::PROBE_TIMEOUT,
    }
}

#[tokio::test]
async fn over_moto_a_live_table_is_healthy_and_a_missing_one_is_not() {
    let store = tests::dynamodb_store().await;
    let response = health::handle(&deps(store), event("health")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["replica"]["status"], "ok");

    // The table is gone in this region (a replica deleted, a wrong name): the read fails.
    let missing = DynamoStore::connect(
        &tests::aws().await,
        format!("missing-{}", uuid::Uuid::new_v4()),
    );
    let response = health::handle(&deps(missing), event("health")).await;
    assert_eq!(response.status(), 503);
    let body = json_body(&response);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["replica"]["status"], "error");
}

#[tokio::test]
async fn an_endpoint_that_never_answers_fails_the_check_within_its_bound() {
    // A listener that accepts connections and never replies: the read hangs until the bound.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let aws = shared::aws::Aws::local(
        shared::aws::Budget::of(shared::aws::BudgetKind::Tool),
        &format!("http://{address}"),
    )
    .await;
    let mut deps = deps(DynamoStore::connect(&aws, "silent"));
    deps.probe_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let response = health::handle(&deps, event("health")).await;
    let took = started.elapsed();
    held.abort();
    assert_eq!(response.status(), 503);
    assert_eq!(json_body(&response)["replica"]["status"], "timeout");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
}
