//! Handler tests: API Gateway fixtures from events/ against the demo catalogue in an embedded
//! store, plus failure injection for the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_cafes::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::domain::{Cafe, CafeId, CafeSummary};
use shared::ports::{CafeReader, StoreError};
use shared::query::{CafeQuery, Page};
use shared::testing::{event, json_body as json};

fn cursors() -> CursorCodec {
    CursorCodec::new(&[9u8; 32]).unwrap()
}

#[tokio::test]
async fn lists_tokyo_cafes_from_the_fixture() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let response = handle(&deps, event("list-cafes")).await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "fixture asks for limit=5");
    assert!(items.iter().all(|c| c["location"]["city"] == "Tokyo"));
    assert!(
        body["nextCursor"].is_string(),
        "Tokyo has more than five demo cafés"
    );
    assert_eq!(response.headers()["x-request-id"], "fixture-list-cafes");
}

#[tokio::test]
async fn invalid_fixture_names_every_bad_parameter() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let response = handle(&deps, event("list-cafes-invalid")).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let names: Vec<String> = json(&response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["amenity", "sort", "limit"]);
}

/// A store that always fails the way the chosen error says.
struct FailingStore(fn() -> StoreError);

impl CafeReader for FailingStore {
    async fn list_cafes(&self, _: &CafeQuery) -> Result<Page<CafeSummary>, StoreError> {
        Err((self.0)())
    }
    async fn get_cafe(&self, _: &CafeId) -> Result<Option<Cafe>, StoreError> {
        Err((self.0)())
    }
}

#[tokio::test]
async fn store_failures_are_opaque_500s_and_throttling_is_a_503() {
    let failing = Deps {
        store: FailingStore(|| StoreError::Backend {
            operation: "query",
            source: "connection reset by secret-host.internal".into(),
        }),
        cursors: cursors(),
    };
    let response = handle(&failing, event("list-cafes")).await;
    assert_eq!(response.status(), 500);
    let body = json(&response);
    assert_eq!(body["type"], "https://craftbean.app/problems/internal");
    assert!(
        !body.to_string().contains("secret-host"),
        "no internals leak: {body}"
    );

    let throttled = Deps {
        store: FailingStore(|| StoreError::Throttled { operation: "query" }),
        cursors: cursors(),
    };
    let response = handle(&throttled, event("list-cafes")).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
}

/// The fixture request with its query string replaced by `pairs`.
fn with_query(pairs: &[(&str, &str)]) -> lambda_http::Request {
    use lambda_http::RequestExt;
    use std::collections::HashMap;
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    event("list-cafes").with_query_string_parameters(map)
}

fn invalid_names(response: &lambda_http::Response<lambda_http::Body>) -> Vec<String> {
    assert_eq!(response.status(), 400);
    json(response)["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

fn matches(q: &str, item: &serde_json::Value) -> bool {
    let cafe: CafeSummary = serde_json::from_value(item.clone()).unwrap();
    let text = shared::search::SearchText::parse(q).unwrap();
    text.quality(&shared::search::cafe_terms(&cafe)).is_some()
}

#[tokio::test]
async fn q_searches_names_roasters_neighbourhoods_and_cities_across_pages() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let first = handle(&deps, with_query(&[("q", "TOKYO"), ("limit", "4")])).await;
    assert_eq!(first.status(), 200);
    let body = json(&first);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|c| matches("tokyo", c)));
    let cursor = body["nextCursor"].as_str().unwrap().to_owned();

    let second = handle(
        &deps,
        with_query(&[("q", "tokyo"), ("limit", "4"), ("cursor", &cursor)]),
    )
    .await;
    assert_eq!(second.status(), 200, "same words, other case: same query");
    let next = json(&second);
    let next_items = next["items"].as_array().unwrap();
    assert!(!next_items.is_empty());
    assert!(next_items.iter().all(|c| !items.contains(c)), "no overlap");

    let other = handle(&deps, with_query(&[("q", "oslo"), ("cursor", &cursor)])).await;
    assert_eq!(other.status(), 400);
    assert_eq!(
        json(&other)["type"],
        "https://craftbean.app/problems/invalid-cursor"
    );
}

#[tokio::test]
async fn q_combines_with_filters() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let all = json(&handle(&deps, with_query(&[("q", "cafe"), ("limit", "100")])).await);
    let response = handle(
        &deps,
        with_query(&[("q", "cafe"), ("country", "JP"), ("limit", "100")]),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.len() < all["items"].as_array().unwrap().len());
    for item in items {
        assert_eq!(item["location"]["country"], "JP");
        assert!(matches("cafe", item));
    }
}

#[tokio::test]
async fn bad_q_values_are_400s_naming_q() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    };
    let long = "a".repeat(shared::search::MAX_QUERY_CHARS + 1);
    // (q, why it is refused)
    let cases = [
        ("", "empty"),
        ("   ", "blank"),
        ("☕ !!", "no letters or digits"),
        (long.as_str(), "too long"),
        ("a b c d e f", "too many words"),
    ];
    for (q, why) in cases {
        let response = handle(&deps, with_query(&[("q", q)])).await;
        assert_eq!(invalid_names(&response), ["q"], "{why}");
    }
    let response = handle(&deps, with_query(&[("q", "cafe"), ("sort", "rating")])).await;
    assert_eq!(invalid_names(&response), ["sort"], "sort with q");
    let reason = json(&response)["invalidParams"][0]["reason"].clone();
    assert!(reason.as_str().unwrap().contains("relevance"), "{reason}");
}

/// The fixture request with its query string replaced by `pairs`, names possibly repeated.
fn with_pairs(pairs: &[(&str, &str)]) -> lambda_http::Request {
    use lambda_http::RequestExt;
    use std::collections::HashMap;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        map.entry((*k).to_owned())
            .or_default()
            .push((*v).to_owned());
    }
    event("list-cafes").with_query_string_parameters(map)
}

async fn demo() -> Deps<shared::store::sqlite::SqliteStore> {
    Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: cursors(),
    }
}

/// Every item of every page for `pairs` (page size 7), following cursors.
async fn every_page<S: CafeReader>(deps: &Deps<S>, pairs: &[(&str, &str)]) -> Vec<CafeSummary> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut query = pairs.to_vec();
        query.push(("limit", "7"));
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let response = handle(deps, with_pairs(&query)).await;
        assert_eq!(response.status(), 200, "{pairs:?}: {:?}", json(&response));
        let body = json(&response);
        out.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| serde_json::from_value::<CafeSummary>(i.clone()).unwrap()),
        );
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
    panic!("pagination does not terminate for {pairs:?}");
}

#[tokio::test]
async fn repeated_amenities_must_all_hold_and_price_levels_are_any_of() {
    use shared::domain::Amenity;
    let deps = demo().await;
    let one = every_page(&deps, &[("amenity", "wifi")]).await;
    let both = every_page(
        &deps,
        &[("amenity", "outdoor-seating"), ("amenity", "wifi")],
    )
    .await;
    assert!(!both.is_empty() && both.len() < one.len());
    assert!(both.iter().all(|c| {
        c.amenities.contains(&Amenity::Wifi) && c.amenities.contains(&Amenity::OutdoorSeating)
    }));
    let expected: Vec<&str> = one
        .iter()
        .filter(|c| c.amenities.contains(&Amenity::OutdoorSeating))
        .map(|c| c.id.as_str())
        .collect();
    let got: Vec<&str> = both.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, expected);

    let cheap = every_page(&deps, &[("priceLevel", "1"), ("priceLevel", "2")]).await;
    let all = every_page(&deps, &[]).await;
    let expected: Vec<&str> = all
        .iter()
        .filter(|c| c.price_level.get() <= 2)
        .map(|c| c.id.as_str())
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    let got: Vec<&str> = cheap.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, expected);
    let two = every_page(&deps, &[("priceLevel", "2"), ("priceLevel", "2")]).await;
    assert!(
        two.iter().all(|c| c.price_level.get() == 2),
        "duplicates are harmless"
    );
}

#[tokio::test]
async fn min_rating_compares_the_average_and_skips_unreviewed_cafes() {
    let deps = demo().await;
    let all = every_page(&deps, &[]).await;
    for min in ["0", "3.5", "4.5", "5"] {
        let got = every_page(&deps, &[("minRating", min), ("sort", "rating")]).await;
        let min: f64 = min.parse().unwrap();
        let mut expected: Vec<&CafeSummary> = all
            .iter()
            .filter(|c| {
                c.rating
                    .average
                    .map_or(min == 0.0, |average| average >= min)
            })
            .collect();
        expected.sort_by_key(|c| {
            shared::store::keys::by_rating(
                c.rating.average.unwrap_or(0.0),
                c.rating.count,
                &c.name,
                c.id.as_str(),
            )
        });
        let expected: Vec<&str> = expected.iter().map(|c| c.id.as_str()).collect();
        let got: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(got, expected, "minRating {min}");
    }
}

#[tokio::test]
async fn open_now_is_judged_at_the_instant_in_each_cafes_zone() {
    let deps = demo().await;
    let all = every_page(&deps, &[]).await;
    let at = "2026-11-23T07:30:00Z";
    let instant: jiff::Timestamp = at.parse().unwrap();
    let got = every_page(&deps, &[("openNow", "true"), ("at", at)]).await;
    let mut expected = Vec::new();
    for cafe in &all {
        let profile = deps.store.get_cafe(&cafe.id).await.unwrap().unwrap();
        if profile.hours.is_open_at(instant) {
            expected.push(cafe.id.as_str());
        }
    }
    assert!(!expected.is_empty() && expected.len() < all.len());
    let got: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, expected);

    // openNow=false is no filter at all.
    let unfiltered = every_page(&deps, &[("openNow", "false")]).await;
    assert_eq!(unfiltered.len(), all.len());

    // An explicit instant can be cached like the catalogue; "now" only briefly.
    let fixed = handle(&deps, with_pairs(&[("openNow", "true"), ("at", at)])).await;
    let now = handle(&deps, with_pairs(&[("openNow", "true")])).await;
    let max_age = |r: &lambda_http::Response<lambda_http::Body>| {
        r.headers()["cache-control"].to_str().unwrap().to_owned()
    };
    assert!(
        max_age(&fixed).contains("s-maxage=300"),
        "{}",
        max_age(&fixed)
    );
    assert!(max_age(&now).contains("s-maxage=30,"), "{}", max_age(&now));
}

/// The instant a cursor carries, read from its (signed, not encrypted) payload.
fn cursor_instant(cursor: &str) -> Option<String> {
    use base64::Engine;
    let body = cursor.split('.').next().unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .unwrap(),
    )
    .unwrap();
    json["t"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn cursors_carry_the_open_now_instant_and_every_filter() {
    let deps = demo().await;
    let first = handle(&deps, with_pairs(&[("openNow", "true"), ("limit", "2")])).await;
    assert_eq!(first.status(), 200);
    let cursor = json(&first)["nextCursor"].as_str().unwrap().to_owned();
    assert!(
        cursor_instant(&cursor).is_some(),
        "openNow=true without at: the cursor holds now"
    );
    let next = handle(
        &deps,
        with_pairs(&[("openNow", "true"), ("limit", "2"), ("cursor", &cursor)]),
    )
    .await;
    assert_eq!(next.status(), 200);
    let next_cursor = json(&next)["nextCursor"].as_str().map(str::to_owned);
    if let Some(next_cursor) = next_cursor {
        assert_eq!(
            cursor_instant(&next_cursor),
            cursor_instant(&cursor),
            "every page is judged at the first page's instant"
        );
    }

    let amenities = [
        ("amenity", "wifi"),
        ("amenity", "outdoor-seating"),
        ("limit", "1"),
    ];
    let first = handle(&deps, with_pairs(&amenities)).await;
    let cursor = json(&first)["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(cursor_instant(&cursor), None, "no openNow, no instant");
    let reordered = [
        ("amenity", "outdoor-seating"),
        ("amenity", "wifi"),
        ("limit", "1"),
        ("cursor", cursor.as_str()),
    ];
    assert_eq!(
        handle(&deps, with_pairs(&reordered)).await.status(),
        200,
        "the order of repeated values does not matter"
    );
    // The same cursor with any other filter set is refused.
    let others: [&[(&str, &str)]; 6] = [
        &[("amenity", "wifi")],
        &[
            ("amenity", "wifi"),
            ("amenity", "outdoor-seating"),
            ("amenity", "power-outlets"),
        ],
        &[
            ("amenity", "wifi"),
            ("amenity", "outdoor-seating"),
            ("priceLevel", "2"),
        ],
        &[
            ("amenity", "wifi"),
            ("amenity", "outdoor-seating"),
            ("minRating", "4"),
        ],
        &[
            ("amenity", "wifi"),
            ("amenity", "outdoor-seating"),
            ("openNow", "true"),
        ],
        &[
            ("amenity", "wifi"),
            ("amenity", "outdoor-seating"),
            ("openNow", "true"),
            ("at", "2026-11-23T07:30:00Z"),
        ],
    ];
    for other in others {
        let mut pairs = other.to_vec();
        pairs.push(("cursor", &cursor));
        let response = handle(&deps, with_pairs(&pairs)).await;
        assert_eq!(response.status(), 400, "{other:?}");
        assert_eq!(
            json(&response)["type"],
            "https://craftbean.app/problems/invalid-cursor",
            "{other:?}"
        );
    }

    // openNow at an explicit instant and openNow "now" are different queries.
    let fixed = [
        ("openNow", "true"),
        ("at", "2026-11-23T07:30:00Z"),
        ("limit", "1"),
    ];
    let first = handle(&deps, with_pairs(&fixed)).await;
    let cursor = json(&first)["nextCursor"].as_str().unwrap().to_owned();
    let now = [
        ("openNow", "true"),
        ("limit", "1"),
        ("cursor", cursor.as_str()),
    ];
    assert_eq!(handle(&deps, with_pairs(&now)).await.status(), 400);
}

/// A query string as (name, value) pairs.
type Pairs<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn bad_new_filter_values_are_400s_naming_the_parameter() {
    let deps = demo().await;
    // (query, the parameter named, why)
    let cases: &[(Pairs, &str, &str)] = &[
        (&[("minRating", "5.1")], "minRating", "above 5"),
        (&[("minRating", "-0.5")], "minRating", "below 0"),
        (&[("minRating", "NaN")], "minRating", "not a number"),
        (&[("minRating", "four")], "minRating", "words"),
        (
            &[("minRating", "4"), ("minRating", "5")],
            "minRating",
            "repeated",
        ),
        (&[("priceLevel", "0")], "priceLevel", "below 1"),
        (&[("priceLevel", "5")], "priceLevel", "above 4"),
        (&[("priceLevel", "1.5")], "priceLevel", "not an integer"),
        (
            &[("priceLevel", "1"), ("priceLevel", "cheap")],
            "priceLevel",
            "one bad of two",
        ),
        (&[("priceLevel", "1,2")], "priceLevel", "comma list"),
        (&[("amenity", "jacuzzi")], "amenity", "unknown amenity"),
        (
            &[("amenity", "wifi"), ("amenity", "jacuzzi")],
            "amenity",
            "one unknown of two",
        ),
        (
            &[("amenity", "wifi,outdoor-seating")],
            "amenity",
            "comma list",
        ),
        (
            &[("amenity", "wifi"), ("amenity", "")],
            "amenity",
            "one empty",
        ),
        (&[("openNow", "1")], "openNow", "not true/false"),
        (&[("openNow", "TRUE")], "openNow", "case"),
        (
            &[("openNow", "true"), ("openNow", "true")],
            "openNow",
            "repeated",
        ),
        (
            &[("openNow", "true"), ("at", "tomorrow")],
            "at",
            "not a date",
        ),
        (
            &[("openNow", "true"), ("at", "2026-11-23T08:30:00")],
            "at",
            "no offset",
        ),
        (&[("at", "2026-11-23T08:30:00Z")], "at", "without openNow"),
        (
            &[("openNow", "false"), ("at", "2026-11-23T08:30:00Z")],
            "at",
            "with openNow=false",
        ),
    ];
    for (pairs, name, why) in cases {
        let response = handle(&deps, with_pairs(pairs)).await;
        assert_eq!(invalid_names(&response), [*name], "{why}");
    }
    let response = handle(&deps, with_pairs(&[("amenity", "jacuzzi")])).await;
    let reason = json(&response)["invalidParams"][0]["reason"].clone();
    assert!(
        reason.as_str().unwrap().contains("outdoor-seating"),
        "{reason}"
    );
}

#[tokio::test]
async fn one_400_names_every_bad_new_parameter() {
    let deps = demo().await;
    let response = handle(
        &deps,
        with_pairs(&[
            ("amenity", "wifi"),
            ("amenity", "jacuzzi"),
            ("priceLevel", "9"),
            ("minRating", "6"),
            ("openNow", "maybe"),
            ("at", "noon"),
            ("sort", "best"),
        ]),
    )
    .await;
    assert_eq!(
        invalid_names(&response),
        [
            "amenity",
            "priceLevel",
            "minRating",
            "openNow",
            "at",
            "sort"
        ]
    );
}
