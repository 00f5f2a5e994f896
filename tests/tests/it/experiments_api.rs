//! The nearby-ranking experiment end to end on the local server: two devices that the flag
//! document in the data directory splits into different variants search, each learns its
//! variant from the response (checked against infra/openapi.yaml), one saves a café, the events
//! land in the store once each, and an edit of the flag file stops the experiment without a
//! restart. Signed in, two people search `GET /me/nearby-cafes` as themselves: each gets the
//! order of their variant (the treatment with their profile's taste), one exposure under their
//! public id, the variant `GET /me/experiments` names, and a save is one conversion.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::PublicUserId;
use shared::experiments::nearby::{NEARBY_RANKING, Ranking};
use shared::experiments::{Context, DeviceId, FlagSet, Unit, Variant};
use shared::ports::ExperimentEvents;
use shared::store::sqlite::SqliteStore;
use tests::openapi::documented;
use tests::{TestApp, spawn_app, token};

const ROUTE: &str = "/cafes/nearby";
const SEARCH: &str =
    "/cafes/nearby?lat=35.6812&lng=139.7671&radiusM=5000&limit=20&at=2026-11-23T01:00:00Z";

fn flags_file(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.path().join(local_server::FLAGS_FILE)
}

/// The first generated device id the data directory's flag document puts in `variant`.
fn device_in(app: &TestApp, variant: Ranking) -> String {
    let flags = FlagSet::parse(&std::fs::read(flags_file(app)).unwrap()).unwrap();
    (0..1_000)
        .map(|n| format!("e2e-device-{n:08}"))
        .find(|d| {
            let ctx = Context::for_unit(Unit::Device(DeviceId::parse(d).unwrap()));
            NEARBY_RANKING
                .assign(&flags, &ctx)
                .is_some_and(|a| a.variant == variant)
        })
        .unwrap()
}

/// The app's store, and its exposures to the nearby experiment as sorted (unit, variant) pairs.
async fn stored_exposures(app: &TestApp) -> (SqliteStore, Vec<(String, String)>) {
    let store = SqliteStore::open(&app.data_dir.path().join(local_server::DB_FILE)).unwrap();
    let (exposures, _) = store
        .exposures(NEARBY_RANKING.key, None, 100)
        .await
        .unwrap();
    let mut got: Vec<(String, String)> =
        exposures.into_iter().map(|e| (e.unit, e.variant)).collect();
    got.sort();
    (store, got)
}

async fn search(app: &TestApp, device: &str) -> tests::Reply {
    documented(
        app.request("GET", SEARCH, &[("x-device-id", device)]).await,
        "GET",
        ROUTE,
    )
}

#[tokio::test]
async fn two_devices_land_in_different_variants_and_their_events_are_stored_once() {
    let app = spawn_app().await;
    // The local server wrote the deployed flag document into the data directory.
    assert_eq!(
        std::fs::read_to_string(flags_file(&app)).unwrap(),
        local_server::DEFAULT_FLAGS
    );
    let control = device_in(&app, Ranking::Distance);
    let treatment = device_in(&app, Ranking::Blended);

    let a = search(&app, &control).await;
    let b = search(&app, &treatment).await;
    assert_eq!(a.status, 200);
    assert_eq!(b.status, 200);
    assert_eq!(a.body["experiments"]["nearby-ranking"], "distance");
    assert_eq!(b.body["experiments"]["nearby-ranking"], "blended");
    let (mut sa, mut sb) = (a.item_ids(), b.item_ids());
    assert_ne!(sa, sb);
    sa.sort();
    sb.sort();
    assert_eq!(sa, sb, "both variants show the same cafés");
    // Sticky: the same device gets the same variant and order again.
    let again = search(&app, &treatment).await;
    assert_eq!(again.item_ids(), b.item_ids());

    // The treatment device's person saves a café twice; the control device saves nothing.
    let cafe = b.item_ids()[0].clone();
    let bearer = format!("Bearer {}", token("e2e-saver"));
    for _ in 0..2 {
        let saved = app
            .request(
                "PUT",
                &format!("/me/saved-cafes/{cafe}"),
                &[("authorization", &bearer), ("x-device-id", &treatment)],
            )
            .await;
        assert!(saved.status == 201 || saved.status == 200, "{saved:?}");
    }

    let (store, got) = stored_exposures(&app).await;
    let mut want = vec![
        (format!("dev_{control}"), "distance".to_owned()),
        (format!("dev_{treatment}"), "blended".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want, "one exposure per device");
    let (outcomes, _) = store
        .outcomes(NEARBY_RANKING.key, "save", None, 100)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].unit, format!("dev_{treatment}"));
    assert_eq!(outcomes[0].variant, Ranking::Blended.name());
}

#[tokio::test]
async fn editing_the_flag_file_stops_the_experiment_without_a_restart() {
    let app = spawn_app().await;
    let treatment = device_in(&app, Ranking::Blended);
    let before = search(&app, &treatment).await;
    assert_eq!(before.body["experiments"]["nearby-ranking"], "blended");

    let stopped =
        local_server::DEFAULT_FLAGS.replacen("\"enabled\": true", "\"enabled\": false", 1);
    assert_ne!(stopped, local_server::DEFAULT_FLAGS);
    std::fs::write(flags_file(&app), stopped).unwrap();
    let after = search(&app, &treatment).await;
    assert!(after.body.get("experiments").is_none(), "{}", after.body);
    let anonymous = documented(app.get(SEARCH).await, "GET", ROUTE);
    assert_eq!(
        after.item_ids(),
        anonymous.item_ids(),
        "back to distance order"
    );

    // A broken edit keeps the last good document (still stopped), never an error.
    std::fs::write(flags_file(&app), "{ not json").unwrap();
    let broken = search(&app, &treatment).await;
    assert_eq!(broken.status, 200);
    assert!(broken.body.get("experiments").is_none());
}

#[tokio::test]
async fn a_malformed_device_id_is_a_documented_400() {
    let app = spawn_app().await;
    let reply = documented(
        app.request("GET", SEARCH, &[("x-device-id", "nope")]).await,
        "GET",
        ROUTE,
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["invalidParams"][0]["name"], "X-Device-Id");
    assert_eq!(reply.body["invalidParams"][0]["in"], "header");
}

async fn my_experiments(app: &TestApp, sub: &str) -> tests::Reply {
    let bearer = format!("Bearer {}", token(sub));
    documented(
        app.request("GET", "/me/experiments", &[("authorization", &bearer)])
            .await,
        "GET",
        "/me/experiments",
    )
}

/// The first of `e2e-person-<n>` whose public id the flag document puts in `variant`, with
/// that public id (read from `GET /me`).
async fn person_in(app: &TestApp, variant: Ranking) -> (String, String) {
    let flags = FlagSet::parse(&std::fs::read(flags_file(app)).unwrap()).unwrap();
    for n in 0..64 {
        let sub = format!("e2e-person-{n}");
        let bearer = format!("Bearer {}", token(&sub));
        let me = app
            .request("GET", "/me", &[("authorization", &bearer)])
            .await;
        assert_eq!(me.status, 200, "{me:?}");
        let id = me.body["id"].as_str().unwrap().to_owned();
        let unit = Unit::User(PublicUserId::parse(&id).unwrap());
        if NEARBY_RANKING
            .assign(&flags, &Context::for_unit(unit))
            .is_some_and(|a| a.variant == variant)
        {
            return (sub, id);
        }
    }
    panic!("no person in {variant:?} among 64");
}

#[tokio::test]
async fn two_people_learn_their_different_variants_from_me_experiments() {
    let app = spawn_app().await;
    let (control, control_id) = person_in(&app, Ranking::Distance).await;
    let (treatment, treatment_id) = person_in(&app, Ranking::Blended).await;
    let a = my_experiments(&app, &control).await;
    let b = my_experiments(&app, &treatment).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["cache-control"], "no-store");
    assert_eq!(a.body["experiments"]["nearby-ranking"], "distance");
    assert_eq!(b.body["experiments"]["nearby-ranking"], "blended");
    // Sticky across calls.
    assert_eq!(my_experiments(&app, &treatment).await.body, b.body);

    let (_, got) = stored_exposures(&app).await;
    let mut want = vec![
        (control_id, "distance".to_owned()),
        (treatment_id, "blended".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want, "one exposure per person, under the public id");

    // Anonymous callers are not served.
    let anonymous = documented(app.get("/me/experiments").await, "GET", "/me/experiments");
    assert_eq!(anonymous.status, 401);

    // With users taken out of the experiment, a person is in none.
    let devices_only = local_server::DEFAULT_FLAGS.replacen(
        r#""unitKinds": ["user", "device"]"#,
        r#""unitKinds": ["device"]"#,
        1,
    );
    assert_ne!(devices_only, local_server::DEFAULT_FLAGS);
    std::fs::write(flags_file(&app), devices_only).unwrap();
    let none = my_experiments(&app, &treatment).await;
    assert_eq!(none.body, serde_json::json!({"experiments": {}}));
}

const MY_ROUTE: &str = "/me/nearby-cafes";

async fn my_search(app: &TestApp, sub: &str, extra: &str) -> tests::Reply {
    let bearer = format!("Bearer {}", token(sub));
    let path = SEARCH.replacen(ROUTE, MY_ROUTE, 1) + extra;
    documented(
        app.request("GET", &path, &[("authorization", &bearer)])
            .await,
        "GET",
        MY_ROUTE,
    )
}

#[tokio::test]
async fn two_signed_in_people_get_their_variants_order_one_exposure_each_and_a_conversion() {
    let app = spawn_app().await;
    // The local server's document is the deployed one: it enrols people and devices.
    let deployed = FlagSet::parse(local_server::DEFAULT_FLAGS.as_bytes()).unwrap();
    assert_eq!(
        FlagSet::parse(&std::fs::read(flags_file(&app)).unwrap()).unwrap(),
        deployed
    );
    let (control, control_id) = person_in(&app, Ranking::Distance).await;
    let (treatment, treatment_id) = person_in(&app, Ranking::Blended).await;

    // The treatment person likes siphon coffee (their profile says so).
    let bearer = format!("Bearer {}", token(&treatment));
    let profile = documented(
        app.send_json(
            "PUT",
            "/me",
            &[("authorization", &bearer)],
            &serde_json::json!({"displayName": "Siphon fan", "tasteMethods": ["siphon"]}),
        )
        .await,
        "PUT",
        "/me",
    );
    assert_eq!(profile.status, 200, "{profile:?}");
    assert_eq!(profile.body["tasteMethods"], serde_json::json!(["siphon"]));
    let shown = documented(
        app.request("GET", "/me", &[("authorization", &bearer)])
            .await,
        "GET",
        "/me",
    );
    assert_eq!(shown.body["tasteMethods"], serde_json::json!(["siphon"]));
    let public = documented(
        app.get(&format!("/users/{treatment_id}")).await,
        "GET",
        "/users/{userId}",
    );
    assert!(public.body.get("tasteMethods").is_none(), "{}", public.body);

    let a = my_search(&app, &control, "").await;
    let b = my_search(&app, &treatment, "").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(b.status, 200, "{b:?}");
    assert_eq!(a.headers["cache-control"], "no-store");
    assert_eq!(b.headers["cache-control"], "no-store");
    assert_eq!(a.body["experiments"]["nearby-ranking"], "distance");
    assert_eq!(b.body["experiments"]["nearby-ranking"], "blended");
    // Control: the distance order everyone outside the experiment sees.
    let anonymous = documented(app.get(SEARCH).await, "GET", ROUTE);
    assert!(anonymous.body.get("experiments").is_none());
    assert_eq!(a.item_ids(), anonymous.item_ids());
    // Treatment: the blend with the profile's taste, exactly what a blended device asking with
    // `taste=siphon` is shown; a `taste` parameter overrides the profile's.
    let device = device_in(&app, Ranking::Blended);
    let blended = |taste: &'static str| {
        let app = &app;
        let device = device.clone();
        async move {
            documented(
                app.request(
                    "GET",
                    &format!("{SEARCH}&taste={taste}"),
                    &[("x-device-id", &device)],
                )
                .await,
                "GET",
                ROUTE,
            )
            .item_ids()
        }
    };
    assert_ne!(b.item_ids(), a.item_ids());
    assert_eq!(b.item_ids(), blended("siphon").await);
    let overridden = my_search(&app, &treatment, "&taste=v60").await;
    assert_eq!(overridden.item_ids(), blended("v60").await);
    assert_ne!(overridden.item_ids(), b.item_ids());
    // Sticky.
    assert_eq!(
        my_search(&app, &treatment, "").await.item_ids(),
        b.item_ids()
    );

    // GET /me/experiments names what was served.
    for (sub, served) in [(&control, &a), (&treatment, &b)] {
        let mine = my_experiments(&app, sub).await;
        assert_eq!(mine.body["experiments"], served.body["experiments"]);
    }

    // The treatment person saves a café twice (no device header): one conversion, as a person.
    let cafe = b.item_ids()[0].clone();
    for _ in 0..2 {
        let saved = app
            .request(
                "PUT",
                &format!("/me/saved-cafes/{cafe}"),
                &[("authorization", &bearer)],
            )
            .await;
        assert!(saved.status == 201 || saved.status == 200, "{saved:?}");
    }

    let (store, exposures) = stored_exposures(&app).await;
    let people: Vec<(String, String)> = exposures
        .into_iter()
        .filter(|(unit, _)| unit.starts_with("usr_"))
        .collect();
    let mut want = vec![
        (control_id, "distance".to_owned()),
        (treatment_id.clone(), "blended".to_owned()),
    ];
    want.sort();
    assert_eq!(
        people, want,
        "exactly one exposure per person, under the public id"
    );
    let (outcomes, _) = store
        .outcomes(NEARBY_RANKING.key, "save", None, 100)
        .await
        .unwrap();
    let got: Vec<(String, String)> = outcomes.into_iter().map(|o| (o.unit, o.variant)).collect();
    assert_eq!(got, [(treatment_id, "blended".to_owned())]);

    // Without a token the signed-in route is the documented 401.
    let path = SEARCH.replacen(ROUTE, MY_ROUTE, 1);
    let anonymous = documented(app.get(&path).await, "GET", MY_ROUTE);
    assert_eq!(anonymous.status, 401);
}
