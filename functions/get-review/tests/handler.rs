//! Handler tests with events/ fixtures against the demo data in an embedded store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use get_review::{Deps, handle};
use shared::testing::{event, json_body};

#[tokio::test]
async fn shows_one_review_with_its_author() {
    let store = shared::seed::demo_memory_store().await.unwrap();
    let deps = Deps { store };
    let catalog = shared::demo::catalog().unwrap();
    let review = &catalog.people.reviews[0];
    let author = catalog
        .people
        .users
        .iter()
        .find(|u| u.id == review.author_id)
        .unwrap();
    let response = handle(&deps, event("get-review")).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let body = json_body(&response);
    assert_eq!(body["id"], review.id.as_str());
    assert_eq!(body["rating"], review.rating.stars());
    assert_eq!(body["author"]["displayName"], author.display_name.as_str());
    assert_eq!(
        body["authorId"], body["author"]["id"],
        "deprecated twin of author.id"
    );

    let mut req = event("get-review");
    *req.uri_mut() = "/reviews/rev_0000000000000000".parse().unwrap();
    *req.extensions_mut() = lambda_http::http::Extensions::new();
    assert_eq!(handle(&deps, req).await.status(), 404);
}
