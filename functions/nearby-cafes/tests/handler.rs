//! Handler tests: the API Gateway fixtures in events/ and variations of them, against the demo
//! catalogue in an embedded store, plus failure injection for the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Body, Request, RequestExt, Response};
use nearby_cafes::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::experiments::events::{EmfSink, EventRecorder};
use shared::experiments::{FlagSet, FlagSource};
use shared::ports::{ExperimentEvents, NearbyReader, StoreError, UserReader};
use shared::query::{NearbyPage, NearbyQuery};
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body as json, user_keys};

fn cursors() -> CursorCodec {
    CursorCodec::new(&[9u8; 32]).unwrap()
}

async fn demo() -> Deps<SqliteStore, SqliteStore> {
    with_flags(FlagSet::empty()).await
}

/// The demo store with this flag document, events into the same store.
async fn with_flags(flags: FlagSet) -> Deps<SqliteStore, SqliteStore> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    Deps {
        store: store.clone(),
        cursors: cursors(),
        flags: FlagSource::fixed(flags),
        events: EventRecorder::new(store, EmfSink::memory().0),
        users: user_keys(),
    }
}

fn no_events() -> EventRecorder<SqliteStore> {
    EventRecorder::new(SqliteStore::in_memory().unwrap(), EmfSink::memory().0)
}

/// `pairs` as API Gateway's query map.
fn query(pairs: &[(&str, &str)]) -> QueryMap {
    let map: HashMap<String, Vec<String>> = pairs.iter().fold(HashMap::new(), |mut map, (k, v)| {
        map.entry((*k).to_owned())
            .or_default()
            .push((*v).to_owned());
        map
    });
    QueryMap::from(map)
}

/// The nearby fixture with its query replaced by `pairs`.
fn request(pairs: &[(&str, &str)]) -> Request {
    event("nearby-cafes").with_query_string_parameters(query(pairs))
}

/// The stored exposures to the nearby experiment, as sorted (unit, variant) pairs.
async fn exposures<S: NearbyReader + UserReader>(
    deps: &Deps<S, SqliteStore>,
) -> Vec<(String, String)> {
    let (stored, _) = deps
        .events
        .store
        .exposures("nearby-ranking", None, 10)
        .await
        .unwrap();
    let mut seen: Vec<(String, String)> = stored.into_iter().map(|e| (e.unit, e.variant)).collect();
    seen.sort();
    seen
}

fn invalid_names(response: &Response<Body>) -> Vec<String> {
    assert_eq!(response.status(), 400, "{:?}", json(response));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    json(response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

const TOKYO: [(&str, &str); 2] = [("lat", "35.6812"), ("lng", "139.7671")];
const AT: (&str, &str) = ("at", "2026-11-23T01:00:00Z");

#[tokio::test]
async fn finds_tokyo_cafes_nearest_first() {
    let deps = demo().await;
    let response = handle(&deps, event("nearby-cafes")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=60, s-maxage=300, stale-while-revalidate=60",
        "an explicit `at` makes the answer cacheable like the catalogue"
    );
    let body = json(&response);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "fixture asks for limit=5");
    let distances: Vec<u64> = items
        .iter()
        .map(|c| c["distanceM"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(distances.iter().all(|d| *d <= 3_000));
    assert!(items.iter().all(|c| c["location"]["city"] == "Tokyo"));
    assert!(items.iter().all(|c| c["openNow"].is_boolean()));
    assert_eq!(body["at"], "2026-11-23T01:00:00.000Z");
    assert!(body["nextCursor"].is_string());
}

#[tokio::test]
async fn pages_join_up_to_one_big_page() {
    let deps = demo().await;
    let base = [TOKYO[0], TOKYO[1], ("radiusM", "8000"), AT];
    let mut one = base.to_vec();
    one.push(("limit", "50"));
    let whole = json(&handle(&deps, request(&one)).await);
    let expected: Vec<String> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        expected.len() > 7 && expected.len() < 50,
        "{}",
        expected.len()
    );
    assert!(whole["nextCursor"].is_null());

    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut pairs = base.to_vec();
        pairs.push(("limit", "7"));
        if let Some(c) = &cursor {
            pairs.push(("cursor", c));
        }
        let body = json(&handle(&deps, request(&pairs)).await);
        ids.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn cursors_belong_to_their_search() {
    let deps = demo().await;
    let first = json(&handle(&deps, request(&[TOKYO[0], TOKYO[1], ("limit", "2")])).await);
    let cursor = first["nextCursor"].as_str().unwrap();
    let other = request(&[TOKYO[0], TOKYO[1], ("radiusM", "5000"), ("cursor", cursor)]);
    assert_eq!(invalid_names(&handle(&deps, other).await), vec!["cursor"]);
    let forged = request(&[TOKYO[0], TOKYO[1], ("cursor", "e30.AAAAAAAAAAAAAAAAAAAAAA")]);
    assert_eq!(invalid_names(&handle(&deps, forged).await), vec!["cursor"]);
}

/// Whether a result item satisfies the filter `name` as the test sets it.
fn passes(name: &str, item: &serde_json::Value) -> bool {
    let has = |field: &str, value: &str| item[field].as_array().unwrap().iter().any(|v| v == value);
    match name {
        "openNow" => item["openNow"] == true,
        // `average` is null without reviews: such a café has no rating to pass with.
        "minRating" => item["rating"]["average"].as_f64().unwrap_or(0.0) >= 4.5,
        "amenity" => has("amenities", "wifi"),
        _ => has("brewingMethods", "v60"),
    }
}

#[tokio::test]
async fn filters_narrow_the_results() {
    let deps = demo().await;
    let base = [
        TOKYO[0],
        TOKYO[1],
        ("radiusM", "20000"),
        ("limit", "50"),
        AT,
    ];
    let all = json(&handle(&deps, request(&base)).await)["items"]
        .as_array()
        .unwrap()
        .clone();
    for (name, value) in [
        ("openNow", "true"),
        ("minRating", "4.5"),
        ("amenity", "wifi"),
        ("brewingMethod", "v60"),
    ] {
        let mut pairs = base.to_vec();
        pairs.push((name, value));
        let response = handle(&deps, request(&pairs)).await;
        assert_eq!(response.status(), 200);
        let items = json(&response)["items"].as_array().unwrap().clone();
        assert!(items.len() < all.len(), "{name} filters something out");
        for item in &items {
            let ok = passes(name, item);
            assert!(ok, "{name}={value} let through {item}");
        }
        // Everything that passes the filter in the unfiltered list is in the filtered one.
        let expected = all.iter().filter(|item| passes(name, item)).count();
        assert_eq!(items.len(), expected, "{name}");
    }
}

#[tokio::test]
async fn without_at_open_now_is_judged_now_and_cached_briefly() {
    let deps = demo().await;
    let response = handle(&deps, request(&TOKYO)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=30, s-maxage=30, stale-while-revalidate=60"
    );
    let at: jiff::Timestamp = json(&response)["at"].as_str().unwrap().parse().unwrap();
    let age = jiff::Timestamp::now().duration_since(at);
    assert!(age.as_secs() < 60, "{age:?}");
}

#[tokio::test]
async fn invalid_fixture_names_every_bad_parameter() {
    let deps = demo().await;
    let response = handle(&deps, event("nearby-cafes-invalid")).await;
    assert_eq!(
        invalid_names(&response),
        vec!["lat", "lng", "radiusM", "limit"]
    );
}

#[tokio::test]
async fn every_bad_input_is_a_400_naming_its_parameter() {
    let deps = demo().await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("lng", "139.7")], "lat"),
        (&[("lat", "35.6")], "lng"),
        (&[("lat", "NaN"), ("lng", "1")], "lat"),
        (&[("lat", "-90.0001"), ("lng", "1")], "lat"),
        (&[("lat", "91"), ("lng", "1")], "lat"),
        (&[("lat", "inf"), ("lng", "1")], "lat"),
        (&[("lat", "1e400"), ("lng", "1")], "lat"),
        (&[("lat", "north"), ("lng", "1")], "lat"),
        (&[("lat", ""), ("lng", "1")], "lat"),
        (&[("lat", "1"), ("lng", "180.5")], "lng"),
        (&[("lat", "1"), ("lng", "-181")], "lng"),
        (&[("lat", "1"), ("lng", "nan")], "lng"),
        (&[TOKYO[0], TOKYO[1], ("radiusM", "0")], "radiusM"),
        (&[TOKYO[0], TOKYO[1], ("radiusM", "50001")], "radiusM"),
        (&[TOKYO[0], TOKYO[1], ("radiusM", "1.5")], "radiusM"),
        (&[TOKYO[0], TOKYO[1], ("radiusM", "-5")], "radiusM"),
        (&[TOKYO[0], TOKYO[1], ("limit", "0")], "limit"),
        (&[TOKYO[0], TOKYO[1], ("limit", "51")], "limit"),
        (&[TOKYO[0], TOKYO[1], ("openNow", "yes")], "openNow"),
        (&[TOKYO[0], TOKYO[1], ("minRating", "5.1")], "minRating"),
        (&[TOKYO[0], TOKYO[1], ("minRating", "NaN")], "minRating"),
        (&[TOKYO[0], TOKYO[1], ("at", "2026-11-23")], "at"),
        (&[TOKYO[0], TOKYO[1], ("at", "2026-11-23T10:00:00")], "at"),
        (&[TOKYO[0], TOKYO[1], ("amenity", "jacuzzi")], "amenity"),
        (
            &[TOKYO[0], TOKYO[1], ("brewingMethod", "V 60")],
            "brewingMethod",
        ),
        (&[TOKYO[0], TOKYO[1], ("cursor", "not-a-cursor")], "cursor"),
        (&[TOKYO[0], TOKYO[1], ("near", "me")], "near"),
        (&[TOKYO[0], TOKYO[1], ("lat", "1")], "lat"),
    ];
    for (pairs, name) in cases {
        let response = handle(&deps, request(pairs)).await;
        assert_eq!(invalid_names(&response), vec![*name], "{pairs:?}");
    }
}

#[tokio::test]
async fn boundary_values_are_accepted() {
    let deps = demo().await;
    for pairs in [
        &[("lat", "90"), ("lng", "180")][..],
        &[("lat", "-90"), ("lng", "-180"), ("radiusM", "50000")],
        &[("lat", "0"), ("lng", "0"), ("radiusM", "1"), ("limit", "1")],
        &[TOKYO[0], TOKYO[1], ("limit", "50"), ("minRating", "0")],
        &[TOKYO[0], TOKYO[1], ("at", "2026-03-29T02:30:00+09:00")],
    ] {
        let response = handle(&deps, request(pairs)).await;
        assert_eq!(response.status(), 200, "{pairs:?}: {:?}", json(&response));
    }
}

/// A store that always fails the way the chosen error says.
struct FailingStore(fn() -> StoreError);

impl NearbyReader for FailingStore {
    async fn nearby_cafes(&self, _: &NearbyQuery) -> Result<NearbyPage, StoreError> {
        Err((self.0)())
    }
}

impl UserReader for FailingStore {
    async fn get_profile(
        &self,
        _: &shared::domain::PublicUserId,
    ) -> Result<Option<shared::domain::UserProfile>, StoreError> {
        Err((self.0)())
    }
    async fn authors(
        &self,
        _: &[shared::domain::PublicUserId],
    ) -> Result<Vec<shared::domain::Author>, StoreError> {
        Err((self.0)())
    }
}

#[tokio::test]
async fn store_failures_are_opaque_500s_and_throttling_is_a_503() {
    let failing = Deps {
        store: FailingStore(|| StoreError::Backend {
            operation: "query_range",
            source: "connection reset by secret-host.internal".into(),
        }),
        cursors: cursors(),
        flags: FlagSource::fixed(FlagSet::empty()),
        events: no_events(),
        users: user_keys(),
    };
    let response = handle(&failing, event("nearby-cafes")).await;
    assert_eq!(response.status(), 500);
    let body = json(&response);
    assert_eq!(body["type"], "https://craftbean.app/problems/internal");
    assert!(!body.to_string().contains("secret-host"), "{body}");

    let throttled = Deps {
        store: FailingStore(|| StoreError::Throttled {
            operation: "query_range",
        }),
        cursors: cursors(),
        flags: FlagSource::fixed(FlagSet::empty()),
        events: no_events(),
        users: user_keys(),
    };
    let response = handle(&throttled, event("nearby-cafes")).await;
    assert_eq!(response.status(), 503);
}

// The nearby-ranking experiment.

const RUNNING: &str = r#"{"nearby-ranking":{"enabled":true,"salt":"nearby-ranking-v1",
    "variants":["distance","blended"],"weights":[5000,5000],"unitKinds":["device"]}}"#;

/// The first of the names `name(0..1000)` whose unit (`unit(name)`) the experiment in `flags`
/// puts in `variant`.
fn first_in(
    flags: &str,
    variant: &str,
    name: impl Fn(usize) -> String,
    unit: impl Fn(&str) -> shared::experiments::Unit,
) -> String {
    use shared::experiments::nearby::{NEARBY_RANKING, Ranking};
    use shared::experiments::{Context, Variant};
    let flags = FlagSet::parse(flags.as_bytes()).unwrap();
    (0..1_000)
        .map(name)
        .find(|n| {
            NEARBY_RANKING
                .assign(&flags, &Context::for_unit(unit(n)))
                .is_some_and(|a| a.variant == Ranking::from_name(variant).unwrap())
        })
        .unwrap()
}

/// The first device id (of `dev-<n>` padded) the experiment puts in `variant`.
fn device_in(variant: &str) -> String {
    use shared::experiments::{DeviceId, Unit};
    first_in(
        RUNNING,
        variant,
        |n| format!("device-{n:010}"),
        |d| Unit::Device(DeviceId::parse(d).unwrap()),
    )
}

fn search_as(device: Option<&str>, extra: &[(&str, &str)]) -> Request {
    let mut pairs = vec![TOKYO[0], TOKYO[1], ("radiusM", "5000"), ("limit", "20"), AT];
    pairs.extend_from_slice(extra);
    let mut req = request(&pairs);
    if let Some(d) = device {
        req.headers_mut().insert("x-device-id", d.parse().unwrap());
    }
    req
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn variants_show_the_same_cafes_in_their_own_order_and_say_which() {
    let deps = with_flags(FlagSet::parse(RUNNING.as_bytes()).unwrap()).await;
    let control = device_in("distance");
    let treatment = device_in("blended");

    let a = json(&handle(&deps, search_as(Some(&control), &[])).await);
    let b = json(&handle(&deps, search_as(Some(&treatment), &[])).await);
    assert_eq!(a["experiments"]["nearby-ranking"], "distance");
    assert_eq!(b["experiments"]["nearby-ranking"], "blended");
    let distances: Vec<u64> = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["distanceM"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    let (mut sa, mut sb) = (ids(&a), ids(&b));
    assert_ne!(sa, sb, "the blend reorders a 20-café page");
    sa.sort();
    sb.sort();
    assert_eq!(sa, sb, "same cafés on the page");
    assert_eq!(a["nextCursor"].is_string(), b["nextCursor"].is_string());

    // Each device's first exposure is stored once, with its variant.
    for _ in 0..3 {
        handle(&deps, search_as(Some(&treatment), &[])).await;
    }
    let seen = exposures(&deps).await;
    let mut want = vec![
        (format!("dev_{control}"), "distance".to_owned()),
        (format!("dev_{treatment}"), "blended".to_owned()),
    ];
    want.sort();
    assert_eq!(seen, want);
}

#[tokio::test]
async fn taste_changes_the_blended_order_only() {
    let deps = with_flags(FlagSet::parse(RUNNING.as_bytes()).unwrap()).await;
    let control = device_in("distance");
    let treatment = device_in("blended");
    let plain = ids(&json(&handle(&deps, search_as(Some(&control), &[])).await));
    let tasted = ids(&json(
        &handle(&deps, search_as(Some(&control), &[("taste", "siphon")])).await,
    ));
    assert_eq!(plain, tasted, "control ignores taste");
    let blended = ids(&json(
        &handle(&deps, search_as(Some(&treatment), &[])).await,
    ));
    let blended_tasted = ids(&json(
        &handle(&deps, search_as(Some(&treatment), &[("taste", "siphon")])).await,
    ));
    assert_ne!(blended, blended_tasted, "taste moves siphon cafés up");
}

#[tokio::test]
async fn without_a_device_or_with_the_experiment_off_nobody_is_enrolled() {
    let on = with_flags(FlagSet::parse(RUNNING.as_bytes()).unwrap()).await;
    let anonymous = json(&handle(&on, search_as(None, &[])).await);
    assert!(anonymous.get("experiments").is_none(), "{anonymous}");
    let off = with_flags(
        FlagSet::parse(
            RUNNING
                .replace("\"enabled\":true", "\"enabled\":false")
                .as_bytes(),
        )
        .unwrap(),
    )
    .await;
    let treatment = device_in("blended");
    let body = json(&handle(&off, search_as(Some(&treatment), &[])).await);
    assert!(body.get("experiments").is_none(), "{body}");
    assert_eq!(exposures(&off).await, []);
    // Distance order, as for everyone outside the experiment.
    assert_eq!(ids(&body), ids(&anonymous));
}

#[tokio::test]
async fn malformed_device_ids_and_tastes_are_400s() {
    let deps = with_flags(FlagSet::parse(RUNNING.as_bytes()).unwrap()).await;
    let response = handle(&deps, search_as(Some("short"), &[])).await;
    assert_eq!(invalid_names(&response), ["X-Device-Id"]);
    for taste in [
        "not-a-method",
        "v60,espresso,aeropress,chemex,siphon,french-press",
        "",
    ] {
        let response = handle(&deps, search_as(None, &[("taste", taste)])).await;
        assert_eq!(invalid_names(&response), ["taste"], "{taste:?}");
    }
}

#[tokio::test]
async fn every_request_of_an_enrolled_device_is_recorded_for_the_guardrails() {
    let deps = with_flags(FlagSet::parse(RUNNING.as_bytes()).unwrap()).await;
    let control = device_in("distance");
    let treatment = device_in("blended");
    for device in [&control, &treatment, &treatment] {
        let response = handle(&deps, search_as(Some(device), &[])).await;
        assert_eq!(response.status(), 200);
    }
    // Anonymous and malformed requests are not enrolled: nothing recorded.
    handle(&deps, search_as(None, &[])).await;
    handle(&deps, search_as(Some("nope"), &[])).await;
    let (served, _) = deps
        .events
        .store
        .requests("nearby-ranking", None, 50)
        .await
        .unwrap();
    let mut got: Vec<(String, String, bool)> = served
        .iter()
        .map(|r| (r.unit.clone(), r.variant.clone(), r.error))
        .collect();
    got.sort();
    // The fixture's request id is the same every time: the treatment's second request reads as
    // a retry of its first, and is stored once.
    let mut want = vec![
        (format!("dev_{control}"), "distance".to_owned(), false),
        (format!("dev_{treatment}"), "blended".to_owned(), false),
    ];
    want.sort();
    assert_eq!(got, want, "{served:?}");
    assert!(served.iter().all(|r| r.latency_ms < 60_000));
}

#[tokio::test]
async fn a_failed_search_counts_as_an_error_of_the_callers_variant() {
    let events = no_events();
    let failing = Deps {
        store: FailingStore(|| StoreError::Backend {
            operation: "query_range",
            source: "boom".into(),
        }),
        cursors: cursors(),
        flags: FlagSource::fixed(FlagSet::parse(RUNNING.as_bytes()).unwrap()),
        events,
        users: user_keys(),
    };
    let treatment = device_in("blended");
    let response = handle(&failing, search_as(Some(&treatment), &[])).await;
    assert_eq!(response.status(), 500);
    let (served, _) = failing
        .events
        .store
        .requests("nearby-ranking", None, 10)
        .await
        .unwrap();
    assert_eq!(served.len(), 1, "{served:?}");
    assert_eq!(served[0].variant, "blended");
    assert!(served[0].error);
}

// `GET /me/nearby-cafes`: the same search for a signed-in caller, who is the experiment's unit.

/// The running experiment enrolling people and devices (as the deployed document does).
const RUNNING_FOR_ALL: &str = r#"{"nearby-ranking":{"enabled":true,"salt":"nearby-ranking-v1",
    "variants":["distance","blended"],"weights":[5000,5000],"unitKinds":["user","device"]}}"#;

fn all_enrolled() -> FlagSet {
    FlagSet::parse(RUNNING_FOR_ALL.as_bytes()).unwrap()
}

/// The first token subject (`person-<n>`) whose public id the experiment puts in `variant`.
fn person_in(variant: &str) -> String {
    first_in(
        RUNNING_FOR_ALL,
        variant,
        |n| format!("person-{n}"),
        |sub| shared::experiments::Unit::User(shared::testing::public_id(sub)),
    )
}

/// `GET /me/nearby-cafes` as API Gateway passes it after its JWT authorizer verified `sub`
/// (the `my-nearby-cafes` fixture with another subject), around Tokyo Station.
fn my_search(sub: Option<&str>, extra: &[(&str, &str)]) -> Request {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/my-nearby-cafes.json");
    let mut text = std::fs::read_to_string(path).unwrap();
    match sub {
        Some(sub) => {
            text = text.replace("\"sub\": \"fixture-user\"", &format!("\"sub\": \"{sub}\""))
        }
        None => {
            // No authorizer context: what the function sees if the route were left open.
            let mut event: serde_json::Value = serde_json::from_str(&text).unwrap();
            event["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
            text = event.to_string();
        }
    }
    let mut pairs = vec![TOKYO[0], TOKYO[1], ("radiusM", "5000"), ("limit", "20"), AT];
    pairs.extend_from_slice(extra);
    lambda_http::request::from_str(&text)
        .unwrap()
        .with_query_string_parameters(query(&pairs))
}

/// Stores `sub`'s profile with this taste.
async fn set_taste<S: shared::ports::UserWriter>(store: &S, sub: &str, taste: &[&str]) {
    let now = jiff::Timestamp::now();
    let first = shared::domain::UserProfile::first(shared::testing::public_id(sub), now);
    let stored = store.ensure_profile(&first).await.unwrap();
    let draft = shared::domain::ProfileDraft {
        display_name: "Taster".to_owned(),
        bio: None,
        home_city: None,
        taste_methods: Some(shared::domain::taste_methods(taste.iter().copied()).unwrap()),
    };
    store
        .update_profile(&stored, &stored.edited(draft, now))
        .await
        .unwrap();
}

/// The demo store behind a counter of profile reads.
#[derive(Clone)]
struct CountingProfiles {
    store: SqliteStore,
    reads: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl NearbyReader for CountingProfiles {
    async fn nearby_cafes(&self, q: &NearbyQuery) -> Result<NearbyPage, StoreError> {
        self.store.nearby_cafes(q).await
    }
}

impl UserReader for CountingProfiles {
    async fn get_profile(
        &self,
        id: &shared::domain::PublicUserId,
    ) -> Result<Option<shared::domain::UserProfile>, StoreError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.store.get_profile(id).await
    }
    async fn authors(
        &self,
        ids: &[shared::domain::PublicUserId],
    ) -> Result<Vec<shared::domain::Author>, StoreError> {
        self.store.authors(ids).await
    }
}

async fn counting(flags: FlagSet) -> Deps<CountingProfiles, SqliteStore> {
    let store = shared::seed::demo_memory_store().await.unwrap();
    Deps {
        store: CountingProfiles {
            store: store.clone(),
            reads: Default::default(),
        },
        cursors: cursors(),
        flags: FlagSource::fixed(flags),
        events: EventRecorder::new(store, EmfSink::memory().0),
        users: user_keys(),
    }
}

#[tokio::test]
async fn signed_in_the_unit_is_the_public_id_and_the_device_is_ignored() {
    let deps = with_flags(all_enrolled()).await;
    let control = person_in("distance");
    let treatment = person_in("blended");
    // A device in the other variant (even a malformed header) changes nothing on this route.
    let mut a = my_search(Some(&control), &[]);
    a.headers_mut()
        .insert("x-device-id", device_in("blended").parse().unwrap());
    let mut b = my_search(Some(&treatment), &[]);
    b.headers_mut()
        .insert("x-device-id", "not a device id".parse().unwrap());
    let (a, b) = (handle(&deps, a).await, handle(&deps, b).await);
    assert_eq!(a.status(), 200, "{}", json(&a));
    assert_eq!(b.status(), 200, "{}", json(&b));
    // Personal: never stored by a browser or CloudFront, so no ETag either.
    assert_eq!(a.headers()["cache-control"], "no-store");
    assert!(a.headers().get("etag").is_none());
    let (a, b) = (json(&a), json(&b));
    assert_eq!(a["experiments"]["nearby-ranking"], "distance");
    assert_eq!(b["experiments"]["nearby-ranking"], "blended");
    // Same page shape as /cafes/nearby: the control order is the anonymous order.
    let anonymous = json(&handle(&deps, search_as(None, &[])).await);
    assert_eq!(ids(&a), ids(&anonymous));
    assert_ne!(
        ids(&b),
        ids(&anonymous),
        "the blend reorders a 20-café page"
    );
    assert_eq!(a["at"], anonymous["at"]);

    for _ in 0..2 {
        handle(&deps, my_search(Some(&treatment), &[])).await;
    }
    let seen = exposures(&deps).await;
    let mut want = vec![
        (
            shared::testing::public_id(&control).to_string(),
            "distance".to_owned(),
        ),
        (
            shared::testing::public_id(&treatment).to_string(),
            "blended".to_owned(),
        ),
    ];
    want.sort();
    assert_eq!(
        seen, want,
        "one exposure per person, never a device or a sub"
    );
    let (served, _) = deps
        .events
        .store
        .requests("nearby-ranking", None, 10)
        .await
        .unwrap();
    assert!(
        served.iter().all(|r| r.unit.starts_with("usr_")),
        "guardrail requests under the person too: {served:?}"
    );
    assert!(served.iter().any(|r| r.variant == "blended"));
}

#[tokio::test]
async fn the_treatment_ranks_with_the_profiles_taste_unless_taste_is_given() {
    let deps = with_flags(all_enrolled()).await;
    let treatment = person_in("blended");
    let control = person_in("distance");
    let search = |sub: &str, extra: &[(&str, &str)]| my_search(Some(sub), extra);
    let plain = ids(&json(&handle(&deps, search(&treatment, &[])).await));
    let siphon = ids(&json(
        &handle(&deps, search(&treatment, &[("taste", "siphon")])).await,
    ));
    assert_ne!(plain, siphon, "taste moves siphon cafés up");

    set_taste(&deps.store, &treatment, &["siphon"]).await;
    set_taste(&deps.store, &control, &["siphon"]).await;
    let from_profile = ids(&json(&handle(&deps, search(&treatment, &[])).await));
    assert_eq!(
        from_profile, siphon,
        "the profile's taste, as if sent as `taste`"
    );
    // An explicit `taste` overrides the profile's.
    let v60 = ids(&json(
        &handle(&deps, search(&treatment, &[("taste", "v60")])).await,
    ));
    let anonymous_v60 = ids(&json(
        &handle(
            &deps,
            search_as(Some(&device_in("blended")), &[("taste", "v60")]),
        )
        .await,
    ));
    assert_eq!(v60, anonymous_v60, "the same blend with the same taste");
    assert_ne!(v60, from_profile);
    // The control ignores taste, from either source.
    let control_ids = ids(&json(&handle(&deps, search(&control, &[])).await));
    let anonymous = ids(&json(&handle(&deps, search_as(None, &[])).await));
    assert_eq!(control_ids, anonymous);
}

#[tokio::test]
async fn the_profile_is_read_only_when_the_treatment_needs_its_taste() {
    let deps = counting(all_enrolled()).await;
    let reads = || deps.store.reads.load(std::sync::atomic::Ordering::SeqCst);
    let treatment = person_in("blended");
    let control = person_in("distance");
    handle(&deps, my_search(Some(&control), &[])).await;
    assert_eq!(reads(), 0, "control: no profile read");
    handle(&deps, my_search(Some(&treatment), &[("taste", "v60")])).await;
    assert_eq!(reads(), 0, "`taste` given: no profile read");
    handle(&deps, search_as(Some(&device_in("blended")), &[])).await;
    assert_eq!(reads(), 0, "anonymous: no profile");
    let response = handle(&deps, my_search(Some(&treatment), &[])).await;
    assert_eq!(response.status(), 200);
    assert_eq!(reads(), 1, "treatment without `taste`: one read");
    // Users not enrolled (the document enrols devices only): no read either.
    let devices_only = counting(FlagSet::parse(RUNNING.as_bytes()).unwrap()).await;
    let body = json(&handle(&devices_only, my_search(Some(&treatment), &[])).await);
    assert!(body.get("experiments").is_none(), "{body}");
    assert_eq!(
        devices_only
            .store
            .reads
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

#[tokio::test]
async fn a_failed_profile_read_ranks_without_taste_and_never_fails_the_search() {
    /// Searches work; profile reads fail.
    struct NoProfiles(SqliteStore);
    impl NearbyReader for NoProfiles {
        async fn nearby_cafes(&self, q: &NearbyQuery) -> Result<NearbyPage, StoreError> {
            self.0.nearby_cafes(q).await
        }
    }
    impl UserReader for NoProfiles {
        async fn get_profile(
            &self,
            _: &shared::domain::PublicUserId,
        ) -> Result<Option<shared::domain::UserProfile>, StoreError> {
            Err(StoreError::Throttled {
                operation: "get_item",
            })
        }
        async fn authors(
            &self,
            _: &[shared::domain::PublicUserId],
        ) -> Result<Vec<shared::domain::Author>, StoreError> {
            Ok(vec![])
        }
    }
    let healthy = with_flags(all_enrolled()).await;
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store: NoProfiles(store.clone()),
        cursors: cursors(),
        flags: FlagSource::fixed(all_enrolled()),
        events: EventRecorder::new(store, EmfSink::memory().0),
        users: user_keys(),
    };
    let treatment = person_in("blended");
    let response = handle(&deps, my_search(Some(&treatment), &[])).await;
    assert_eq!(response.status(), 200, "{}", json(&response));
    let untasted = ids(&json(
        &handle(&healthy, my_search(Some(&treatment), &[])).await,
    ));
    assert_eq!(ids(&json(&response)), untasted);
}

#[tokio::test]
async fn without_verified_claims_the_signed_in_route_is_a_401_and_records_nothing() {
    let deps = with_flags(all_enrolled()).await;
    let response = handle(&deps, my_search(None, &[])).await;
    assert_eq!(response.status(), 401, "{}", json(&response));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    // A device header does not stand in for the person.
    let mut req = my_search(None, &[]);
    req.headers_mut()
        .insert("x-device-id", device_in("blended").parse().unwrap());
    assert_eq!(handle(&deps, req).await.status(), 401);
    assert_eq!(exposures(&deps).await, []);
    // Bad parameters on the signed-in route are the same 400s as on /cafes/nearby.
    let response = handle(&deps, my_search(Some("person-0"), &[("taste", "tea")])).await;
    assert_eq!(invalid_names(&response), ["taste"]);
}
