//! End-to-end nearby search: the local server over real HTTP on the seeded demo store, every
//! response checked against infra/openapi.yaml, results checked against a brute-force scan of
//! the demo catalogue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::geo;
use tests::openapi::documented;
use tests::{Reply, TestApp, spawn_app};

const ROUTE: &str = "/cafes/nearby";

async fn get(app: &TestApp, query: &str) -> Reply {
    documented(app.get(&format!("{ROUTE}?{query}")).await, "GET", ROUTE)
}

#[tokio::test]
async fn every_page_of_a_search_equals_a_brute_force_scan() {
    let app = spawn_app().await;
    let catalog = shared::demo::catalog().unwrap();
    let at = "2026-11-23T09:00:00Z";
    let instant: jiff::Timestamp = at.parse().unwrap();
    for (lat, lng, radius, filter) in [
        (35.6812, 139.7671, 4_000, ""),
        (35.6812, 139.7671, 4_000, "&openNow=true"),
        (51.5074, -0.1278, 10_000, "&amenity=wifi"),
        (-33.8688, 151.2093, 50_000, "&minRating=4"),
        (0.0, 0.0, 50_000, ""),
    ] {
        let centre = shared::domain::Coordinates::new(lat, lng).unwrap();
        let mut expected: Vec<(f64, String)> = catalog
            .cafes
            .iter()
            .filter(|c| match filter {
                "&openNow=true" => c.hours.is_open_at(instant),
                "&amenity=wifi" => c.amenities.contains(&shared::domain::Amenity::Wifi),
                "&minRating=4" => c.rating.average_or_zero() >= 4.0,
                _ => true,
            })
            .map(|c| {
                (
                    geo::distance_m(centre, c.location.coordinates),
                    c.id.to_string(),
                )
            })
            .filter(|(d, _)| *d <= f64::from(radius))
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

        let mut got = Vec::new();
        let mut cursor = String::new();
        loop {
            let reply = get(
                &app,
                &format!("lat={lat}&lng={lng}&radiusM={radius}&limit=6&at={at}{filter}{cursor}"),
            )
            .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            // Echoed in the one wire format of instants (three fractional digits, UTC).
            assert_eq!(
                reply.body["at"],
                shared::domain::time::format_millis(at.parse().unwrap())
            );
            got.extend(reply.item_ids());
            match reply.body["nextCursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(got, expected, "{lat},{lng} r={radius}{filter}");
    }
}

#[tokio::test]
async fn bad_positions_and_ranges_are_400s_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, param) in [
        ("lng=1", "lat"),
        ("lat=1", "lng"),
        ("lat=NaN&lng=1", "lat"),
        ("lat=90.5&lng=1", "lat"),
        ("lat=1&lng=-180.01", "lng"),
        ("lat=1&lng=1&radiusM=0", "radiusM"),
        ("lat=1&lng=1&radiusM=50001", "radiusM"),
        ("lat=1&lng=1&limit=51", "limit"),
        ("lat=1&lng=1&at=tomorrow", "at"),
        ("lat=1&lng=1&openNow=1", "openNow"),
        ("lat=1&lng=1&cursor=abc", "cursor"),
    ] {
        let reply = get(&app, query).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        let named: Vec<&str> = reply.body["invalidParams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(named, vec![param], "{query}");
    }
}

#[tokio::test]
async fn nearby_is_not_mistaken_for_a_cafe_id() {
    let app = spawn_app().await;
    let reply = get(&app, "lat=35.6812&lng=139.7671").await;
    assert_eq!(reply.status, 200);
    // OpenAPI documents the 405 answer under the path's GET operation.
    let reply = documented(app.request("POST", ROUTE, &[]).await, "GET", ROUTE);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn a_data_directory_from_before_the_geo_index_is_backfilled_on_start() {
    use shared::ports::NearbyReader;
    use shared::query::{NearbyFilter, NearbyLimit, NearbyQuery, Radius};
    use shared::store::sqlite::SqliteStore;
    use shared::store::{Condition, ItemTable, Write, keys};

    let dir = tempfile::tempdir().unwrap();
    let config = tests::test_config(dir.path(), 30);
    drop(local_server::open(&config).await.unwrap());

    // Make it look like an older release's store: no geo entries at all.
    let path = dir.path().join(local_server::DB_FILE);
    let store = SqliteStore::open(&path).unwrap();
    let catalog = shared::demo::catalog().unwrap();
    for cafe in &catalog.cafes {
        let writes = geo::LEVELS
            .iter()
            .map(|level| Write::Delete {
                pk: keys::cafe_pk(&cafe.id),
                sk: keys::geo_sk(*level),
                condition: Condition::Always,
            })
            .collect();
        store.transact(writes).await.unwrap();
    }
    assert!(!store.has_geo_entries().await.unwrap());
    drop(store);

    drop(local_server::open(&config).await.unwrap());
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.has_geo_entries().await.unwrap());
    let tokyo = catalog.cafes[0].location.coordinates;
    let page = store
        .nearby_cafes(&NearbyQuery {
            centre: tokyo,
            radius: Radius::new(1).unwrap(),
            filter: NearbyFilter::default(),
            at: jiff::Timestamp::now(),
            limit: NearbyLimit::default(),
            after: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].cafe.id, catalog.cafes[0].id);
}
