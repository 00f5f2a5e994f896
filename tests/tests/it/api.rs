//! End-to-end: the local server (every function's handler, in-process) over real HTTP, on a
//! fresh copy of the seeded demo store. Every response is checked against infra/openapi.yaml.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tests::openapi::documented;
use tests::{Reply, TestApp, spawn_app};

async fn get(app: &TestApp, template: &str, path: &str) -> Reply {
    documented(app.get(path).await, "GET", template)
}

fn assert_problem(reply: &Reply, status: u16, kind: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        reply.body["type"],
        format!("https://craftbean.app/problems/{kind}")
    );
    assert_eq!(reply.body["status"], status);
    let request_id = reply.header("x-request-id").expect("x-request-id header");
    assert_eq!(
        reply.body["requestId"], request_id,
        "problem carries the request id"
    );
}

fn names(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn cafes_first_page_has_twenty_items_and_a_cursor() {
    let app = spawn_app().await;
    let reply = get(&app, "/cafes", "/cafes").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 20);
    assert!(reply.body["nextCursor"].is_string());
    let cache = reply.header("cache-control").unwrap();
    assert!(
        cache.contains("public") && cache.contains("s-maxage="),
        "{cache}"
    );
}

#[tokio::test]
async fn paging_visits_every_cafe_once_in_each_sort_order() {
    let app = spawn_app().await;
    let total = shared::demo::catalog().unwrap().cafes.len();
    for sort in ["name", "rating", "newest"] {
        let seen = all_pages(&app, &format!("sort={sort}"), 100).await;
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), total, "{sort}: every café once");
        assert_eq!(unique.len(), total, "{sort}: no duplicates");
    }
}

#[tokio::test]
async fn name_order_is_alphabetical_and_newest_order_is_by_creation() {
    let app = spawn_app().await;
    let reply = get(&app, "/cafes", "/cafes?sort=name&limit=50").await;
    let keys: Vec<String> = names(&reply)
        .iter()
        .map(|n| shared::store::keys::name_key(n))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    let reply = get(&app, "/cafes", "/cafes?sort=newest&limit=50").await;
    let created: Vec<jiff::Timestamp> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["createdAt"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let app = spawn_app().await;
    let catalog = shared::demo::catalog().unwrap();
    let roaster = &catalog.roasters[0];
    type Check<'a> = Box<dyn Fn(&Value) -> bool + 'a>;
    let cases: Vec<(String, Check)> = vec![
        (
            "city=Tokyo".into(),
            Box::new(|c| c["location"]["city"] == "Tokyo"),
        ),
        (
            "country=no".into(),
            Box::new(|c| c["location"]["country"] == "NO"),
        ),
        (
            "brewingMethod=v60".into(),
            Box::new(|c| {
                c["brewingMethods"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m == "v60")
            }),
        ),
        (
            "amenity=wifi".into(),
            Box::new(|c| {
                c["amenities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a == "wifi")
            }),
        ),
        (
            format!("roaster={}", roaster.id),
            Box::new(|c| {
                c["roasters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["id"] == roaster.id.as_str())
            }),
        ),
        (
            "city=tokyo&amenity=wifi&brewingMethod=espresso".into(),
            Box::new(|c| {
                c["location"]["city"] == "Tokyo"
                    && c["amenities"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|a| a == "wifi")
                    && c["brewingMethods"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m == "espresso")
            }),
        ),
    ];
    for (query, matches) in cases {
        let reply = get(&app, "/cafes", &format!("/cafes?{query}&limit=100")).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        let items = reply.body["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{query} matches some demo cafés");
        assert!(items.iter().all(matches), "{query}: every item matches");
    }
}

/// Every page of `/cafes?{query}` with page size `limit`, as ids.
async fn all_pages(app: &TestApp, query: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let path = match &cursor {
            Some(c) => format!("/cafes?{query}&limit={limit}&cursor={c}"),
            None => format!("/cafes?{query}&limit={limit}"),
        };
        let reply = get(app, "/cafes", &path).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        ids.extend(
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match reply.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("{query}: pagination does not terminate");
}

#[tokio::test]
async fn amenities_price_levels_rating_and_open_now_combine_across_pages() {
    use shared::domain::{Amenity, Cafe};
    let app = spawn_app().await;
    let catalog = shared::demo::catalog().unwrap();
    let at: jiff::Timestamp = "2026-11-23T07:30:00Z".parse().unwrap();
    type Keep = fn(&Cafe, jiff::Timestamp) -> bool;
    let cases: [(&str, Keep); 4] = [
        ("amenity=wifi&amenity=outdoor-seating", |c, _| {
            c.amenities.contains(&Amenity::Wifi) && c.amenities.contains(&Amenity::OutdoorSeating)
        }),
        ("priceLevel=1&priceLevel=2", |c, _| c.price_level.get() <= 2),
        ("openNow=true&at=2026-11-23T07:30:00Z", |c, at| {
            c.hours.is_open_at(at)
        }),
        (
            "amenity=wifi&priceLevel=2&priceLevel=3&minRating=0&openNow=true&at=2026-11-23T07:30:00Z",
            |c, at| {
                c.amenities.contains(&Amenity::Wifi)
                    && matches!(c.price_level.get(), 2 | 3)
                    && c.hours.is_open_at(at)
            },
        ),
    ];
    for (query, keep) in cases {
        let mut expected: Vec<&Cafe> = catalog.cafes.iter().filter(|c| keep(c, at)).collect();
        expected.sort_by_key(|c| shared::store::keys::by_name(&c.name, c.id.as_str()));
        let expected: Vec<String> = expected.iter().map(|c| c.id.to_string()).collect();
        assert!(!expected.is_empty(), "{query} matches some demo cafés");
        assert_eq!(all_pages(&app, query, 3).await, expected, "{query}");
    }

    // With q and with sort, as the older filters combine.
    let searched = all_pages(&app, "q=tokyo&amenity=wifi&priceLevel=2", 3).await;
    assert!(!searched.is_empty());
    for id in &searched {
        let cafe = catalog.cafes.iter().find(|c| c.id.as_str() == id).unwrap();
        assert_eq!(cafe.location.city, "Tokyo");
        assert!(cafe.amenities.contains(&Amenity::Wifi) && cafe.price_level.get() == 2);
    }
    let by_rating = all_pages(&app, "sort=rating&priceLevel=4&openNow=true", 3).await;
    let live = get(&app, "/cafes", "/cafes?openNow=true&limit=1").await;
    assert!(
        live.header("cache-control")
            .unwrap()
            .contains("s-maxage=30,"),
        "openNow without at is cached briefly"
    );
    for id in &by_rating {
        let cafe = catalog.cafes.iter().find(|c| c.id.as_str() == id).unwrap();
        assert_eq!(cafe.price_level.get(), 4);
    }
}

#[tokio::test]
async fn min_rating_follows_reviews_and_skips_unreviewed_cafes() {
    let app = spawn_app().await;
    let catalog = shared::demo::catalog().unwrap();
    // Three cafés nobody has reviewed in the demo data, reviewed here.
    let cafes: Vec<&shared::domain::Cafe> = catalog
        .cafes
        .iter()
        .step_by(shared::demo::QUIET_EVERY)
        .take(3)
        .collect();
    // (café, author, stars): averages 5.0, 4.0 and 4.0 (from 5 and 3).
    let reviews = [(0, "ana", 5), (1, "ana", 4), (2, "ana", 5), (2, "ben", 3)];
    for (cafe, user, stars) in reviews {
        let body = serde_json::json!({
            "rating": stars,
            "text": "Silky flat white and a very patient barista.",
            "brewingMethod": cafes[cafe].brewing_methods[0],
        });
        let bearer = format!("Bearer {}", tests::token(user));
        let path = format!("/cafes/{}/reviews", cafes[cafe].id);
        let reply = app
            .send_json("POST", &path, &[("authorization", bearer.as_str())], &body)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let id = |n: usize| cafes[n].id.to_string();
    // Every other café keeps its demo rating; unreviewed ones never pass a minimum above 0.
    let demo_at_least = |min: f64| -> Vec<String> {
        catalog
            .cafes
            .iter()
            .filter(|c| !cafes.iter().any(|mine| mine.id == c.id))
            .filter(|c| c.rating.average.is_some_and(|a| a >= min))
            .map(|c| c.id.to_string())
            .collect()
    };
    let mut high = all_pages(&app, "minRating=4.5", 7).await;
    let mut expected = demo_at_least(4.5);
    expected.push(id(0));
    high.sort();
    expected.sort();
    assert_eq!(high, expected, "exactly the cafés averaging 4.5 or more");

    let ranked = all_pages(&app, "minRating=4&sort=rating", 7).await;
    let position = |n: usize| ranked.iter().position(|c| *c == id(n)).unwrap();
    assert!(
        position(0) < position(2) && position(2) < position(1),
        "best average first, then more reviews"
    );
    assert_eq!(ranked.len(), demo_at_least(4.0).len() + 3);
    assert_eq!(
        all_pages(&app, "minRating=0", 50).await.len(),
        catalog.cafes.len(),
        "a minimum of 0 keeps unreviewed cafés"
    );
}

#[tokio::test]
async fn bad_list_parameters_are_400s_naming_the_parameter() {
    let app = spawn_app().await;
    let cases = [
        ("limit=0", "limit", "limit of zero"),
        ("limit=101", "limit", "limit above 100"),
        ("limit=ten", "limit", "non-numeric limit"),
        ("limit=5&limit=6", "limit", "repeated parameter"),
        ("sort=best", "sort", "unknown sort"),
        ("amenity=jacuzzi", "amenity", "unknown amenity"),
        ("country=JPN", "country", "three-letter country"),
        ("brewingMethod=V%2060", "brewingMethod", "slug with a space"),
        (
            "brewingMethod=pour-over-9000",
            "brewingMethod",
            "well-formed but unknown brewing method",
        ),
        ("roaster=not-an-id", "roaster", "malformed roaster id"),
        ("city=", "city", "empty city"),
        ("city=%20%21", "city", "city without letters"),
        ("colour=brown", "colour", "unknown parameter"),
        ("cursor=garbage", "cursor", "garbage cursor"),
        ("q=", "q", "empty search"),
        ("q=%20%E2%98%95", "q", "search without letters or digits"),
        ("q=a%20b%20c%20d%20e%20f", "q", "six search words"),
        ("q=cafe&sort=rating", "sort", "sort with a search"),
        (
            "amenity=wifi&amenity=jacuzzi",
            "amenity",
            "one unknown amenity of two",
        ),
        (
            "amenity=wifi,outdoor-seating",
            "amenity",
            "comma-separated amenities",
        ),
        ("priceLevel=0", "priceLevel", "price level below 1"),
        (
            "priceLevel=2&priceLevel=5",
            "priceLevel",
            "one price level above 4",
        ),
        ("minRating=5.5", "minRating", "minimum rating above 5"),
        ("minRating=-1", "minRating", "negative minimum rating"),
        ("openNow=yes", "openNow", "openNow not true/false"),
        ("openNow=true&at=noon", "at", "at not a date-time"),
        ("at=2026-11-23T07:30:00Z", "at", "at without openNow"),
    ];
    for (query, param, why) in cases {
        let reply = get(&app, "/cafes", &format!("/cafes?{query}")).await;
        let kind = if param == "cursor" {
            "invalid-cursor"
        } else {
            "invalid-parameter"
        };
        assert_problem(&reply, 400, kind);
        let named: Vec<&str> = reply.body["invalidParams"]
            .as_array()
            .unwrap_or_else(|| panic!("{why}: no invalidParams"))
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            named.contains(&param),
            "{why}: {query} should name {param}, named {named:?}"
        );
    }
    let reply = get(&app, "/roasters", "/roasters?limit=1000&country=1").await;
    assert_problem(&reply, 400, "invalid-parameter");
    assert_eq!(
        reply.body["invalidParams"].as_array().unwrap().len(),
        2,
        "both parameters reported"
    );
}

#[tokio::test]
async fn cursors_detect_tampering_and_reuse_with_other_filters() {
    let app = spawn_app().await;
    let first = get(&app, "/cafes", "/cafes?sort=name&limit=5").await;
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();

    let second = get(
        &app,
        "/cafes",
        &format!("/cafes?sort=name&limit=5&cursor={cursor}"),
    )
    .await;
    assert_eq!(second.status, 200);
    assert!(
        names(&first).iter().all(|n| !names(&second).contains(n)),
        "pages do not overlap"
    );
    // The page size may change between pages; the filters and sort may not.
    let wider = get(
        &app,
        "/cafes",
        &format!("/cafes?sort=name&limit=7&cursor={cursor}"),
    )
    .await;
    assert_eq!(wider.status, 200);

    let mut bytes = cursor.clone().into_bytes();
    bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let reply = get(
        &app,
        "/cafes",
        &format!("/cafes?sort=name&limit=5&cursor={tampered}"),
    )
    .await;
    assert_problem(&reply, 400, "invalid-cursor");

    let reply = get(
        &app,
        "/cafes",
        &format!("/cafes?sort=rating&limit=5&cursor={cursor}"),
    )
    .await;
    assert_problem(&reply, 400, "invalid-cursor");
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("different query")
    );

    let reply = get(&app, "/roasters", &format!("/roasters?cursor={cursor}")).await;
    assert_problem(&reply, 400, "invalid-cursor");
}

#[tokio::test]
async fn profiles_resolve_and_unknown_ids_are_404s() {
    let app = spawn_app().await;
    let catalog = shared::demo::catalog().unwrap();
    let cafe = &catalog.cafes[0];
    let reply = get(&app, "/cafes/{cafeId}", &format!("/cafes/{}", cafe.id)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["id"], cafe.id.as_str());
    assert_eq!(reply.body["rating"]["count"], 0);
    assert_eq!(
        reply.body["artisans"].as_array().unwrap().len(),
        cafe.artisans.len()
    );

    let roaster = &catalog.roasters[0];
    let reply = get(
        &app,
        "/roasters/{roasterId}",
        &format!("/roasters/{}", roaster.id),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(
        !reply.body["cafes"].as_array().unwrap().is_empty(),
        "a roaster supplies cafés"
    );
    assert_eq!(
        reply.body["allCafesHref"],
        format!("/cafes?roaster={}", roaster.id)
    );

    let artisan = &catalog.artisans[0];
    let reply = get(
        &app,
        "/artisans/{artisanId}",
        &format!("/artisans/{}", artisan.id),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["cafeId"], artisan.cafe_id.as_str());

    let reply = get(&app, "/brewing-methods", "/brewing-methods").await;
    assert!(reply.body["items"].as_array().unwrap().len() >= 10);
    let reply = get(&app, "/brewing-methods/{slug}", "/brewing-methods/v60").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["slug"], "v60");

    let reply = get(&app, "/roasters", "/roasters?limit=10").await;
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 10);

    let unknown = [
        ("/cafes/{cafeId}", "/cafes/caf_0000000000000000"),
        ("/roasters/{roasterId}", "/roasters/rst_0000000000000000"),
        ("/artisans/{artisanId}", "/artisans/art_0000000000000000"),
        ("/brewing-methods/{slug}", "/brewing-methods/teleportation"),
    ];
    for (template, path) in unknown {
        assert_problem(&get(&app, template, path).await, 404, "not-found");
    }
    let malformed = [
        ("/cafes/{cafeId}", "/cafes/123", "cafeId"),
        (
            "/roasters/{roasterId}",
            "/roasters/caf_0000000000000000",
            "roasterId",
        ),
        (
            "/artisans/{artisanId}",
            "/artisans/%F0%9F%98%80",
            "artisanId",
        ),
        ("/brewing-methods/{slug}", "/brewing-methods/V60", "slug"),
    ];
    for (template, path, param) in malformed {
        let reply = get(&app, template, path).await;
        assert_problem(&reply, 400, "invalid-parameter");
        assert_eq!(reply.body["invalidParams"][0]["name"], param);
        assert_eq!(reply.body["invalidParams"][0]["in"], "path");
    }
    let reply = get(
        &app,
        "/cafes/{cafeId}",
        &format!("/cafes/{}?verbose=1", cafe.id),
    )
    .await;
    assert_problem(&reply, 400, "invalid-parameter");
}

#[tokio::test]
async fn unknown_routes_are_404s_and_wrong_methods_405s() {
    let app = spawn_app().await;
    for path in ["/teapots", "/", "/cafes/caf_0000000000000000/extra"] {
        let reply = app.get(path).await;
        assert_problem(&reply, 404, "route-not-found");
    }
    for (method, path) in [
        ("DELETE", "/cafes"),
        ("POST", "/brewing-methods/v60"),
        ("PUT", "/roasters"),
    ] {
        // OpenAPI documents the 405 answer under the path's GET operation.
        let reply = documented(
            app.request(method, path, &[]).await,
            "GET",
            path_template(path),
        );
        assert_problem(&reply, 405, "method-not-allowed");
        // GET routes also answer HEAD (RFC 9110), so the Allow header lists both.
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    }
}

fn path_template(path: &str) -> &'static str {
    match path {
        "/cafes" => "/cafes",
        "/roasters" => "/roasters",
        _ => "/brewing-methods/{slug}",
    }
}

#[tokio::test]
async fn etags_make_repeat_requests_304() {
    let app = spawn_app().await;
    let first = get(&app, "/cafes", "/cafes?limit=3").await;
    let etag = first.header("etag").expect("ETag on 200").to_owned();
    let again = app
        .request("GET", "/cafes?limit=3", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, 304);
    assert_eq!(again.body, Value::Null, "304 has no body");
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let weak = format!("W/{etag}");
    assert_eq!(
        app.request("GET", "/cafes?limit=3", &[("if-none-match", &weak)])
            .await
            .status,
        304
    );
    let other = app
        .request("GET", "/cafes?limit=4", &[("if-none-match", &etag)])
        .await;
    assert_eq!(
        other.status, 200,
        "a different representation has a different ETag"
    );
}

#[tokio::test]
async fn the_store_persists_across_restarts_without_reseeding() {
    let app = spawn_app().await;
    let before = app.get("/cafes?limit=100").await;
    let config = tests::test_config(app.data_dir.path(), 30);
    drop(app.client);
    let reopened = local_server::open(&config).await.unwrap();
    let listener = local_server::bind(0).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(local_server::serve(listener, reopened));
    let again: Value = reqwest::get(format!("http://{addr}/cafes?limit=100"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["items"], before.body["items"]);
    assert_eq!(
        again["nextCursor"], before.body["nextCursor"],
        "same secret, same cursor"
    );
}

#[tokio::test]
async fn q_searches_cafes_and_roasters_and_pages_with_cursors() {
    let app = spawn_app().await;
    let first = get(&app, "/cafes", "/cafes?q=TOKYO&limit=5").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 5);
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    let second = get(
        &app,
        "/cafes",
        &format!("/cafes?q=tokyo&limit=5&cursor={cursor}"),
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let (a, b) = (names(&first), names(&second));
    assert!(!b.is_empty() && b.iter().all(|n| !a.contains(n)));
    let other = get(&app, "/cafes", &format!("/cafes?q=oslo&cursor={cursor}")).await;
    assert_problem(&other, 400, "invalid-cursor");

    // Accents and filters: the same answer with and without the accent.
    let accented = get(
        &app,
        "/cafes",
        "/cafes?q=S%C3%A3o%20Paulo&country=BR&limit=100",
    )
    .await;
    let plain = get(&app, "/cafes", "/cafes?q=sao%20paulo&country=BR&limit=100").await;
    assert_eq!(accented.status, 200, "{}", accented.body);
    assert!(!names(&accented).is_empty());
    assert_eq!(names(&accented), names(&plain));
    for cafe in accented.body["items"].as_array().unwrap() {
        assert_eq!(cafe["location"]["country"], "BR");
    }

    let roasters = get(&app, "/roasters", "/roasters?q=roast&limit=3").await;
    assert_eq!(roasters.status, 200, "{}", roasters.body);
    assert!(!names(&roasters).is_empty());
}

#[tokio::test]
async fn a_data_directory_from_before_the_term_index_is_backfilled_on_start() {
    use shared::store::sqlite::SqliteStore;
    use shared::store::{Condition, ItemTable, Write, keys};

    let dir = tempfile::tempdir().unwrap();
    let config = tests::test_config(dir.path(), 30);
    drop(local_server::open(&config).await.unwrap());

    // Make it look like an older release's store: no term entries at all.
    let path = dir.path().join(local_server::DB_FILE);
    let store = SqliteStore::open(&path).unwrap();
    let catalog = shared::demo::catalog().unwrap();
    let partitions = catalog
        .cafes
        .iter()
        .map(|c| {
            (
                keys::cafe_pk(&c.id),
                shared::search::cafe_terms(&c.summary()),
            )
        })
        .chain(
            catalog
                .roasters
                .iter()
                .map(|r| (keys::roaster_pk(&r.id), shared::search::roaster_terms(r))),
        );
    for (pk, terms) in partitions {
        let writes = terms
            .iter()
            .map(|t| Write::Delete {
                pk: pk.clone(),
                sk: keys::term_sk(&t.token),
                condition: Condition::Always,
            })
            .collect();
        store.transact(writes).await.unwrap();
    }
    assert!(!store.has_term_entries().await.unwrap());
    drop(store);

    drop(local_server::open(&config).await.unwrap());
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.has_term_entries().await.unwrap());
    let first = &catalog.cafes[0];
    let page = shared::ports::CafeReader::list_cafes(
        &store,
        &shared::query::CafeQuery {
            search: Some(shared::search::SearchText::parse(&first.name).unwrap()),
            limit: shared::query::PageLimit::max(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(page.items.iter().any(|c| c.id == first.id));
}

#[tokio::test]
async fn cities_list_every_demo_city_with_a_slug_the_cafe_filter_takes() {
    let app = spawn_app().await;
    let reply = get(&app, "/cities", "/cities").await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("cache-control").unwrap().contains("s-maxage="));
    let items = reply.body["items"].as_array().unwrap();
    let total: u64 = items.iter().map(|c| c["cafeCount"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, shared::demo::catalog().unwrap().cafes.len());
    let tokyo = items.iter().find(|c| c["name"] == "Tokyo").unwrap();
    assert_eq!(tokyo["country"], "JP");
    // The slug is what `GET /cafes?city=` takes, and the count is what it lists.
    let mut listed = 0;
    let mut path = format!("/cafes?city={}&limit=100", tokyo["slug"].as_str().unwrap());
    loop {
        let page = get(&app, "/cafes", &path).await;
        listed += page.body["items"].as_array().unwrap().len();
        match page.body["nextCursor"].as_str() {
            Some(c) => path = format!("/cafes?city=tokyo&limit=100&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(Some(listed as u64), tokyo["cafeCount"].as_u64());
    let reply = get(&app, "/cities", "/cities?limit=3").await;
    assert_problem(&reply, 400, "invalid-parameter");
}

#[tokio::test]
async fn artisans_page_by_name_and_reject_bad_cursors() {
    let app = spawn_app().await;
    let reply = get(&app, "/artisans", "/artisans?limit=3").await;
    assert_eq!(reply.status, 200);
    assert_eq!(names(&reply).len(), 3);
    let cursor = reply.body["nextCursor"].as_str().unwrap().to_owned();
    let next = get(
        &app,
        "/artisans",
        &format!("/artisans?limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(next.status, 200);
    let (a, b) = (names(&reply), names(&next));
    let key = |n: &String| shared::store::keys::name_key(n);
    assert!(key(&a[2]) <= key(&b[0]), "{a:?} then {b:?}");
    let reply = get(&app, "/artisans", "/artisans?cursor=forged").await;
    assert_problem(&reply, 400, "invalid-cursor");
    let reply = get(&app, "/artisans", "/artisans?limit=0").await;
    assert_problem(&reply, 400, "invalid-parameter");
}

#[tokio::test]
async fn cafe_profiles_carry_an_e164_phone_and_no_cover_until_a_photo_is_ready() {
    let app = spawn_app().await;
    let cafe = shared::demo::catalog().unwrap().cafes[0].clone();
    let reply = get(&app, "/cafes/{cafeId}", &format!("/cafes/{}", cafe.id)).await;
    assert_eq!(reply.status, 200);
    let phone = reply.body["phone"].as_str().unwrap();
    assert!(phone.starts_with('+') && phone[1..].bytes().all(|b| b.is_ascii_digit()));
    assert!(reply.body.get("coverPhoto").is_none(), "no photo, no cover");
}
