//! Contract suite for experiment events (`ExperimentEvents`) on both adapters: `embedded::…` and
//! `dynamodb_over_http_moto::…`. Exposures and outcomes are stored once per unit (conditional
//! writes), outcomes only for exposed units and under their exposure's variant, and the lists
//! the report reads page through every event exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::experiments::events::{Exposure, ServedRequest};
use shared::ports::ExperimentEvents;

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + second).unwrap()
}

fn exposure(experiment: &str, unit: &str, variant: &str, second: i64) -> Exposure {
    Exposure {
        experiment: experiment.to_owned(),
        unit: unit.to_owned(),
        variant: variant.to_owned(),
        at: at(second),
    }
}

async fn the_first_exposure_stands<S: ExperimentEvents>(store: S) {
    let first = exposure("exp-a", "dev_aaaaaaaaaaaaaaaa", "blended", 0);
    assert!(store.record_exposure(&first).await.unwrap());
    // Again, and with another variant (a changed split): neither is stored.
    assert!(!store.record_exposure(&first).await.unwrap());
    let moved = exposure("exp-a", "dev_aaaaaaaaaaaaaaaa", "distance", 60);
    assert!(!store.record_exposure(&moved).await.unwrap());
    let (stored, next) = store.exposures("exp-a", None, 10).await.unwrap();
    assert_eq!(stored, vec![first.clone()]);
    assert_eq!(next, None);
    // The same unit in another experiment is another event.
    assert!(
        store
            .record_exposure(&exposure("exp-b", "dev_aaaaaaaaaaaaaaaa", "distance", 0))
            .await
            .unwrap()
    );
    assert_eq!(store.exposures("exp-a", None, 10).await.unwrap().0.len(), 1);
}

async fn outcomes_count_once_for_exposed_units_under_their_variant<S: ExperimentEvents>(store: S) {
    let unit = "usr_0000000000000007";
    // Not exposed: nothing stored.
    assert_eq!(
        store
            .record_outcome("exp-c", unit, "save", at(5))
            .await
            .unwrap(),
        None
    );
    store
        .record_exposure(&exposure("exp-c", unit, "blended", 10))
        .await
        .unwrap();
    let outcome = store
        .record_outcome("exp-c", unit, "save", at(20))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.variant, "blended");
    assert_eq!(outcome.at, at(20));
    // Once per metric: a second save is not a second conversion, another metric is.
    assert_eq!(
        store
            .record_outcome("exp-c", unit, "save", at(30))
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .record_outcome("exp-c", unit, "open", at(30))
            .await
            .unwrap()
            .is_some()
    );
    let (saves, _) = store.outcomes("exp-c", "save", None, 10).await.unwrap();
    assert_eq!(saves, vec![outcome]);
    assert!(
        store
            .outcomes("exp-other", "save", None, 10)
            .await
            .unwrap()
            .0
            .is_empty()
    );
}

async fn event_lists_page_through_every_unit_once<S: ExperimentEvents>(store: S) {
    let units: Vec<String> = (0..23).map(|n| format!("dev_unit{n:012}")).collect();
    for (n, unit) in units.iter().enumerate() {
        let variant = if n % 2 == 0 { "distance" } else { "blended" };
        store
            .record_exposure(&exposure("exp-d", unit, variant, n as i64))
            .await
            .unwrap();
        if n % 3 == 0 {
            store
                .record_outcome("exp-d", unit, "save", at(100 + n as i64))
                .await
                .unwrap()
                .unwrap();
        }
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store.exposures("exp-d", after.as_ref(), 5).await.unwrap();
        assert!(page.len() <= 5);
        seen.extend(page.into_iter().map(|e| e.unit));
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, units, "every unit once, in unit order");
    let mut converted = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store
            .outcomes("exp-d", "save", after.as_ref(), 4)
            .await
            .unwrap();
        converted.extend(page.into_iter().map(|o| (o.unit, o.variant)));
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let expected: Vec<(String, String)> = units
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 3 == 0)
        .map(|(n, u)| {
            (
                u.clone(),
                if n % 2 == 0 { "distance" } else { "blended" }.to_owned(),
            )
        })
        .collect();
    assert_eq!(converted, expected);
}

async fn concurrent_first_exposures_store_exactly_one<S: ExperimentEvents + Clone + 'static>(
    store: S,
) {
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let variant = if n % 2 == 0 { "distance" } else { "blended" };
            store
                .record_exposure(&exposure("exp-e", "dev_racer0000000000", variant, n))
                .await
                .unwrap()
        }));
    }
    let mut firsts = 0;
    for t in tasks {
        firsts += usize::from(t.await.unwrap());
    }
    assert_eq!(firsts, 1);
    assert_eq!(store.exposures("exp-e", None, 10).await.unwrap().0.len(), 1);
}

fn served(unit: &str, request_id: &str, latency_ms: u32, error: bool) -> ServedRequest {
    ServedRequest {
        experiment: "exp-g".to_owned(),
        unit: unit.to_owned(),
        variant: "blended".to_owned(),
        request_id: request_id.to_owned(),
        latency_ms,
        error,
        at: at(0),
    }
}

async fn served_requests_are_stored_once_per_request_id_and_page_in_order<S: ExperimentEvents>(
    store: S,
) {
    let mut want = Vec::new();
    for u in 0..3 {
        for r in 0..4 {
            let req = served(
                &format!("dev_unit{u:012}"),
                &format!("req-{r}"),
                10 * r,
                r == 3,
            );
            store.record_request(&req).await.unwrap();
            want.push(req);
        }
    }
    // A retry of the same request id stores nothing new.
    store.record_request(&want[0]).await.unwrap();
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store.requests("exp-g", after.as_ref(), 5).await.unwrap();
        got.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(got, want, "every request once, by unit then request id");
    assert!(
        store
            .requests("exp-other", None, 5)
            .await
            .unwrap()
            .0
            .is_empty()
    );
}

tests::contract_suite!(
    the_first_exposure_stands,
    outcomes_count_once_for_exposed_units_under_their_variant,
    event_lists_page_through_every_unit_once,
    concurrent_first_exposures_store_exactly_one,
    served_requests_are_stored_once_per_request_id_and_page_in_order,
);
