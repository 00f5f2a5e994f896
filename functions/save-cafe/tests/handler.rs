//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use save_cafe::{Deps, handle};
use shared::experiments::events::{EmfSink, EventRecorder, Exposure};
use shared::http::WriteGuard;
use shared::ports::ExperimentEvents;
use shared::ports::SavedCafeStore;
use shared::query::PageLimit;
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body, public_id, user_keys};

/// Deps over `store`, experiment events into the same store.
fn recording(store: &SqliteStore) -> Deps<SqliteStore, SqliteStore, SqliteStore> {
    Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
        events: EventRecorder::new(store.clone(), EmfSink::memory().0),
    }
}

#[tokio::test]
async fn saving_is_idempotent() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
        events: EventRecorder::new(SqliteStore::in_memory().unwrap(), EmfSink::memory().0),
    };
    let first = handle(&deps, event("save-cafe")).await;
    assert_eq!(first.status(), 201, "{}", json_body(&first));
    let again = handle(&deps, event("save-cafe")).await;
    assert_eq!(again.status(), 200, "{}", json_body(&again));
    assert_eq!(json_body(&first), json_body(&again));
    let saved = store
        .list_saved_cafes(&public_id("fixture-user"), PageLimit::max(), None)
        .await
        .unwrap();
    assert_eq!(saved.items.len(), 1, "saved once");
    assert_eq!(json_body(&first)["cafeId"], saved.items[0].cafe.id.as_str());
}

#[tokio::test]
async fn unknown_cafes_are_404_and_bad_ids_400() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store,
        users: user_keys(),
        events: EventRecorder::new(SqliteStore::in_memory().unwrap(), EmfSink::memory().0),
    };
    for (id, status) in [("caf_0000000000000000", 404), ("nope", 400)] {
        let mut req = event("save-cafe");
        *req.uri_mut() = format!("/me/saved-cafes/{id}").parse().unwrap();
        // Keep the authorizer context, drop the fixture's path parameters.
        let context = lambda_http::RequestExt::request_context(&req);
        *req.extensions_mut() = lambda_http::http::Extensions::new();
        let req = lambda_http::RequestExt::with_request_context(req, context);
        let response = handle(&deps, req).await;
        assert_eq!(response.status(), status, "{id}: {}", json_body(&response));
    }
}

#[tokio::test]
async fn a_save_converts_an_exposed_device_once_under_its_variant() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let (sink, emf) = EmfSink::memory();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
        events: EventRecorder::new(store.clone(), sink),
    };
    let exposed = "device-exposed-0001";
    let stranger = "device-stranger-001";
    deps.events
        .exposed(&Exposure {
            experiment: "nearby-ranking".into(),
            unit: format!("dev_{exposed}"),
            variant: "blended".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
        })
        .await
        .unwrap();
    for device in [exposed, exposed, stranger] {
        let mut req = event("save-cafe");
        req.headers_mut()
            .insert("x-device-id", device.parse().unwrap());
        let response = handle(&deps, req).await;
        assert!(response.status().is_success(), "{}", json_body(&response));
    }
    let (outcomes, _) = store
        .outcomes("nearby-ranking", "save", None, 10)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].unit, format!("dev_{exposed}"));
    assert_eq!(outcomes[0].variant, "blended");
    // EMF: one exposure and one conversion, with the variant as a dimension.
    let lines = String::from_utf8(emf.lock().unwrap().clone()).unwrap();
    let docs: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|d: &serde_json::Value| d["Experiment"] == "nearby-ranking")
        .collect();
    let count = |metric: &str| docs.iter().filter_map(|d| d[metric].as_u64()).sum::<u64>();
    assert!(count("Exposures") >= 1, "{lines}");
    assert!(count("Conversions") >= 1, "{lines}");
    let conversion = docs
        .iter()
        .find(|d| d.get("Conversions").is_some())
        .unwrap();
    assert_eq!(conversion["Variant"], "blended");
    assert_eq!(conversion["Metric"], "save");
    assert_eq!(
        conversion["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "CraftBean"
    );
    assert!(
        !lines.contains("fixture-user"),
        "no token subject in EMF lines"
    );
}

#[tokio::test]
async fn a_save_converts_the_signed_in_unit_and_the_device_each_by_its_own_exposure() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = recording(&store);
    let person = public_id("fixture-user").to_string();
    let expose = |unit: String, variant: &str| Exposure {
        experiment: "nearby-ranking".into(),
        unit,
        variant: variant.into(),
        at: jiff::Timestamp::UNIX_EPOCH,
    };
    let outcomes = || async {
        let (mut got, _) = store
            .outcomes("nearby-ranking", "save", None, 10)
            .await
            .unwrap();
        got.sort_by(|a, b| a.unit.cmp(&b.unit));
        got.into_iter()
            .map(|o| (o.unit, o.variant))
            .collect::<Vec<_>>()
    };
    // Saved before any exposure: nothing is a conversion.
    let response = handle(&deps, event("save-cafe")).await;
    assert!(response.status().is_success(), "{}", json_body(&response));
    assert_eq!(outcomes().await, []);

    // Exposed as a user (GET /me/nearby-cafes): a save without a device converts the user,
    // once however often it is repeated.
    deps.events
        .exposed(&expose(person.clone(), "blended"))
        .await
        .unwrap();
    for _ in 0..2 {
        let response = handle(&deps, event("save-cafe")).await;
        assert!(response.status().is_success());
    }
    assert_eq!(outcomes().await, [(person.clone(), "blended".to_owned())]);

    // The same person's device was exposed anonymously: a save sending that device id converts
    // the device too, under the device's own variant (two units, one conversion each).
    let device = "device-of-a-person-01";
    deps.events
        .exposed(&expose(format!("dev_{device}"), "distance"))
        .await
        .unwrap();
    let mut req = event("save-cafe");
    req.headers_mut()
        .insert("x-device-id", device.parse().unwrap());
    assert!(handle(&deps, req).await.status().is_success());
    let mut want = vec![
        (person, "blended".to_owned()),
        (format!("dev_{device}"), "distance".to_owned()),
    ];
    want.sort();
    assert_eq!(outcomes().await, want);
}

#[tokio::test]
async fn a_malformed_device_id_is_a_400_and_saves_nothing() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = recording(&store);
    let mut req = event("save-cafe");
    req.headers_mut()
        .insert("x-device-id", "bad id".parse().unwrap());
    let response = handle(&deps, req).await;
    assert_eq!(response.status(), 400, "{}", json_body(&response));
}
