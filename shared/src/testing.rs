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

/// The development token secret of handler tests (`CRAFTBEAN_DEV_JWT_SECRET` under
/// `cargo lambda watch`).
pub const TEST_DEV_JWT_SECRET: &str = "test-dev-jwt-secret-0123456789abcdef";

/// [`user_keys`] that also verify local bearer tokens signed with [`TEST_DEV_JWT_SECRET`], as
/// a function does under `cargo lambda watch` with `CRAFTBEAN_DEV_JWT_SECRET` set.
pub fn dev_user_keys() -> crate::identity::UserKeys {
    let dev = crate::identity::DevTokenSecret::new(TEST_DEV_JWT_SECRET.as_bytes())
        .unwrap_or_else(|e| panic!("test dev token secret: {e}"));
    user_keys().with_dev_tokens(dev)
}

/// `req` as `cargo lambda watch` delivers it: no authorizer claims (no request context at
/// all), and `Authorization: Bearer <token>` when a token is given.
pub fn without_authorizer(mut req: Request, token: Option<&str>) -> Request {
    *req.extensions_mut() = lambda_http::http::Extensions::new();
    if let Some(token) = token {
        let value = lambda_http::http::HeaderValue::from_str(&format!("Bearer {token}"))
            .unwrap_or_else(|e| panic!("token is not a header value: {e}"));
        req.headers_mut()
            .insert(lambda_http::http::header::AUTHORIZATION, value);
    }
    req
}

/// A local HS256 token for `sub` signed with `secret`, expiring at `exp` (epoch seconds).
pub fn local_token(sub: &str, exp: i64, secret: &str) -> String {
    crate::jwt::sign(
        &crate::jwt::Claims {
            sub: sub.to_owned(),
            exp,
        },
        secret.as_bytes(),
    )
}

/// The public user id test deployments give the token subject `sub`.
pub fn public_id(sub: &str) -> crate::domain::PublicUserId {
    let sub = crate::domain::UserId::parse(sub).unwrap_or_else(|e| panic!("subject {sub:?}: {e}"));
    user_keys().public_id(&sub)
}

/// Deletes the idempotency record of `key` under `scope` (`"create-story#<user>"`…), as if its
/// in-progress claim had expired before the request completed: the next request with that key
/// runs again.
pub async fn forget_idempotency_record<S: crate::store::ItemTable>(
    store: &S,
    scope: &str,
    key: &str,
) {
    let deleted = store
        .transact(vec![crate::store::Write::Delete {
            pk: crate::store::keys::idempotency_pk(&format!("{scope}#{key}")),
            sk: crate::store::keys::PROFILE_SK.to_owned(),
            condition: crate::store::Condition::Always,
        }])
        .await;
    if let Err(e) = deleted {
        panic!("deleting the idempotency record: {e:?}");
    }
}

/// Stores a new partner (`Partner <n>`, on `tier` with `limits`) and one key for it, created at
/// `now`; returns the partner and the key a test sends in `x-api-key`.
pub async fn partner_with_key<S: crate::ports::PartnerStore>(
    store: &S,
    n: u128,
    tier: crate::domain::partner::Tier,
    limits: crate::domain::partner::Limits,
    now: jiff::Timestamp,
) -> (
    crate::domain::partner::Partner,
    crate::domain::partner::ApiKeySecret,
) {
    use crate::domain::partner::{ApiKeySecret, KeyRecord, Partner};
    let mut partner = Partner::new(
        crate::domain::PartnerId::from_entropy(n),
        &format!("Partner {n}"),
        tier,
        now,
    )
    .unwrap_or_else(|e| panic!("test partner: {e}"));
    partner.limits = limits;
    if let Err(e) = store.create_partner(&partner).await {
        panic!("storing the test partner: {e}");
    }
    let key = ApiKeySecret::new(crate::domain::ApiKeyId::from_entropy(n), [n as u8; 32]);
    let record = KeyRecord {
        key_id: key.id().clone(),
        partner_id: partner.id.clone(),
        hash: key.hash(),
        created_at: now,
        valid_until: None,
    };
    if let Err(e) = store.add_key(&record, None).await {
        panic!("storing the test key: {e}");
    }
    (partner, key)
}

/// A partner API request as API Gateway hands it to a partner function: `GET https://api.example`
/// + `path`, request id `req-<n>`, the key in `x-api-key` (none when `key` is `None`) and `query`.
pub fn partner_request(path: &str, n: u32, key: Option<&str>, query: &[(&str, &str)]) -> Request {
    use lambda_http::RequestExt as _;
    let mut builder = lambda_http::http::Request::builder()
        .uri(format!("https://api.example{path}"))
        .header("x-request-id", format!("req-{n}"));
    if let Some(key) = key {
        builder = builder.header("x-api-key", key);
    }
    let query: std::collections::HashMap<String, String> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    match builder.body(Body::Empty) {
        Ok(req) => req.with_query_string_parameters(query),
        Err(e) => panic!("building a partner request: {e}"),
    }
}
