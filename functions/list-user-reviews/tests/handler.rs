//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use list_user_reviews::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn lists_a_demo_users_reviews_newest_first_with_their_name() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        cursors: shared::cursor::CursorCodec::new(b"test-cursor-secret-0123456789abcdef").unwrap(),
    };
    let catalog = shared::demo::catalog().unwrap();
    let person = &catalog.people.users[0];
    let mut expected: Vec<_> = catalog
        .people
        .reviews
        .iter()
        .filter(|r| r.author_id == person.id)
        .collect();
    expected.sort_by_key(|r| std::cmp::Reverse(r.created_at));

    let response = handle(&deps, event("list-user-reviews")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let body = json_body(&response);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), expected.len().min(5));
    for (item, review) in items.iter().zip(&expected) {
        assert_eq!(item["id"], review.id.as_str());
        assert_eq!(item["author"]["id"], person.id.as_str());
        assert_eq!(item["author"]["displayName"], person.display_name.as_str());
    }
    assert_eq!(body["nextCursor"].is_string(), expected.len() > 5);
}

#[tokio::test]
async fn an_unknown_user_is_404() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps {
        store,
        cursors: shared::cursor::CursorCodec::new(b"test-cursor-secret-0123456789abcdef").unwrap(),
    };
    let mut req = event("list-user-reviews");
    *req.uri_mut() = "/users/usr_0000000000000000/reviews".parse().unwrap();
    *req.extensions_mut() = lambda_http::http::Extensions::new();
    let response = handle(&deps, req).await;
    assert_eq!(response.status(), 404, "{}", json_body(&response));
}
