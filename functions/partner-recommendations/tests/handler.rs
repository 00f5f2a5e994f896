//! Handler tests on the demo data in an embedded store, after the recommender's job: a
//! consenting user's cafés near a point with reasons, roasters and beans; 404 without consent
//! and from the call after a withdrawal; every bad input a 4xx problem (never a 5xx).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use jiff::Timestamp;
use lambda_http::{Request, RequestExt};
use partner_recommendations::{Deps, handle_at};
use shared::domain::partner::{ApiKeySecret, Consent, Limits, Partner, Tier};
use shared::domain::{PartnerUserId, PublicUserId};
use shared::ports::{ConsentStore, RecommendationStore};
use shared::store::sqlite::SqliteStore;
use shared::testing::{json_body, user_keys};

fn request(n: u32, key: &str, user: &str, query: &[(&str, &str)]) -> Request {
    let path = format!("/partner/v1/users/{user}/recommendations");
    shared::testing::partner_request(&path, n, Some(key), query).with_path_parameters(
        HashMap::from([("partnerUserId".to_owned(), user.to_owned())]),
    )
}

struct World {
    deps: Deps<SqliteStore>,
    partner: Partner,
    key: ApiKeySecret,
    user: PublicUserId,
    pseudonym: PartnerUserId,
}

async fn world() -> World {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let now = Timestamp::now();
    let written = shared::maintenance::refresh_recommendations(&store, now)
        .await
        .unwrap();
    assert!(written > 300, "{written} users");
    let limits = Limits {
        per_second: 1_000,
        per_day: None,
        per_month: None,
    };
    let (partner, key) =
        shared::testing::partner_with_key(&store, 7, Tier::Enterprise, limits, now).await;
    let user = shared::demo::catalog().unwrap().people.reviews[0]
        .author_id
        .clone();
    let pseudonym = user_keys().partner_user_id(&partner.id, &user);
    store
        .grant_consent(&Consent {
            partner_id: partner.id.clone(),
            user_id: user.clone(),
            partner_user_id: pseudonym.clone(),
            granted_at: now,
        })
        .await
        .unwrap();
    World {
        deps: Deps {
            store,
            metrics: shared::emf::EmfSink::memory().0,
        },
        partner,
        key,
        user,
        pseudonym,
    }
}

#[tokio::test]
async fn a_consenting_user_gets_cafes_near_the_point_roasters_and_beans_with_reasons() {
    let w = world().await;
    let stored = w
        .deps
        .store
        .recommendations_of(&w.user)
        .await
        .unwrap()
        .unwrap();
    let centre = stored.cafes[0].coordinates;
    let (lat, lng) = (centre.lat().to_string(), centre.lng().to_string());
    let now = Timestamp::now();
    let response = handle_at(
        &w.deps,
        request(
            1,
            w.key.expose(),
            w.pseudonym.as_str(),
            &[("lat", &lat), ("lng", &lng), ("limit", "5")],
        ),
        now,
    )
    .await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert!(response.headers().contains_key("ratelimit"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    assert_eq!(body["partnerUserId"], w.pseudonym.as_str());
    let cafes = body["cafes"].as_array().unwrap();
    assert!(!cafes.is_empty() && cafes.len() <= 5, "{body}");
    assert_eq!(
        cafes[0]["id"],
        stored.cafes[0].id.as_str(),
        "the best, at distance 0"
    );
    for cafe in cafes {
        assert!(cafe["distanceM"].as_u64().unwrap() <= 25_000);
        assert!(cafe["reason"]["code"].is_string());
        assert!(cafe["reason"]["value"].is_string());
    }
    assert!(!body["roasters"].as_array().unwrap().is_empty());
    let beans = body["beans"].as_array().unwrap();
    assert!(!beans.is_empty() && beans.len() <= 5);
    assert!(
        ["matches_process", "matches_origin"]
            .contains(&beans[0]["reason"]["code"].as_str().unwrap())
    );
    // The user's public id is nowhere in the answer.
    assert!(!body.to_string().contains(w.user.as_str()));

    // Without a location: the best cafés anywhere, without distances.
    let anywhere = handle_at(
        &w.deps,
        request(2, w.key.expose(), w.pseudonym.as_str(), &[]),
        now,
    )
    .await;
    assert_eq!(anywhere.status(), 200);
    let body = json_body(&anywhere);
    assert_eq!(body["cafes"].as_array().unwrap().len(), 10);
    assert!(body["cafes"][0]["distanceM"].is_null());
}

#[tokio::test]
async fn no_consent_is_404_and_withdrawal_takes_effect_on_the_next_call() {
    let w = world().await;
    let now = Timestamp::now();
    let ok = handle_at(
        &w.deps,
        request(1, w.key.expose(), w.pseudonym.as_str(), &[]),
        now,
    )
    .await;
    assert_eq!(ok.status(), 200);
    // Another user's pseudonym for this partner, who never consented.
    let stranger = user_keys().partner_user_id(&w.partner.id, &PublicUserId::from_entropy(5));
    let none = handle_at(
        &w.deps,
        request(2, w.key.expose(), stranger.as_str(), &[]),
        now,
    )
    .await;
    assert_eq!(none.status(), 404);
    w.deps
        .store
        .withdraw_consent(&w.user, &w.partner.id)
        .await
        .unwrap();
    let after = handle_at(
        &w.deps,
        request(3, w.key.expose(), w.pseudonym.as_str(), &[]),
        now,
    )
    .await;
    assert_eq!(after.status(), 404, "{}", json_body(&after));
    assert_eq!(after.headers()["content-type"], "application/problem+json");
    assert!(
        after.headers().contains_key("ratelimit"),
        "admitted and metered"
    );
}

/// A pseudonym, a query and the status it must get.
type BadCase<'a> = (&'a str, &'a [(&'a str, &'a str)], u16);

#[tokio::test]
async fn every_bad_input_is_a_4xx_problem() {
    let w = world().await;
    let now = Timestamp::now();
    let user = w.pseudonym.as_str();
    let cases: &[BadCase] = &[
        (user, &[("lat", "91"), ("lng", "0")], 400),
        (user, &[("lat", "abc"), ("lng", "0")], 400),
        (user, &[("lat", "10")], 400),
        (user, &[("lng", "10")], 400),
        (user, &[("lat", "10"), ("lng", "181")], 400),
        (user, &[("limit", "0")], 400),
        (user, &[("limit", "51")], 400),
        (user, &[("limit", "ten")], 400),
        (user, &[("radiusM", "10")], 400),
        (user, &[("cursor", "x")], 400),
        (user, &[("limit", "")], 400),
        ("pu_NOT-AN-ID", &[], 400),
        ("usr_0000000000000001", &[], 400),
    ];
    for (i, (who, query, status)) in cases.iter().enumerate() {
        let response = handle_at(
            &w.deps,
            request(i as u32 + 10, w.key.expose(), who, query),
            now,
        )
        .await;
        assert_eq!(
            response.status(),
            *status,
            "{who} {query:?}: {}",
            json_body(&response)
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{query:?}"
        );
    }
    let unknown = ApiKeySecret::generate();
    let refused = handle_at(&w.deps, request(99, unknown.expose(), user, &[]), now).await;
    assert_eq!(refused.status(), 401);
}
