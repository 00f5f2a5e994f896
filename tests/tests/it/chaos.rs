//! Chaos: real handlers (`get-cafe`, `create-story`) on DynamoDB through the fault-injecting
//! proxy (`tests::chaos`) in front of moto, with the budgets of `shared::aws`. Every request
//! ends within its deadline with the right answer or a 503 problem+json with `Retry-After`;
//! the breaker opens while a dependency fails and closes when it recovers; no acknowledged
//! write is lost, none is written twice, and idempotent replays are exact. Counts are read
//! afterwards through a direct, proxy-free client. docs/resilience.md has the fault model.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::aws::{Aws, Budget, BudgetKind};
use shared::config::WriteLimits;
use shared::http::WriteGuard;
use shared::ports::{StoryFilter, StoryReader};
use shared::query::PageLimit;
use shared::store::dynamodb::DynamoStore;
use shared::testing::json_body;
use tests::chaos::{ChaosProxy, Fault};

/// The Lambda deadline reads run under here (the template gives API functions 10 s; a
/// shorter one keeps the suite fast and still leaves room for every budgeted operation).
const READ_DEADLINE: Duration = Duration::from_secs(3);
/// Writes make six to eight DynamoDB calls in a row, each of which may meet a fault and spend
/// its retries: they run under the template's real timeout.
const WRITE_DEADLINE: Duration = Duration::from_secs(10);

/// A table loaded with the fixture catalogue through a direct client, and a proxy in front
/// of moto.
async fn setup() -> (DynamoStore, ChaosProxy, String) {
    let direct = tests::dynamodb_store().await;
    let fixtures = tests::fixtures::fixtures();
    tests::fixtures::load(&direct, &fixtures).await;
    let proxy = ChaosProxy::start(&tests::aws_endpoint()).await;
    let cafe = fixtures.cafes[0].id.to_string();
    (direct, proxy, cafe)
}

/// A store on the same table whose client goes through the proxy with `kind`'s budget (and
/// its own, fresh breaker).
async fn through(proxy: &ChaosProxy, table: &str, kind: BudgetKind) -> DynamoStore {
    DynamoStore::connect(&Aws::local(Budget::of(kind), &proxy.url()).await, table)
}

fn event(name: &str, edit: impl FnOnce(&mut Value)) -> Request {
    let path = tests::repo_root().join(format!("events/{name}.json"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut event);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn get_cafe_request(cafe: &str) -> Request {
    event("get-cafe", |e| {
        let text = e.to_string().replace("caf_u099n1d2jztgorth", cafe);
        *e = serde_json::from_str(&text).unwrap();
    })
}

fn create_story_request(cafe: &str, title: &str, key: &str) -> Request {
    event("create-story", |e| {
        let body = serde_json::json!({
            "title": title,
            "body": "Written while the proxy misbehaved.",
            "tags": ["chaos"],
            "cafeIds": [cafe],
        });
        e["body"] = Value::String(body.to_string());
        e["headers"]["idempotency-key"] = Value::String(key.to_owned());
    })
}

/// Runs a handler under the Lambda deadline as `run_lambda` does, and checks the shape every
/// answer must have: in time, and either `ok` or a 503 problem+json with `Retry-After`.
async fn within_deadline(
    what: &str,
    deadline: Duration,
    ok: u16,
    response: impl Future<Output = Response<Body>>,
) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = shared::http::within_deadline(response, Some(deadline), "/chaos", "chaos").await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    let body = json_body(&response);
    assert!(took < deadline, "{what}: answered after {took:?}");
    // A write whose Idempotency-Key is still held by an earlier try that the client gave up
    // on answers 409 `request-in-progress` (with `Retry-After`): also a right answer.
    let in_progress =
        status == 409 && body["type"] == "https://craftbean.app/problems/request-in-progress";
    assert!(
        status == ok || status == 503 || in_progress,
        "{what}: {status} {body} (expected {ok} or 503)"
    );
    if status == 503 {
        assert_eq!(response.headers()["retry-after"], "1", "{what}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{what}"
        );
        assert_eq!(
            body["type"], "https://craftbean.app/problems/unavailable",
            "{what}"
        );
    }
    (status, body, took)
}

fn read_deps(store: &DynamoStore) -> get_cafe::Deps<DynamoStore> {
    get_cafe::Deps {
        store: store.clone(),
    }
}

#[tokio::test]
async fn reads_answer_in_time_with_the_cafe_or_503_under_every_fault() {
    let (direct, proxy, cafe) = setup().await;
    let read = Budget::of(BudgetKind::Read);
    let cases = [
        (Fault::Pass, 200),
        (Fault::Latency(read.attempt / 6), 200),
        (
            Fault::Latency(read.attempt + Duration::from_millis(150)),
            503,
        ),
        (Fault::ServerError, 503),
        (Fault::Throttle, 503),
        (Fault::Reset, 503),
        (Fault::Stall, 503),
    ];
    for (fault, expected) in cases {
        proxy.set(fault);
        let store = through(&proxy, direct.table(), BudgetKind::Read).await;
        let what = format!("GET /cafes/{{id}} under {fault:?}");
        let (status, body, took) = within_deadline(
            &what,
            READ_DEADLINE,
            200,
            get_cafe::handle(&read_deps(&store), get_cafe_request(&cafe)),
        )
        .await;
        assert_eq!(status, expected, "{what}: {body}");
        if status == 200 {
            assert_eq!(body["id"], cafe.as_str(), "{what}");
        } else {
            // A failed read costs at most one operation budget (plus scheduling slack).
            assert!(
                took < read.operation + Duration::from_millis(500),
                "{what}: {took:?}"
            );
        }
    }

    // Faults mixed with successes: the SDK's retries ride through them.
    proxy.cycle(vec![
        Fault::Pass,
        Fault::Throttle,
        Fault::Pass,
        Fault::Reset,
        Fault::ServerError,
        Fault::Pass,
        Fault::Stall,
        Fault::Pass,
    ]);
    let store = through(&proxy, direct.table(), BudgetKind::Read).await;
    let mut ok = 0;
    for n in 0..6 {
        let (status, _, _) = within_deadline(
            &format!("mixed faults, read {n}"),
            READ_DEADLINE,
            200,
            get_cafe::handle(&read_deps(&store), get_cafe_request(&cafe)),
        )
        .await;
        ok += usize::from(status == 200);
    }
    // The cycle puts a success after every fault; the margin absorbs a slow, shared moto.
    assert!(ok >= 3, "retries should carry most reads through: {ok}/6");
}

#[tokio::test]
async fn the_breaker_answers_fast_while_dynamodb_fails_and_closes_when_it_recovers() {
    let (direct, proxy, cafe) = setup().await;
    let budget = Budget::of(BudgetKind::Read);
    let store = through(&proxy, direct.table(), BudgetKind::Read).await;
    let deps = read_deps(&store);

    proxy.set(Fault::ServerError);
    let mut slow = 0;
    for n in 0..budget.breaker_failures {
        let (status, _, _) = within_deadline(
            &format!("failing read {n}"),
            READ_DEADLINE,
            200,
            get_cafe::handle(&deps, get_cafe_request(&cafe)),
        )
        .await;
        assert_eq!(status, 503);
        slow += 1;
    }
    // Open: answered without calling DynamoDB at all, in a few milliseconds.
    let seen = proxy.seen();
    for n in 0..5 {
        let (status, _, took) = within_deadline(
            &format!("read {n} with the breaker open"),
            READ_DEADLINE,
            200,
            get_cafe::handle(&deps, get_cafe_request(&cafe)),
        )
        .await;
        assert_eq!(status, 503);
        assert!(took < Duration::from_millis(100), "fast 503: {took:?}");
    }
    assert_eq!(proxy.seen(), seen, "an open breaker sends nothing");

    // DynamoDB recovers; the breaker stays open for its period, then one probe closes it.
    proxy.set(Fault::Pass);
    let (status, _, _) = within_deadline(
        "read right after recovery",
        READ_DEADLINE,
        200,
        get_cafe::handle(&deps, get_cafe_request(&cafe)),
    )
    .await;
    assert_eq!(status, 503, "still open");
    tokio::time::sleep(budget.breaker_open + Duration::from_millis(100)).await;
    for n in 0..3 {
        let (status, body, _) = within_deadline(
            &format!("read {n} after the open period"),
            READ_DEADLINE,
            200,
            get_cafe::handle(&deps, get_cafe_request(&cafe)),
        )
        .await;
        assert_eq!(status, 200, "closed again: {body}");
    }
    assert!(proxy.seen() > seen, "calls flow again");
    assert_eq!(slow, budget.breaker_failures);
}

#[tokio::test]
async fn operations_cut_off_by_their_timeout_count_towards_the_breaker() {
    // Attempts that cannot all fit in the operation timeout (the write budget's shape): the SDK
    // never reports these operations, the breaker counts them when they are dropped.
    let (direct, proxy, cafe) = setup().await;
    let budget = Budget {
        attempt: Duration::from_millis(450),
        breaker_failures: 2,
        ..Budget::of(BudgetKind::Read)
    };
    let store = DynamoStore::connect(&Aws::local(budget, &proxy.url()).await, direct.table());
    let deps = read_deps(&store);
    proxy.set(Fault::Stall);
    for n in 0..2 {
        let (status, _, took) = within_deadline(
            &format!("stalled read {n}"),
            READ_DEADLINE,
            200,
            get_cafe::handle(&deps, get_cafe_request(&cafe)),
        )
        .await;
        assert_eq!(status, 503);
        assert!(
            took >= budget.operation,
            "cut off by the operation timeout: {took:?}"
        );
    }
    let seen = proxy.seen();
    let (status, _, took) = within_deadline(
        "read with the breaker open",
        READ_DEADLINE,
        200,
        get_cafe::handle(&deps, get_cafe_request(&cafe)),
    )
    .await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(100), "fast 503: {took:?}");
    assert_eq!(proxy.seen(), seen, "an open breaker sends nothing");
}

fn write_deps(store: &DynamoStore) -> create_story::Deps<DynamoStore, DynamoStore> {
    create_story::Deps {
        guard: WriteGuard::new(store.clone(), WriteLimits::all_per_hour(10_000)),
        store: store.clone(),
        users: shared::testing::user_keys(),
    }
}

/// Every story the fixture user has, counted by title, through the direct client.
async fn stories_by_title(direct: &DynamoStore) -> HashMap<String, usize> {
    let filter = StoryFilter {
        author: Some(shared::testing::public_id("fixture-user")),
        ..StoryFilter::default()
    };
    let mut counts = HashMap::new();
    let mut after = None;
    loop {
        let page = direct
            .list_stories(&filter, PageLimit::new(100).unwrap(), after)
            .await
            .unwrap();
        for story in page.items {
            *counts.entry(story.title.to_string()).or_insert(0) += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    counts
}

/// Publishes `count` stories through the proxy under `faults`, each retried by the client
/// with its Idempotency-Key (as docs/problems.md tells clients to) until acknowledged or out
/// of tries. Returns the acknowledged bodies by title.
async fn publish_under(
    proxy: &ChaosProxy,
    store: &DynamoStore,
    cafe: &str,
    faults: Vec<Fault>,
    count: usize,
    prefix: &str,
) -> HashMap<String, Value> {
    proxy.cycle(faults);
    let deps = write_deps(store);
    let mut acked = HashMap::new();
    for n in 0..count {
        let title = format!("{prefix} story {n}");
        let key = format!("{prefix}-key-{n}");
        for attempt in 0..6 {
            let (status, body, took) = within_deadline(
                &format!("POST /stories {title} try {attempt}"),
                WRITE_DEADLINE,
                201,
                create_story::handle(&deps, create_story_request(cafe, &title, &key)),
            )
            .await;
            eprintln!(
                "{title} try {attempt}: {status} in {took:?} {}",
                body["type"]
            );
            if status == 201 {
                acked.insert(title.clone(), body);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    acked
}

#[tokio::test]
async fn writes_under_faults_are_neither_lost_nor_duplicated_and_replays_are_exact() {
    let (direct, proxy, cafe) = setup().await;
    let store = through(&proxy, direct.table(), BudgetKind::Write).await;
    let write = Budget::of(BudgetKind::Write);
    let count = 6;
    let acked = publish_under(
        &proxy,
        &store,
        &cafe,
        vec![
            Fault::Pass,
            Fault::Pass,
            Fault::Throttle,
            Fault::Pass,
            Fault::Pass,
            Fault::Reset,
            Fault::Pass,
            Fault::Pass,
            Fault::ServerError,
            Fault::Pass,
            Fault::Pass,
            Fault::Latency(write.attempt + Duration::from_millis(100)),
            Fault::Pass,
            Fault::Pass,
            Fault::Stall,
        ],
        count,
        "faulty",
    )
    .await;
    assert!(
        acked.len() >= count - 1,
        "most writes get through with retries: {}/{count}",
        acked.len()
    );

    proxy.set(Fault::Pass);
    let counts = stories_by_title(&direct).await;
    for title in acked.keys() {
        assert_eq!(
            counts.get(title),
            Some(&1),
            "acknowledged {title} is stored once"
        );
    }
    for (title, stored) in &counts {
        assert_eq!(*stored, 1, "{title} written {stored} times");
    }

    // Replays of acknowledged keys answer exactly what the first success answered.
    let deps = write_deps(&store);
    for n in 0..count {
        let title = format!("faulty story {n}");
        let Some(first) = acked.get(&title) else {
            continue;
        };
        let replay = create_story::handle(
            &deps,
            create_story_request(&cafe, &title, &format!("faulty-key-{n}")),
        )
        .await;
        assert_eq!(replay.status(), 201, "{title}");
        assert_eq!(&json_body(&replay), first, "{title}: exact replay");
    }
    assert_eq!(
        stories_by_title(&direct).await,
        counts,
        "replays wrote nothing"
    );
}

/// A committed write whose response is lost: the SDK retries the transaction, which meets the
/// items its own first attempt wrote. The write path recognises its own write (the stored story
/// equals what it wrote) instead of answering 500 and letting the client's retry publish again;
/// in AWS the transaction's `ClientRequestToken` makes the retry succeed outright (moto ignores
/// the token, so this proves the store-side recognition).
#[tokio::test]
async fn writes_whose_responses_are_lost_are_stored_once_and_acknowledged() {
    let (direct, proxy, cafe) = setup().await;
    let store = through(&proxy, direct.table(), BudgetKind::Write).await;
    let count = 4;
    let acked = publish_under(
        &proxy,
        &store,
        &cafe,
        vec![Fault::Pass, Fault::Pass, Fault::LoseResponse],
        count,
        "lost",
    )
    .await;
    proxy.set(Fault::Pass);
    assert_eq!(acked.len(), count, "every write is acknowledged in the end");
    let counts = stories_by_title(&direct).await;
    for n in 0..count {
        let title = format!("lost story {n}");
        assert_eq!(counts.get(&title), Some(&1), "{title} is stored once");
    }
    assert!(proxy.lost() > 0, "the proxy really dropped responses");
}
