//! Contract suite for the partner ports (`PartnerStore`, `Meter`) on both adapters:
//! `embedded::…` and `dynamodb_over_http_moto::…`. Keys rotate with a grace period, suspend and
//! delete; admissions keep every limit exactly under concurrency; every admitted request is
//! counted exactly once per key, route and UTC day, by the billing rule (below 500 billed, 5xx
//! not billed and its quota given back), whatever is retried.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use shared::domain::partner::{
    ApiKeySecret, KeyRecord, Limits, Partner, PartnerStatus, Tier, UsageRow,
};
use shared::domain::{ApiKeyId, PartnerId};
use shared::ports::{Admission, AdmissionOutcome, Granted, Meter, PartnerStore, PartnerWriteError};
use shared::store::ItemTable;

fn at(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

fn day(raw: &str) -> Date {
    raw.parse().unwrap()
}

fn partner(n: u128, tier: Tier) -> Partner {
    Partner::new(
        PartnerId::from_entropy(n),
        &format!("Partner {n}"),
        tier,
        at("2026-11-01T00:00:00Z"),
    )
    .unwrap()
}

fn key_for(partner: &Partner, n: u128, created: &str) -> (ApiKeySecret, KeyRecord) {
    let secret = ApiKeySecret::new(ApiKeyId::from_entropy(n), [n as u8; 32]);
    let record = KeyRecord {
        key_id: secret.id().clone(),
        partner_id: partner.id.clone(),
        hash: secret.hash(),
        created_at: at(created),
        valid_until: None,
    };
    (secret, record)
}

async fn admit<T: ItemTable>(
    store: &T,
    p: &Partner,
    key: &ApiKeyId,
    route: &str,
    request: &str,
    now: Timestamp,
) -> AdmissionOutcome {
    store
        .admit(&Admission {
            partner: &p.id,
            key,
            route,
            request_id: request,
            limits: p.limits,
            now,
        })
        .await
        .unwrap()
}

fn billed(rows: &[UsageRow]) -> u64 {
    rows.iter().map(|r| r.billed).sum()
}

async fn keys_rotate_with_a_grace_period_suspend_and_delete<T: ItemTable>(store: T) {
    let p = partner(1, Tier::Standard);
    store.create_partner(&p).await.unwrap();
    // Creating it again (a retry) succeeds; another partner under the same id does not.
    store.create_partner(&p).await.unwrap();
    let mut imposter = p.clone();
    imposter.name = "Someone else".into();
    assert!(matches!(
        store.create_partner(&imposter).await,
        Err(PartnerWriteError::Conflict)
    ));

    let (old, old_record) = key_for(&p, 10, "2026-11-01T00:00:00Z");
    store.add_key(&old_record, None).await.unwrap();
    let (found, owner) = store.find_key(&old.hash()).await.unwrap().unwrap();
    assert_eq!(found, old_record);
    assert_eq!(owner, p);
    assert!(found.valid_at(at("2030-01-01T00:00:00Z")));
    assert!(
        store
            .find_key(&ApiKeySecret::generate().hash())
            .await
            .unwrap()
            .is_none()
    );

    // Rotation: the new key works at once, the old one until the grace period ends.
    let (new, new_record) = key_for(&p, 11, "2026-11-10T12:00:00Z");
    let grace_end = at("2026-11-11T12:00:00Z");
    store.add_key(&new_record, Some(grace_end)).await.unwrap();
    let (old_now, _) = store.find_key(&old.hash()).await.unwrap().unwrap();
    assert_eq!(old_now.valid_until, Some(grace_end));
    assert!(old_now.valid_at(at("2026-11-11T11:59:59Z")));
    assert!(!old_now.valid_at(grace_end));
    let (new_now, _) = store.find_key(&new.hash()).await.unwrap().unwrap();
    assert!(new_now.valid_at(at("2030-01-01T00:00:00Z")));
    // A second rotation never extends the old key's grace.
    let (_, third) = key_for(&p, 12, "2026-11-10T13:00:00Z");
    store
        .add_key(&third, Some(at("2026-12-01T00:00:00Z")))
        .await
        .unwrap();
    let (old_later, _) = store.find_key(&old.hash()).await.unwrap().unwrap();
    assert_eq!(old_later.valid_until, Some(grace_end));
    assert_eq!(store.keys(&p.id).await.unwrap().len(), 3);

    // Revocation takes effect at the instant given.
    let revoked_at = at("2026-11-10T14:00:00Z");
    store
        .revoke_key(&p.id, &new_record.key_id, revoked_at)
        .await
        .unwrap();
    let (new_revoked, _) = store.find_key(&new.hash()).await.unwrap().unwrap();
    assert!(!new_revoked.valid_at(revoked_at));
    assert!(matches!(
        store
            .revoke_key(&p.id, &ApiKeyId::from_entropy(99), revoked_at)
            .await,
        Err(PartnerWriteError::NotFound)
    ));

    // Tier and status changes are seen by the key check.
    let mut changed = p.clone();
    changed.tier = Tier::Enterprise;
    changed.limits = Limits {
        per_second: 500,
        per_day: None,
        per_month: Some(50_000_000),
    };
    changed.status = PartnerStatus::Suspended;
    store.update_partner(&changed).await.unwrap();
    let (_, seen) = store.find_key(&old.hash()).await.unwrap().unwrap();
    assert_eq!(seen, changed);
    assert_eq!(store.list_partners().await.unwrap(), vec![changed.clone()]);

    // Metered usage outlives the partner; its keys do not.
    let (_, usage_key) = key_for(&p, 13, "2026-11-10T15:00:00Z");
    store.add_key(&usage_key, None).await.unwrap();
    let now = at("2026-11-10T15:00:00Z");
    assert!(
        admit(&store, &changed, &usage_key.key_id, "cafes", "r1", now)
            .await
            .admitted
    );
    store.settle(&p.id, "r1", 200).await.unwrap();
    let mut deleted = store.delete_partner(&p.id).await.unwrap();
    deleted.sort();
    assert_eq!(deleted.len(), 4);
    assert!(store.find_key(&old.hash()).await.unwrap().is_none());
    assert!(store.get_partner(&p.id).await.unwrap().is_none());
    assert!(store.list_partners().await.unwrap().is_empty());
    assert!(matches!(
        store.delete_partner(&p.id).await,
        Err(PartnerWriteError::NotFound)
    ));
    assert!(matches!(
        store.add_key(&usage_key, None).await,
        Err(PartnerWriteError::NotFound)
    ));
    let rows = store
        .usage(&p.id, day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    assert_eq!(billed(&rows), 1);
}

async fn the_per_second_limit_and_the_daily_quota_are_exact<T: ItemTable>(store: T) {
    let p = partner(2, Tier::Free); // 5/s, 1,000/day
    store.create_partner(&p).await.unwrap();
    let (_, key) = key_for(&p, 20, "2026-11-01T00:00:00Z");
    store.add_key(&key, None).await.unwrap();
    let t0 = at("2026-11-29T23:59:58.250Z");
    for i in 0..5 {
        let outcome = admit(&store, &p, &key.key_id, "cafes", &format!("a{i}"), t0).await;
        assert!(outcome.admitted, "request {i}");
        let second = &outcome.windows[0];
        assert_eq!(
            (second.name, second.quota, second.window_secs),
            ("second", 5, 1)
        );
        assert_eq!(second.remaining, 4 - i);
        let day = &outcome.windows[1];
        assert_eq!(
            (day.name, day.quota, day.remaining),
            ("day", 1_000, 999 - i)
        );
        assert_eq!(day.reset_secs, 2);
    }
    let refused = admit(&store, &p, &key.key_id, "cafes", "a5", t0).await;
    assert!(!refused.admitted);
    assert_eq!(refused.refused_by, Some(("second", 1)));
    assert_eq!(refused.windows[0].remaining, 0);
    // The next second admits again.
    let next = admit(
        &store,
        &p,
        &key.key_id,
        "cafes",
        "a6",
        at("2026-11-29T23:59:59.000Z"),
    )
    .await;
    assert!(next.admitted);

    // A small daily quota: exactly that many, then 429 until midnight UTC.
    let mut tight = partner(3, Tier::Free);
    tight.limits = Limits {
        per_second: 100,
        per_day: Some(3),
        per_month: Some(4),
    };
    store.create_partner(&tight).await.unwrap();
    let (_, k) = key_for(&tight, 30, "2026-11-01T00:00:00Z");
    store.add_key(&k, None).await.unwrap();
    let noon = at("2026-11-29T12:00:00Z");
    for i in 0..3 {
        assert!(
            admit(&store, &tight, &k.key_id, "usage", &format!("q{i}"), noon)
                .await
                .admitted
        );
    }
    let over = admit(&store, &tight, &k.key_id, "usage", "q3", noon).await;
    assert_eq!(over.refused_by, Some(("day", 43_200)));
    // A 5xx gives its unit back: one more request fits today.
    store.settle(&tight.id, "q2", 503).await.unwrap();
    assert!(
        admit(&store, &tight, &k.key_id, "usage", "q4", noon)
            .await
            .admitted
    );
    // The next day has a fresh daily quota, but the month has one unit left (4 − 3 kept).
    let tomorrow = at("2026-11-30T08:00:00Z");
    assert!(
        admit(&store, &tight, &k.key_id, "usage", "q5", tomorrow)
            .await
            .admitted
    );
    let month_over = admit(&store, &tight, &k.key_id, "usage", "q6", tomorrow).await;
    assert_eq!(month_over.refused_by.map(|r| r.0), Some("month"));
    // December starts afresh.
    assert!(
        admit(
            &store,
            &tight,
            &k.key_id,
            "usage",
            "q7",
            at("2026-12-01T00:00:00Z")
        )
        .await
        .admitted
    );
}

async fn retried_admissions_and_settlements_count_once<T: ItemTable>(store: T) {
    let p = partner(4, Tier::Standard);
    store.create_partner(&p).await.unwrap();
    let (_, key) = key_for(&p, 40, "2026-11-01T00:00:00Z");
    store.add_key(&key, None).await.unwrap();
    let now = at("2026-11-29T10:00:00Z");
    let first = admit(&store, &p, &key.key_id, "cafes", "req-1", now).await;
    assert!(first.admitted);
    // The same request admitted again (a Lambda retry) spends nothing more.
    let again = admit(&store, &p, &key.key_id, "cafes", "req-1", now).await;
    assert!(again.admitted);
    assert_eq!(again.windows[0].remaining, first.windows[0].remaining);
    let month = again.windows.iter().find(|w| w.name == "month").unwrap();
    assert_eq!(month.remaining, 1_000_000 - 1);
    store.settle(&p.id, "req-1", 200).await.unwrap();
    store.settle(&p.id, "req-1", 200).await.unwrap();
    // A late retry that ended differently changes nothing either.
    store.settle(&p.id, "req-1", 500).await.unwrap();
    // Settling a request never admitted counts nothing.
    store.settle(&p.id, "never-admitted", 200).await.unwrap();
    let rows = store
        .usage(&p.id, day("2026-11-29"), day("2026-11-29"))
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![UsageRow {
            day: day("2026-11-29"),
            key_id: key.key_id.clone(),
            route: "cafes".into(),
            billed: 1,
            client_errors: 0,
            server_errors: 0,
        }]
    );
}

async fn partner_4xx_are_billed_and_our_5xx_are_not<T: ItemTable>(store: T) {
    let p = partner(5, Tier::Standard);
    store.create_partner(&p).await.unwrap();
    let (_, a) = key_for(&p, 50, "2026-11-01T00:00:00Z");
    let (_, b) = key_for(&p, 51, "2026-11-01T00:00:00Z");
    store.add_key(&a, None).await.unwrap();
    store.add_key(&b, None).await.unwrap();
    let cases = [
        (&a, "cafes", "2026-11-28T23:59:59.900Z", 200),
        (&a, "cafes", "2026-11-28T10:00:00Z", 404),
        (&a, "cafes", "2026-11-29T00:00:00Z", 400),
        (&a, "usage", "2026-11-29T00:00:01Z", 200),
        (&b, "cafes", "2026-11-29T00:00:02Z", 500),
        (&b, "cafes", "2026-11-29T00:00:03Z", 503),
        (&b, "cafes", "2026-11-29T00:00:04Z", 304),
        // Last day of October: outside the range asked for below.
        (&b, "cafes", "2026-10-31T23:00:00Z", 200),
    ];
    for (i, (key, route, when, status)) in cases.iter().enumerate() {
        let request = format!("r{i}");
        assert!(
            admit(&store, &p, &key.key_id, route, &request, at(when))
                .await
                .admitted
        );
        store.settle(&p.id, &request, *status).await.unwrap();
    }
    let rows = store
        .usage(&p.id, day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    let row = |d: &str, k: &KeyRecord, r: &str| {
        rows.iter()
            .find(|row| row.day == day(d) && row.key_id == k.key_id && row.route == r)
            .map(|row| (row.billed, row.client_errors, row.server_errors))
    };
    assert_eq!(row("2026-11-28", &a, "cafes"), Some((2, 1, 0)));
    assert_eq!(row("2026-11-29", &a, "cafes"), Some((1, 1, 0)));
    assert_eq!(row("2026-11-29", &a, "usage"), Some((1, 0, 0)));
    assert_eq!(row("2026-11-29", &b, "cafes"), Some((1, 0, 2)));
    assert_eq!(rows.len(), 4);
    assert_eq!(billed(&rows), 5);
    // The range spans two months: one read per month.
    let autumn = store
        .usage(&p.id, day("2026-10-31"), day("2026-11-28"))
        .await
        .unwrap();
    assert_eq!(billed(&autumn), 3);
}

/// The daily rollup per route (all keys together) counts each settled request once, with its
/// 4xx/5xx, and its latency in the fixed histogram: retried settlements change nothing, and
/// the percentiles are bucket upper bounds.
async fn the_daily_rollup_counts_requests_errors_and_latency_once<T: ItemTable>(store: T) {
    let p = partner(7, Tier::Standard);
    store.create_partner(&p).await.unwrap();
    let (_, a) = key_for(&p, 70, "2026-11-01T00:00:00Z");
    let (_, b) = key_for(&p, 71, "2026-11-01T00:00:00Z");
    store.add_key(&a, None).await.unwrap();
    store.add_key(&b, None).await.unwrap();
    // 20 requests on "cafes" on the 29th over both keys: 18 × 200 at 20 ms, a 404 at 300 ms,
    // a 500 at 20 s; one on "usage"; one on the 28th.
    let mut cases: Vec<(&KeyRecord, &str, &str, u16, Option<u64>)> = Vec::new();
    for i in 0..18 {
        let key = if i % 2 == 0 { &a } else { &b };
        cases.push((key, "cafes", "2026-11-29T10:00:00Z", 200, Some(20)));
    }
    cases.push((&a, "cafes", "2026-11-29T10:00:01Z", 404, Some(300)));
    cases.push((&b, "cafes", "2026-11-29T10:00:02Z", 500, Some(20_000)));
    cases.push((&a, "usage", "2026-11-29T10:00:03Z", 200, Some(4)));
    cases.push((&a, "cafes", "2026-11-28T10:00:00Z", 200, None));
    for (i, (key, route, when, status, latency)) in cases.iter().enumerate() {
        let request = format!("rollup-{i}");
        assert!(
            admit(&store, &p, &key.key_id, route, &request, at(when))
                .await
                .admitted
        );
        store
            .settle_timed(&p.id, &request, *status, *latency)
            .await
            .unwrap();
        // A retried settlement changes nothing.
        store
            .settle_timed(&p.id, &request, *status, *latency)
            .await
            .unwrap();
    }
    let rows = store
        .rollup(&p.id, day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.day.to_string(),
                r.route.as_str(),
                r.requests,
                r.client_errors,
                r.server_errors,
                r.latency_p50_ms,
                r.latency_p95_ms,
                r.latency_p99_ms,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("2026-11-28".to_owned(), "cafes", 1, 0, 0, None, None, None),
            (
                "2026-11-29".to_owned(),
                "cafes",
                20,
                1,
                1,
                Some(25),
                Some(500),
                Some(10_000)
            ),
            (
                "2026-11-29".to_owned(),
                "usage",
                1,
                0,
                0,
                Some(5),
                Some(5),
                Some(5)
            ),
        ]
    );
    // A range of one day reads only that day.
    let one = store
        .rollup(&p.id, day("2026-11-28"), day("2026-11-28"))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
}

async fn concurrent_calls_are_billed_exactly_n<T: ItemTable + 'static>(store: T) {
    const N: usize = 48;
    let mut p = partner(6, Tier::Enterprise);
    // Quota of 40 for the day: 48 concurrent requests, exactly 40 admitted.
    p.limits = Limits {
        per_second: 1_000,
        per_day: Some(40),
        per_month: None,
    };
    store.create_partner(&p).await.unwrap();
    let (_, key) = key_for(&p, 60, "2026-11-01T00:00:00Z");
    store.add_key(&key, None).await.unwrap();
    let store = Arc::new(store);
    let now = at("2026-11-29T09:30:00Z");
    let mut tasks = Vec::new();
    for i in 0..N {
        let (store, p, key) = (store.clone(), p.clone(), key.key_id.clone());
        tasks.push(tokio::spawn(async move {
            let request = format!("c{i}");
            let outcome = admit(&*store, &p, &key, "cafes", &request, now).await;
            if outcome.admitted {
                // Every settlement sent twice, concurrently: a retry racing its original.
                let (a, b) = tokio::join!(
                    store.settle(&p.id, &request, 200),
                    store.settle(&p.id, &request, 200)
                );
                a.unwrap();
                b.unwrap();
            }
            outcome.admitted
        }));
    }
    let mut admitted = 0;
    for task in tasks {
        admitted += usize::from(task.await.unwrap());
    }
    assert_eq!(admitted, 40);
    let rows = store
        .usage(&p.id, day("2026-11-29"), day("2026-11-29"))
        .await
        .unwrap();
    assert_eq!(billed(&rows), 40);
}

async fn consent_is_found_by_pseudonym_and_withdrawal_is_immediate<T: ItemTable>(store: T) {
    use shared::domain::PublicUserId;
    use shared::domain::partner::Consent;
    use shared::ports::ConsentStore;
    let keys = shared::testing::user_keys();
    let (p1, p2) = (partner(7, Tier::Standard), partner(8, Tier::Free));
    store.create_partner(&p1).await.unwrap();
    store.create_partner(&p2).await.unwrap();
    let ana = PublicUserId::from_entropy(1);
    let grant = |p: &Partner, user: &PublicUserId, when: &str| Consent {
        partner_id: p.id.clone(),
        user_id: user.clone(),
        partner_user_id: keys.partner_user_id(&p.id, user),
        granted_at: at(when),
    };
    let first = grant(&p1, &ana, "2026-11-20T10:00:00Z");
    assert_eq!(
        store.grant_consent(&first).await.unwrap(),
        Granted {
            consent: first.clone(),
            created: true
        }
    );
    // Granting again keeps the first grant, and says it created nothing.
    let again = grant(&p1, &ana, "2026-11-21T10:00:00Z");
    assert_eq!(
        store.grant_consent(&again).await.unwrap(),
        Granted {
            consent: first.clone(),
            created: false
        }
    );
    // Even when the second grant carries the same time as the first.
    assert!(!store.grant_consent(&first).await.unwrap().created);
    store
        .grant_consent(&grant(&p2, &ana, "2026-11-22T10:00:00Z"))
        .await
        .unwrap();
    // Each partner knows ana under its own pseudonym, and only that one finds her.
    let as_p1 = keys.partner_user_id(&p1.id, &ana);
    let as_p2 = keys.partner_user_id(&p2.id, &ana);
    assert_ne!(as_p1, as_p2);
    assert_eq!(
        store.consent_of(&p1.id, &as_p1).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.consent_of(&p2.id, &as_p1).await.unwrap(), None);
    assert_eq!(store.consents(&ana).await.unwrap().len(), 2);
    // A partner that does not exist cannot be consented to.
    let ghost = partner(9, Tier::Free);
    assert!(matches!(
        store
            .grant_consent(&grant(&ghost, &ana, "2026-11-22T10:00:00Z"))
            .await,
        Err(PartnerWriteError::NotFound)
    ));
    // Withdrawal: the very next look-up finds nothing; withdrawing twice is harmless.
    assert!(store.withdraw_consent(&ana, &p1.id).await.unwrap());
    assert_eq!(store.consent_of(&p1.id, &as_p1).await.unwrap(), None);
    assert!(!store.withdraw_consent(&ana, &p1.id).await.unwrap());
    assert_eq!(store.consents(&ana).await.unwrap().len(), 1);
    assert!(store.consent_of(&p2.id, &as_p2).await.unwrap().is_some());
}

/// A user's recommendations, as large as the job makes them (from the demo data), are stored
/// whole, read back equal, replaced by the next run and deleted; other users' stay.
async fn recommendations_are_stored_whole_and_replaced<T: ItemTable>(store: T) {
    use shared::ports::RecommendationStore;
    use shared::reco::{Model, interactions};
    let demo = shared::demo::catalog().unwrap();
    let all = interactions(
        &demo.people.reviews,
        &demo.people.saved,
        &demo.people.stories,
    );
    let model = Model::train(&demo.cafes, &all);
    let (ana, ben) = (all[0].user.clone(), all[all.len() - 1].user.clone());
    assert_ne!(ana, ben);
    let first = model.recommend(&ana, at("2026-11-01T00:00:00Z"));
    assert_eq!(first.cafes.len(), shared::reco::MAX_CAFES);
    assert!(
        serde_json::to_string(&first).unwrap().len() < 64 * 1024,
        "well within one item"
    );
    assert_eq!(store.recommendations_of(&ana).await.unwrap(), None);
    store.put_recommendations(&first).await.unwrap();
    store
        .put_recommendations(&model.recommend(&ben, at("2026-11-01T00:00:00Z")))
        .await
        .unwrap();
    assert_eq!(store.recommendations_of(&ana).await.unwrap(), Some(first));
    let mut next = model.recommend(&ana, at("2026-11-02T00:00:00Z"));
    next.cafes.truncate(3);
    store.put_recommendations(&next).await.unwrap();
    assert_eq!(store.recommendations_of(&ana).await.unwrap(), Some(next));
    store.delete_recommendations(&ana).await.unwrap();
    store.delete_recommendations(&ana).await.unwrap();
    assert_eq!(store.recommendations_of(&ana).await.unwrap(), None);
    assert!(store.recommendations_of(&ben).await.unwrap().is_some());
}

tests::contract_suite!(
    consent_is_found_by_pseudonym_and_withdrawal_is_immediate,
    recommendations_are_stored_whole_and_replaced,
    keys_rotate_with_a_grace_period_suspend_and_delete,
    the_per_second_limit_and_the_daily_quota_are_exact,
    retried_admissions_and_settlements_count_once,
    partner_4xx_are_billed_and_our_5xx_are_not,
    concurrent_calls_are_billed_exactly_n,
    the_daily_rollup_counts_requests_errors_and_latency_once,
);
