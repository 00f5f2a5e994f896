//! Handler tests with events/ fixtures: unknown paths are 404s, known paths with the wrong
//! method are 405s with `Allow`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use route_not_found::handle;
use shared::testing::{event, json_body};

#[test]
fn unknown_path_is_a_404_problem() {
    let response = handle(&event("route-not-found"));
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body = json_body(&response);
    assert_eq!(
        body["type"],
        "https://craftbean.app/problems/route-not-found"
    );
    assert_eq!(body["requestId"], "fixture-route-not-found");
}

#[test]
fn wrong_method_is_a_405_with_allow() {
    let response = handle(&event("route-not-found-method"));
    assert_eq!(response.status(), 405);
    // GET routes answer HEAD too.
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    assert_eq!(
        json_body(&response)["type"],
        "https://craftbean.app/problems/method-not-allowed"
    );
}
