//! Handler tests with the events/ fixture on an embedded store: a first grant (201) answers the
//! pseudonym the partner finds the consent by, a second (200) keeps the first grant; unknown and
//! suspended partners are 404, malformed ids 400, all problem+json.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use grant_consent::{Deps, handle};
use jiff::Timestamp;
use shared::domain::partner::{PartnerStatus, Tier};
use shared::domain::{PartnerId, PartnerUserId};
use shared::http::WriteGuard;
use shared::ports::{ConsentStore, PartnerStore};
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body, public_id, user_keys};

fn deps(store: &SqliteStore) -> Deps<SqliteStore, SqliteStore> {
    Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
    }
}

/// The fixture's request, addressed to `partner` instead.
fn for_partner(partner: &str) -> lambda_http::Request {
    let mut req = event("grant-consent");
    *req.uri_mut() = format!("/me/partners/{partner}").parse().unwrap();
    let context = lambda_http::RequestExt::request_context(&req);
    *req.extensions_mut() = lambda_http::http::Extensions::new();
    lambda_http::RequestExt::with_request_context(req, context)
}

#[tokio::test]
async fn granting_answers_the_pseudonym_once_and_is_idempotent() {
    let store = SqliteStore::in_memory().unwrap();
    let (partner, _) = shared::testing::partner_with_key(
        &store,
        1,
        Tier::Free,
        Tier::Free.default_limits(),
        Timestamp::now(),
    )
    .await;
    assert_eq!(partner.id.as_str(), "ptn_0000000000000001", "the fixture's");
    let deps = deps(&store);
    let first = handle(&deps, event("grant-consent")).await;
    assert_eq!(first.status(), 201, "{}", json_body(&first));
    assert!(first.headers().contains_key("ratelimit"));
    let body = json_body(&first);
    let pseudonym = user_keys().partner_user_id(&partner.id, &public_id("fixture-user"));
    assert_eq!(body["partnerUserId"], pseudonym.as_str());
    assert_eq!(body["partnerId"], partner.id.as_str());
    assert_eq!(body["partnerName"], "Partner 1");
    // The public id is nowhere in the answer.
    assert!(
        !body
            .to_string()
            .contains(public_id("fixture-user").as_str())
    );

    // Granting again at once (within the same millisecond, on a fast machine) is still a 200:
    // the store says whether it created the consent.
    let again = handle(&deps, event("grant-consent")).await;
    assert_eq!(again.status(), 200, "{}", json_body(&again));
    assert_eq!(json_body(&again), body, "the first grant stands");

    let found = store
        .consent_of(
            &partner.id,
            &PartnerUserId::parse(pseudonym.as_str()).unwrap(),
        )
        .await
        .unwrap()
        .expect("the partner finds the consent by the pseudonym");
    assert_eq!(found.user_id, public_id("fixture-user"));
    assert_eq!(store.consents(&found.user_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_and_suspended_partners_are_404_and_bad_ids_400() {
    let store = SqliteStore::in_memory().unwrap();
    let (mut partner, _) = shared::testing::partner_with_key(
        &store,
        1,
        Tier::Free,
        Tier::Free.default_limits(),
        Timestamp::now(),
    )
    .await;
    partner.status = PartnerStatus::Suspended;
    store.update_partner(&partner).await.unwrap();
    let deps = deps(&store);
    let unknown = PartnerId::from_entropy(99);
    for (id, status) in [
        (partner.id.as_str(), 404),
        (unknown.as_str(), 404),
        ("ptn_NOPE", 400),
        ("usr_0000000000000001", 400),
    ] {
        let response = handle(&deps, for_partner(id)).await;
        assert_eq!(response.status(), status, "{id}: {}", json_body(&response));
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    assert!(
        store
            .consents(&public_id("fixture-user"))
            .await
            .unwrap()
            .is_empty()
    );
}
