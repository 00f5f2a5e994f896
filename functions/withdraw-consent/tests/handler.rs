//! Handler tests with the events/ fixture on an embedded store: withdrawal removes the consent
//! at once (the partner's look-up finds none), is idempotent, works for a suspended partner,
//! and is 404 only for a partner that does not exist.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::PartnerId;
use shared::domain::partner::{Consent, PartnerStatus, Tier};
use shared::http::WriteGuard;
use shared::ports::{ConsentStore, PartnerStore};
use shared::store::sqlite::SqliteStore;
use shared::testing::{event, json_body, public_id, user_keys};
use withdraw_consent::{Deps, handle};

fn for_partner(partner: &str) -> lambda_http::Request {
    let mut req = event("withdraw-consent");
    *req.uri_mut() = format!("/me/partners/{partner}").parse().unwrap();
    let context = lambda_http::RequestExt::request_context(&req);
    *req.extensions_mut() = lambda_http::http::Extensions::new();
    lambda_http::RequestExt::with_request_context(req, context)
}

#[tokio::test]
async fn withdrawal_is_immediate_idempotent_and_always_possible() {
    let store = SqliteStore::in_memory().unwrap();
    let (mut partner, _) = shared::testing::partner_with_key(
        &store,
        1,
        Tier::Free,
        Tier::Free.default_limits(),
        Timestamp::now(),
    )
    .await;
    let user = public_id("fixture-user");
    let pseudonym = user_keys().partner_user_id(&partner.id, &user);
    store
        .grant_consent(&Consent {
            partner_id: partner.id.clone(),
            user_id: user.clone(),
            partner_user_id: pseudonym.clone(),
            granted_at: Timestamp::now(),
        })
        .await
        .unwrap();
    // Suspension does not stop a user from withdrawing.
    partner.status = PartnerStatus::Suspended;
    store.update_partner(&partner).await.unwrap();
    let deps = Deps {
        guard: WriteGuard::new(store.clone(), shared::config::WriteLimits::all_per_hour(30)),
        store: store.clone(),
        users: user_keys(),
    };
    let first = handle(&deps, event("withdraw-consent")).await;
    assert_eq!(first.status(), 204, "{}", json_body(&first));
    assert!(first.headers().contains_key("ratelimit"));
    assert!(
        store
            .consent_of(&partner.id, &pseudonym)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.consents(&user).await.unwrap().is_empty());
    let again = handle(&deps, event("withdraw-consent")).await;
    assert_eq!(again.status(), 204);

    let unknown = handle(&deps, for_partner(PartnerId::from_entropy(99).as_str())).await;
    assert_eq!(unknown.status(), 404, "{}", json_body(&unknown));
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json"
    );
    let bad = handle(&deps, for_partner("ptn_x")).await;
    assert_eq!(bad.status(), 400);
}
