//! Handler tests with events/ fixtures against the demo catalogue in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_artisans::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::testing::{event, json_body};

fn deps(store: shared::store::sqlite::SqliteStore) -> Deps<shared::store::sqlite::SqliteStore> {
    Deps {
        store,
        cursors: CursorCodec::new(&[3u8; 32]).unwrap(),
    }
}

#[tokio::test]
async fn pages_through_every_artisan_by_name() {
    let deps = deps(shared::seed::demo_memory_store().await.unwrap());
    let response = handle(&deps, event("list-artisans")).await;
    assert_eq!(response.status(), 200);
    let mut body = json_body(&response);
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        5,
        "fixture asks for limit=5"
    );
    let mut names: Vec<String> = Vec::new();
    loop {
        names.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| shared::store::keys::name_key(a["name"].as_str().unwrap())),
        );
        let Some(cursor) = body["nextCursor"].as_str() else {
            break;
        };
        let mut req = event("list-artisans");
        let query = format!("limit=100&cursor={cursor}");
        *req.uri_mut() = format!("/artisans?{query}").parse().unwrap();
        let req = lambda_http::RequestExt::with_query_string_parameters(
            req,
            std::collections::HashMap::from([
                ("limit".to_owned(), "100".to_owned()),
                ("cursor".to_owned(), cursor.to_owned()),
            ]),
        );
        let response = handle(&deps, req).await;
        assert_eq!(response.status(), 200);
        body = json_body(&response);
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name");
    assert_eq!(names.len(), shared::demo::catalog().unwrap().artisans.len());
}

#[tokio::test]
async fn a_cursor_from_another_list_is_a_400() {
    let deps = deps(shared::seed::demo_memory_store().await.unwrap());
    let key = shared::query::PageKey {
        pk: "X".to_owned(),
        sk: "Y".to_owned(),
        sort: "Z".to_owned(),
    };
    let foreign = deps.cursors.encode("roasters|", &key);
    let req = lambda_http::RequestExt::with_query_string_parameters(
        event("list-artisans"),
        std::collections::HashMap::from([("cursor".to_owned(), foreign)]),
    );
    let response = handle(&deps, req).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        json_body(&response)["type"]
            .as_str()
            .map(|t| t.ends_with("invalid-cursor")),
        Some(true)
    );
}
