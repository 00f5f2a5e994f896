//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_roasters::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_the_first_page_of_roasters() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: CursorCodec::new(&[3u8; 32]).unwrap(),
    };
    let response = handle(&deps, event("list-roasters")).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        10,
        "fixture asks for limit=10"
    );
    assert!(
        body["nextCursor"].is_string(),
        "the demo has more than ten roasters"
    );
}

fn with_query(pairs: &[(&str, &str)]) -> lambda_http::Request {
    use lambda_http::RequestExt;
    use std::collections::HashMap;
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    event("list-roasters").with_query_string_parameters(map)
}

#[tokio::test]
async fn q_searches_roaster_names_and_cities_with_the_country_filter() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: CursorCodec::new(&[3u8; 32]).unwrap(),
    };
    let response = handle(&deps, with_query(&[("q", "roasters"), ("limit", "100")])).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let text = shared::search::SearchText::parse("roasters").unwrap();
    for item in items {
        let roaster: shared::domain::Roaster = serde_json::from_value(item.clone()).unwrap();
        assert!(
            text.quality(&shared::search::roaster_terms(&roaster))
                .is_some()
        );
    }
    let country = items[0]["country"].as_str().unwrap().to_owned();
    let response = handle(
        &deps,
        with_query(&[("q", "roasters"), ("country", &country)]),
    )
    .await;
    let body = json_body(&response);
    let local = body["items"].as_array().unwrap();
    assert!(!local.is_empty());
    assert!(local.iter().all(|r| r["country"] == country.as_str()));
}

#[tokio::test]
async fn bad_q_values_are_400s_naming_q() {
    let deps = Deps {
        store: shared::seed::demo_memory_store().await.unwrap(),
        cursors: CursorCodec::new(&[3u8; 32]).unwrap(),
    };
    for q in ["", " ", "…", "a b c d e f"] {
        let response = handle(&deps, with_query(&[("q", q)])).await;
        assert_eq!(response.status(), 400, "{q:?}");
        let body = json_body(&response);
        assert_eq!(body["invalidParams"][0]["name"], "q", "{q:?}");
    }
}
