//! The partner API end to end through the local server (`make run`): `/partner/v1/…` answers
//! with the same key check, limits and headers as in AWS, and concurrent calls through HTTP are
//! admitted and billed exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::partner::{ApiKeySecret, Limits, Partner, Tier, utc_day};
use shared::ports::Meter;
use shared::store::sqlite::SqliteStore;

async fn partner_in(app: &tests::TestApp, limits: Limits) -> (SqliteStore, Partner, ApiKeySecret) {
    let store = SqliteStore::open(&app.data_dir.path().join(local_server::DB_FILE)).unwrap();
    let (partner, key) =
        shared::testing::partner_with_key(&store, 42, Tier::Free, limits, Timestamp::now()).await;
    (store, partner, key)
}

#[tokio::test]
async fn the_local_server_checks_keys_and_reports_limits() {
    let app = tests::spawn_app().await;
    let (_, partner, key) = partner_in(&app, Tier::Free.default_limits()).await;

    let documented = |reply| tests::openapi::partner_documented(reply, "GET", "/partner/v1/usage");
    let missing = documented(app.request("GET", "/partner/v1/usage", &[]).await);
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        missing.body["type"],
        "https://craftbean.app/problems/invalid-api-key"
    );
    let unknown = ApiKeySecret::generate();
    let wrong = documented(
        app.request(
            "GET",
            "/partner/v1/usage",
            &[("x-api-key", unknown.expose())],
        )
        .await,
    );
    assert_eq!(wrong.status, 401);

    let ok = documented(
        app.request("GET", "/partner/v1/usage", &[("x-api-key", key.expose())])
            .await,
    );
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["partnerId"], partner.id.as_str());
    assert_eq!(
        ok.header("ratelimit-policy"),
        Some(r#""second";q=5;w=1, "day";q=1000;w=86400"#)
    );
    assert!(
        ok.header("ratelimit")
            .unwrap()
            .starts_with(r#""second";r="#)
    );
    assert!(ok.header("ratelimit").unwrap().contains(r#""day";r=999;"#));

    let bad = documented(
        app.request(
            "GET",
            "/partner/v1/usage?from=2026-13-01",
            &[("x-api-key", key.expose())],
        )
        .await,
    );
    assert_eq!(bad.status, 400);
    assert!(bad.header("ratelimit").is_some(), "admitted: headers too");
}

#[tokio::test]
async fn concurrent_calls_through_http_are_admitted_and_billed_exactly() {
    let app = tests::spawn_app().await;
    let limits = Limits {
        per_second: 1_000,
        per_day: Some(12),
        per_month: None,
    };
    let (store, partner, key) = partner_in(&app, limits).await;
    let headers = [("x-api-key", key.expose())];
    let calls = (0..20).map(|_| app.request("GET", "/partner/v1/usage", &headers));
    let replies = futures_util::future::join_all(calls).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(ok, 12);
    assert_eq!(limited.len(), 8);
    for reply in limited {
        tests::openapi::assert_partner_documented(reply, "GET", "/partner/v1/usage");
        assert_eq!(
            reply.body["type"],
            "https://craftbean.app/problems/rate-limited"
        );
        let after: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&after));
        assert!(reply.header("ratelimit").unwrap().contains(r#""day";r=0;"#));
    }
    let today = utc_day(Timestamp::now());
    let rows = store.usage(&partner.id, today, today).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.billed).sum::<u64>(), 12);
}

#[tokio::test]
async fn a_user_consents_learns_the_pseudonym_and_withdraws_through_http() {
    use tests::openapi::documented;
    let app = tests::spawn_app().await;
    let (store, partner, _) = partner_in(&app, Tier::Free.default_limits()).await;
    let sub = "consent-e2e-subject";
    let bearer = format!("Bearer {}", tests::token(sub));
    let auth = [("authorization", bearer.as_str())];
    let template = "/me/partners/{partnerId}";
    let path = format!("/me/partners/{}", partner.id);

    let granted = documented(app.request("PUT", &path, &auth).await, "PUT", template);
    assert_eq!(granted.status, 201, "{:?}", granted.body);
    let pseudonym = granted.body["partnerUserId"].as_str().unwrap().to_owned();
    assert!(pseudonym.starts_with("pu_"));
    assert!(
        !granted
            .body
            .to_string()
            .contains(tests::public_id(sub).as_str())
    );
    let again = documented(app.request("PUT", &path, &auth).await, "PUT", template);
    assert_eq!(again.status, 200);
    assert_eq!(again.body, granted.body);
    let id = shared::domain::PartnerUserId::parse(&pseudonym).unwrap();
    use shared::ports::ConsentStore;
    assert!(store.consent_of(&partner.id, &id).await.unwrap().is_some());

    let unknown = documented(
        app.request("PUT", "/me/partners/ptn_zzzzzzzzzzzzzzzz", &auth)
            .await,
        "PUT",
        template,
    );
    assert_eq!(unknown.status, 404);
    let malformed = documented(
        app.request("PUT", "/me/partners/nope", &auth).await,
        "PUT",
        template,
    );
    assert_eq!(malformed.status, 400);
    let anonymous = documented(app.request("PUT", &path, &[]).await, "PUT", template);
    assert_eq!(anonymous.status, 401);

    let withdrawn = documented(
        app.request("DELETE", &path, &auth).await,
        "DELETE",
        template,
    );
    assert_eq!(withdrawn.status, 204);
    assert!(store.consent_of(&partner.id, &id).await.unwrap().is_none());
    let twice = documented(
        app.request("DELETE", &path, &auth).await,
        "DELETE",
        template,
    );
    assert_eq!(twice.status, 204);
}

#[tokio::test]
async fn recommendations_through_the_local_server_follow_consent() {
    use serde_json::json;
    let app = tests::spawn_app().await;
    let limits = Limits {
        per_second: 1_000,
        per_day: None,
        per_month: None,
    };
    let (store, partner, key) = partner_in(&app, limits).await;
    let sub = "reco-e2e-subject";
    let bearer = format!("Bearer {}", tests::token(sub));
    let auth = [("authorization", bearer.as_str())];
    // The user loves one café (a 5-star review) and saves another in the same city.
    let demo = shared::demo::catalog().unwrap();
    let loved = &demo.cafes[1];
    let saved = demo
        .cafes
        .iter()
        .enumerate()
        .find(|(i, c)| {
            i % shared::demo::QUIET_EVERY != 0
                && c.id != loved.id
                && c.location.city == loved.location.city
        })
        .map(|(_, c)| c)
        .unwrap();
    let review = app
        .send_json(
            "POST",
            &format!("/cafes/{}/reviews", loved.id),
            &auth,
            &json!({ "rating": 5, "text": "The best natural I have had on a V60 in years." }),
        )
        .await;
    assert_eq!(review.status, 201, "{:?}", review.body);
    let save = app
        .request("PUT", &format!("/me/saved-cafes/{}", saved.id), &auth)
        .await;
    assert_eq!(save.status, 201);
    // The job, as `xtask reco-refresh --store embedded` runs it against this data directory.
    shared::maintenance::refresh_recommendations(&store, Timestamp::now())
        .await
        .unwrap();

    let granted = app
        .request("PUT", &format!("/me/partners/{}", partner.id), &auth)
        .await;
    assert_eq!(granted.status, 201);
    let pseudonym = granted.body["partnerUserId"].as_str().unwrap().to_owned();
    let path = format!(
        "/partner/v1/users/{pseudonym}/recommendations?lat={}&lng={}&limit=5",
        loved.location.coordinates.lat(),
        loved.location.coordinates.lng()
    );
    let headers = [("x-api-key", key.expose())];
    const TEMPLATE: &str = "/partner/v1/users/{partnerUserId}/recommendations";
    let ok = app.request("GET", &path, &headers).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    tests::openapi::assert_partner_documented(&ok, "GET", TEMPLATE);
    assert!(ok.header("ratelimit").is_some());
    let cafes = ok.body["cafes"].as_array().unwrap();
    assert!(!cafes.is_empty() && cafes.len() <= 5, "{:?}", ok.body);
    for cafe in cafes {
        assert_ne!(cafe["id"], loved.id.as_str(), "already reviewed");
        assert_ne!(cafe["id"], saved.id.as_str(), "already saved");
        assert!(cafe["distanceM"].as_u64().unwrap() <= 25_000);
        assert!(cafe["reason"]["code"].is_string());
    }
    assert!(!ok.body["beans"].as_array().unwrap().is_empty());

    let bad = app
        .request(
            "GET",
            &format!("/partner/v1/users/{pseudonym}/recommendations?lat=95&lng=0"),
            &headers,
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    tests::openapi::assert_partner_documented(&bad, "GET", TEMPLATE);

    let withdrawn = app
        .request("DELETE", &format!("/me/partners/{}", partner.id), &auth)
        .await;
    assert_eq!(withdrawn.status, 204);
    let gone = app.request("GET", &path, &headers).await;
    assert_eq!(gone.status, 404, "{:?}", gone.body);
    tests::openapi::assert_partner_documented(&gone, "GET", TEMPLATE);
    assert_eq!(
        gone.body["type"],
        "https://craftbean.app/problems/not-found"
    );
}

#[tokio::test]
async fn catalogue_sync_through_the_local_server_pages_every_cafe_and_follows_edits() {
    use shared::ports::CatalogWriter;
    let app = tests::spawn_app().await;
    let limits = Limits {
        per_second: 1_000,
        per_day: None,
        per_month: None,
    };
    let (store, _, key) = partner_in(&app, limits).await;
    let headers = [("x-api-key", key.expose())];
    const TEMPLATE: &str = "/partner/v1/cafes";

    // Every seeded café once, ascending by (updatedAt, id), page by page.
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut path = "/partner/v1/cafes?limit=100".to_owned();
    loop {
        let page = app.request("GET", &path, &headers).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        tests::openapi::assert_partner_documented(&page, "GET", TEMPLATE);
        assert!(page.header("ratelimit").is_some());
        for item in page.body["items"].as_array().unwrap() {
            seen.push((
                item["updatedAt"].as_str().unwrap().to_owned(),
                item["id"].as_str().unwrap().to_owned(),
            ));
        }
        match page.body["nextCursor"].as_str() {
            Some(cursor) => path = format!("/partner/v1/cafes?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    let demo = shared::demo::catalog().unwrap();
    assert_eq!(seen.len(), demo.cafes.len());
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    // An edit moves the café to the end; asking from the last stamp seen returns it.
    let mut edited = demo.cafes[0].clone();
    edited.tagline = "Now with a roaster in the back room.".to_owned();
    store.put_cafe(&edited).await.unwrap();
    // The seed stamps every café with one instant, so asking from the last stamp seen returns
    // those again (at or after): page to the end.
    let since = seen.last().unwrap().0.clone();
    let mut items: Vec<serde_json::Value> = Vec::new();
    let mut path = format!("/partner/v1/cafes?limit=100&updatedSince={since}");
    loop {
        let page = app.request("GET", &path, &headers).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        tests::openapi::assert_partner_documented(&page, "GET", TEMPLATE);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["nextCursor"].as_str() {
            Some(cursor) => {
                path = format!("/partner/v1/cafes?limit=100&updatedSince={since}&cursor={cursor}")
            }
            None => break,
        }
    }
    let last = items.last().unwrap();
    assert_eq!(
        last["id"],
        edited.id.as_str(),
        "the edit moved it to the end"
    );
    assert_eq!(last["tagline"], edited.tagline.as_str());
    assert!(last["updatedAt"].as_str().unwrap() >= since.as_str());
    assert!(
        items
            .iter()
            .all(|i| i["updatedAt"].as_str().unwrap() >= since.as_str())
    );

    let bad = app
        .request("GET", "/partner/v1/cafes?updatedSince=yesterday", &headers)
        .await;
    assert_eq!(bad.status, 400);
    tests::openapi::assert_partner_documented(&bad, "GET", TEMPLATE);
    let bad = app
        .request("GET", "/partner/v1/cafes?cursor=forged", &headers)
        .await;
    assert_eq!(bad.status, 400);
    tests::openapi::assert_partner_documented(&bad, "GET", TEMPLATE);
}
