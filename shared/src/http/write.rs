//! What every write route shares: the caller's identity, JSON bodies, and idempotent execution
//! keyed by the `Idempotency-Key` header.

use std::future::Future;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::problem::{ApiError, InvalidParam};
use super::respond::Reply;
use crate::domain::{PublicUserId, UserId};
use crate::identity::UserKeys;
use crate::ports::{Claim, IdempotencyStore};

/// Header carrying the client's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The authenticated user: the `sub` claim API Gateway's JWT authorizer verified. Never read
/// from the body or a client header.
pub fn authenticated_user(req: &Request) -> Result<UserId, ApiError> {
    let sub = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .and_then(|jwt| jwt.claims.get("sub"))
            .cloned(),
        _ => None,
    };
    let sub =
        sub.ok_or_else(|| ApiError::Unauthorized("a valid bearer token is required".to_owned()))?;
    UserId::parse(&sub).map_err(|_| {
        ApiError::Unauthorized("the token's subject is not a valid user id".to_owned())
    })
}

/// The authenticated caller's public user id (see [`crate::identity`]): the verified `sub`
/// goes through the keyed hash here and nowhere else.
pub fn caller(req: &Request, keys: &UserKeys) -> Result<PublicUserId, ApiError> {
    authenticated_user(req).map(|sub| keys.public_id(&sub))
}

/// The body as a JSON object.
pub fn json_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.is_empty() {
        return Err(ApiError::InvalidBody(
            "is empty; send a JSON object".to_owned(),
        ));
    }
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::InvalidBody(format!(
            "is larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::InvalidBody("must be a JSON object".to_owned())),
        Err(e) => Err(ApiError::InvalidBody(format!("is not valid JSON: {e}"))),
    }
}

/// Collects field errors so one 422 names every bad field.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<InvalidParam>,
}

impl Fields {
    /// Rejects fields outside `accepted`.
    pub fn new(body: &Map<String, Value>, accepted: &[&str]) -> Self {
        let errors = body
            .keys()
            .filter(|k| !accepted.contains(&k.as_str()))
            .map(|k| {
                InvalidParam::body(
                    k,
                    format!("is not a known field; accepted: {}", accepted.join(", ")),
                )
            })
            .collect();
        Self { errors }
    }

    /// Parses a required field.
    pub fn required<T, E: std::fmt::Display>(
        &mut self,
        body: &Map<String, Value>,
        name: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Option<T> {
        match body.get(name) {
            None | Some(Value::Null) => {
                self.errors.push(InvalidParam::body(name, "is required"));
                None
            }
            Some(value) => self.check(name, parse(value)),
        }
    }

    /// Parses an optional field (absent or `null` is `None`).
    pub fn optional<T, E: std::fmt::Display>(
        &mut self,
        body: &Map<String, Value>,
        name: &str,
        parse: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Option<T> {
        match body.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => self.check(name, parse(value)),
        }
    }

    /// Records a failed rule for `name`.
    pub fn reject(&mut self, name: &str, reason: impl std::fmt::Display) {
        self.errors.push(InvalidParam::body(name, reason));
    }

    fn check<T, E: std::fmt::Display>(&mut self, name: &str, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|e| self.errors.push(InvalidParam::body(name, e)))
            .ok()
    }

    /// One 422 naming every bad field, or `Ok`.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::ValidationFailed(self.errors))
        }
    }
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters, if present.
pub fn idempotency_key(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        ApiError::InvalidParameters(vec![InvalidParam::header(
            "Idempotency-Key",
            "must be 1–255 visible ASCII characters (a UUID is a good choice)",
        )])
    })
}

/// Runs `op` at most once per (`scope`, `key`): a repeat with the same payload within 24 h
/// replays the first response; a different payload is a 422; a concurrent duplicate gets a 409
/// to retry. Failed operations release the key so a corrected request may reuse it.
pub async fn run_idempotent<S, F, Fut>(
    store: &S,
    key: Option<String>,
    scope: &str,
    payload: &Value,
    now: i64,
    op: F,
) -> Result<Reply, ApiError>
where
    S: IdempotencyStore,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let Some(key) = key else {
        return op().await;
    };
    let record_key = format!("{scope}#{key}");
    // serde_json's default map is ordered by key, so equal payloads hash equally.
    let hash: String = Sha256::digest(payload.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match store.claim(&record_key, &hash, now).await? {
        Claim::Acquired => {}
        Claim::Replay(stored) => return Ok(Reply::from_stored(&stored)),
        Claim::InProgress => return Err(ApiError::InProgress),
        Claim::PayloadMismatch => return Err(ApiError::IdempotencyKeyReused),
    }
    match op().await {
        Ok(reply) => {
            store
                .complete(&record_key, &hash, &reply.to_stored(), now)
                .await?;
            Ok(reply)
        }
        Err(err) => {
            if let Err(release) = store.release(&record_key).await {
                tracing::error!(error = %release, "could not release idempotency key");
            }
            Err(err)
        }
    }
}

/// Records one write for `user`, or a 429 with the time until the window resets.
pub async fn check_write_limit<L: crate::ports::WriteLimiter>(
    limiter: &L,
    user: &PublicUserId,
    now: jiff::Timestamp,
    limit: u32,
) -> Result<(), ApiError> {
    match limiter.record_write(user, now.as_second(), limit).await? {
        crate::ports::Allowance::Allowed => Ok(()),
        crate::ports::Allowance::Limited { retry_after_secs } => Err(ApiError::TooManyWrites {
            retry_after_secs,
            limit,
        }),
    }
}
