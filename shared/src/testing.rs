//! Test support for handler tests (feature `testing`): load an API Gateway fixture from
//! `events/` and decode a response body.

use lambda_http::{Body, Request, Response};

/// Loads `events/<name>.json` (an API Gateway HTTP API v2 event) as a Lambda request.
/// Panics with the file name when the fixture is missing or malformed: test code only.
pub fn event(name: &str) -> Request {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    lambda_http::request::from_str(&text)
        .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The JSON body of a response (`null` when empty).
pub fn json_body(response: &Response<Body>) -> serde_json::Value {
    let bytes: &[u8] = match response.body() {
        Body::Binary(bytes) => bytes,
        Body::Text(text) => text.as_bytes(),
        _ => &[],
    };
    if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("response body is not JSON: {e}"))
    }
}

/// The user-id secret of handler tests and test apps.
pub const TEST_USER_ID_SECRET: &str = "test-user-id-secret-0123456789abcdef";

/// The user-id hash keyed with [`TEST_USER_ID_SECRET`].
pub fn user_keys() -> crate::identity::UserKeys {
    crate::identity::UserKeys::new(TEST_USER_ID_SECRET.as_bytes())
        .unwrap_or_else(|e| panic!("test user-id secret: {e}"))
}

/// The public user id test deployments give the token subject `sub`.
pub fn public_id(sub: &str) -> crate::domain::PublicUserId {
    let sub = crate::domain::UserId::parse(sub).unwrap_or_else(|e| panic!("subject {sub:?}: {e}"));
    user_keys().public_id(&sub)
}
