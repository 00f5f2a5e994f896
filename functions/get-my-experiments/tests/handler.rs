//! Handler tests with the events/ fixture: the signed-in caller's variants, their exposures
//! (stored once, counted in EMF), and the 401/400 problems.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_my_experiments::{Deps, handle};
use shared::experiments::events::{EmfSink, EventRecorder};
use shared::experiments::nearby::NEARBY_RANKING;
use shared::experiments::{Context, FlagSet, FlagSource, Unit};
use shared::ports::ExperimentEvents;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body, public_id, user_keys};

fn flags(kinds: &str, weights: [u32; 2]) -> FlagSet {
    FlagSet::parse(
        format!(
            r#"{{"nearby-ranking": {{"enabled": true, "salt": "me-exp-test",
            "variants": ["distance", "blended"], "weights": [{}, {}], "unitKinds": [{kinds}]}}}}"#,
            weights[0], weights[1]
        )
        .as_bytes(),
    )
    .unwrap()
}

fn deps(
    flags: FlagSet,
) -> (
    Deps<SqliteStore>,
    SqliteStore,
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
) {
    let store = SqliteStore::in_memory().unwrap();
    let (sink, emf) = EmfSink::memory();
    (
        Deps {
            users: user_keys(),
            flags: FlagSource::fixed(flags),
            events: EventRecorder::new(store.clone(), sink),
        },
        store,
        emf,
    )
}

#[tokio::test]
async fn the_caller_gets_the_variant_the_flags_give_their_public_id_and_one_exposure() {
    for (weights, want) in [([0, 10_000], "blended"), ([10_000, 0], "distance")] {
        let (deps, store, emf) = deps(flags(r#""user""#, weights));
        let first = handle(&deps, event("get-my-experiments")).await;
        assert_eq!(first.status(), 200, "{}", json_body(&first));
        assert_eq!(first.headers()["cache-control"], "no-store");
        let body = json_body(&first);
        assert_eq!(
            body,
            serde_json::json!({"experiments": {"nearby-ranking": want}})
        );
        // Asked again: same answer, still one exposure, under the public id (never the sub).
        let again = handle(&deps, event("get-my-experiments")).await;
        assert_eq!(json_body(&again), body);
        let (exposures, _) = store.exposures(NEARBY_RANKING.key, None, 10).await.unwrap();
        assert_eq!(exposures.len(), 1, "{exposures:?}");
        assert_eq!(exposures[0].unit, public_id("fixture-user").to_string());
        assert_eq!(exposures[0].variant, want);
        let emf = String::from_utf8(emf.lock().unwrap().clone()).unwrap();
        assert!(emf.contains("Exposures"), "{emf}");
        assert!(!emf.contains("fixture-user"), "{emf}");
    }
}

#[tokio::test]
async fn the_answer_matches_the_typed_experiment_for_a_split() {
    let flags = flags(r#""user""#, [5_000, 5_000]);
    let ctx = Context::for_unit(Unit::User(public_id("fixture-user")));
    let want = NEARBY_RANKING.assign(&flags, &ctx).unwrap().variant;
    let (deps, _, _) = deps(flags);
    let body = json_body(&handle(&deps, event("get-my-experiments")).await);
    assert_eq!(
        body["experiments"]["nearby-ranking"],
        shared::experiments::Variant::name(want)
    );
}

#[tokio::test]
async fn experiments_that_do_not_enrol_users_are_absent_and_nothing_is_stored() {
    for flags in [flags(r#""device""#, [5_000, 5_000]), FlagSet::empty()] {
        let (deps, store, _) = deps(flags);
        let response = handle(&deps, event("get-my-experiments")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(json_body(&response), serde_json::json!({"experiments": {}}));
        let (exposures, _) = store.exposures(NEARBY_RANKING.key, None, 10).await.unwrap();
        assert!(exposures.is_empty());
    }
}

#[tokio::test]
async fn anonymous_callers_get_401_and_query_parameters_400() {
    let (deps, store, _) = deps(flags(r#""user", "device""#, [5_000, 5_000]));
    let mut anonymous = event("get-my-experiments");
    *anonymous.extensions_mut() = lambda_http::http::Extensions::new();
    let response = handle(&deps, anonymous).await;
    assert_eq!(response.status(), 401, "{}", json_body(&response));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );

    let mut with_query = event("get-my-experiments");
    *with_query.uri_mut() = "/me/experiments?x=1".parse().unwrap();
    let with_query = lambda_http::RequestExt::with_query_string_parameters(
        with_query,
        std::collections::HashMap::from([("x".to_owned(), "1".to_owned())]),
    );
    let response = handle(&deps, with_query).await;
    assert_eq!(response.status(), 400, "{}", json_body(&response));
    let (exposures, _) = store.exposures(NEARBY_RANKING.key, None, 10).await.unwrap();
    assert!(exposures.is_empty(), "no exposure for refused requests");
}
