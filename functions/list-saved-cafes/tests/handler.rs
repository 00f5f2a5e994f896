//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_saved_cafes::{Deps, handle};
use shared::cursor::CursorCodec;
use shared::domain::SavedCafe;
use shared::ports::SavedCafeStore;
use shared::testing::{event, json_body, public_id, user_keys};

#[tokio::test]
async fn lists_saved_cafes_newest_first_with_current_summaries_and_pages() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let user = public_id("fixture-user");
    let cafes = shared::demo::catalog().unwrap().cafes;
    let start = jiff::Timestamp::from_second(1_790_000_000).unwrap();
    for (i, cafe) in cafes.iter().take(7).enumerate() {
        let saved = SavedCafe {
            cafe_id: cafe.id.clone(),
            saved_at: start + jiff::SignedDuration::from_secs(i as i64),
        };
        store.save_cafe(&user, &saved).await.unwrap();
    }
    let deps = Deps {
        store,
        users: user_keys(),
        cursors: CursorCodec::new(b"test-cursor-secret-0123456789abcdef").unwrap(),
    };
    let response = handle(&deps, event("list-saved-cafes")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_body(&response);
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["cafe"]["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = cafes
        .iter()
        .take(7)
        .rev()
        .take(5)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, expected, "most recently saved first");
    let cursor = body["nextCursor"].as_str().unwrap();

    use lambda_http::RequestExt;
    let next =
        event("list-saved-cafes").with_query_string_parameters(std::collections::HashMap::from([
            ("limit".to_owned(), "5".to_owned()),
            ("cursor".to_owned(), cursor.to_owned()),
        ]));
    let response = handle(&deps, next).await;
    let body = json_body(&response);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert!(body["nextCursor"].is_null());
}
