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
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/cafes?sort={sort}&limit=100&cursor={c}"),
                None => format!("/cafes?sort={sort}&limit=100"),
            };
            let reply = get(&app, "/cafes", &path).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            seen.extend(
                reply.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_owned()),
            );
            match reply.body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
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
        ("roaster=not-an-id", "roaster", "malformed roaster id"),
        ("city=", "city", "empty city"),
        ("city=%20%21", "city", "city without letters"),
        ("colour=brown", "colour", "unknown parameter"),
        ("cursor=garbage", "cursor", "garbage cursor"),
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
        assert_eq!(reply.header("allow"), Some("GET"));
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
