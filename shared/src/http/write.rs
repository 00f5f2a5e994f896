//! What every write route shares: the caller's identity, JSON bodies, and idempotent execution
//! keyed by the `Idempotency-Key` header.

use std::future::Future;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde_json::{Map, Value};

use super::problem::{ApiError, InvalidParam};
use super::respond::Reply;
use crate::config::WriteLimits;
use crate::digest::sha256_hex;
use crate::domain::{PublicUserId, Quota, UserId, WriteAction};
use crate::identity::{DevTokenSecret, UserKeys};
use crate::jwt;
use crate::ports::{Claim, IdempotencyStore, WriteLimiter};

/// Header carrying the client's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Largest request body accepted, in bytes (64 KiB; infra/openapi.yaml states it). Larger
/// bodies are a 413 `payload-too-large`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Whether a `Content-Type` value is JSON: `application/json`, any case, with or without
/// parameters such as `; charset=utf-8`.
pub fn is_json_content_type(value: &str) -> bool {
    value
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// The authenticated user: the `sub` claim API Gateway's JWT authorizer verified. Never read
/// from the body or a client header, with one development-only exception: when `dev_tokens`
/// is configured (`CRAFTBEAN_DEV_JWT_SECRET`, never set in AWS) and the request carries no
/// authorizer claims, the local bearer token is verified here by the local server's rules
/// ([`verify_bearer`]).
pub fn authenticated_user(
    req: &Request,
    dev_tokens: Option<&DevTokenSecret>,
) -> Result<UserId, ApiError> {
    let sub = match (authorizer_sub(req), dev_tokens) {
        (Some(sub), _) => sub,
        (None, Some(secret)) => {
            let now = jiff::Timestamp::now().as_second();
            verify_bearer(req, secret.as_bytes(), now)?.sub
        }
        (None, None) => {
            return Err(ApiError::Unauthorized(
                "a valid bearer token is required".to_owned(),
            ));
        }
    };
    UserId::parse(&sub).map_err(|_| {
        ApiError::Unauthorized("the token's subject is not a valid user id".to_owned())
    })
}

/// The `sub` claim of API Gateway's JWT authorizer, if the request context has one.
fn authorizer_sub(req: &Request) -> Option<String> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .and_then(|jwt| jwt.claims.get("sub"))
            .cloned(),
        _ => None,
    }
}

/// Verifies a local HS256 bearer token (`Authorization: Bearer <token>`; signature, `sub` and
/// `exp` against `now`, epoch seconds): what the local server does before dispatch and what
/// a function does itself under `cargo lambda watch` with a dev secret. Every failure is a 401.
pub fn verify_bearer(req: &Request, secret: &[u8], now: i64) -> Result<jwt::Claims, ApiError> {
    let token = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "send Authorization: Bearer <token> (make token prints one)".to_owned(),
            )
        })?;
    jwt::verify(token.trim(), secret, now).map_err(|e| ApiError::Unauthorized(e.to_string()))
}

/// The authenticated caller's public user id (see [`crate::identity`]): the verified `sub`
/// goes through the keyed hash here and nowhere else.
pub fn caller(req: &Request, keys: &UserKeys) -> Result<PublicUserId, ApiError> {
    authenticated_user(req, keys.dev_tokens()).map(|sub| keys.public_id(&sub))
}

/// The body as a JSON object: 413 above [`MAX_BODY_BYTES`], 415 unless it is sent as
/// `application/json`, 400 when empty or not a JSON object.
pub fn json_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(ApiError::InvalidBody(
            "is empty; send a JSON object".to_owned(),
        ));
    }
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if !content_type.as_deref().is_some_and(is_json_content_type) {
        return Err(ApiError::UnsupportedMediaType {
            found: content_type,
        });
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

/// The entropy of a new resource's id (`StoryId::from_entropy`…): derived from the caller, the
/// route's scope and the `Idempotency-Key` when the request has one, so every run of the same
/// request — a re-run after its idempotency claim expired, or a client's retry that fails over
/// to another region — names the same resource and cannot create a second one; random
/// otherwise.
pub fn new_id_entropy(user: &PublicUserId, scope: &str, key: Option<&str>) -> u128 {
    use sha2::Digest;
    let Some(key) = key else {
        return uuid::Uuid::new_v4().as_u128();
    };
    let digest = sha2::Sha256::digest(format!("{user}\n{scope}\n{key}").as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// What every write function guards its writes with: idempotent execution keyed by the
/// `Idempotency-Key` header, and the caller's per-action write limits. Any store that keeps
/// idempotency records and token buckets serves (every `ItemTable` does).
#[derive(Clone, Debug)]
pub struct WriteGuard<G> {
    records: G,
    limits: WriteLimits,
}

impl<G> WriteGuard<G> {
    /// Guards writes with `records` under `limits`.
    pub fn new(records: G, limits: WriteLimits) -> Self {
        Self { records, limits }
    }

    /// The limits this guard enforces.
    pub fn limits(&self) -> &WriteLimits {
        &self.limits
    }
}

impl<G: IdempotencyStore> WriteGuard<G> {
    /// Runs `op` at most once per (`scope`, `key`): a repeat with the same payload within 24 h
    /// replays the first response; a different payload is a 422; a concurrent duplicate gets a
    /// 409 to retry. Failed operations release the key so a corrected request may reuse it.
    /// Without a key, `op` simply runs.
    pub async fn once<F, Fut>(
        &self,
        key: Option<String>,
        scope: &str,
        payload: &Value,
        now: i64,
        op: F,
    ) -> Result<Reply, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Reply, ApiError>>,
    {
        let Some(key) = key else {
            return op().await;
        };
        let records = &self.records;
        let record_key = format!("{scope}#{key}");
        // serde_json's default map is ordered by key, so equal payloads hash equally.
        let hash = sha256_hex(payload.to_string().as_bytes(), 32);
        match records.claim(&record_key, &hash, now).await? {
            Claim::Acquired => {}
            Claim::Replay(stored) => return Ok(Reply::from_stored(&stored)),
            Claim::InProgress => return Err(ApiError::InProgress),
            Claim::PayloadMismatch => return Err(ApiError::IdempotencyKeyReused),
        }
        match op().await {
            Ok(reply) => {
                records
                    .complete(&record_key, &hash, &reply.to_stored(), now)
                    .await?;
                Ok(reply)
            }
            Err(err) => {
                if let Err(release) = records.release(&record_key).await {
                    tracing::error!(error = %release, "could not release idempotency key");
                }
                Err(err)
            }
        }
    }
}

impl<G: WriteLimiter> WriteGuard<G> {
    /// Spends one of `user`'s tokens for `action`, or a 429 saying when the next one comes.
    /// Add the returned quota to the success reply with [`Reply::with_rate_limit`]:
    ///
    /// ```text
    /// let quota = deps.guard.spend(&user, WriteAction::Saves, now).await?;
    /// Ok(Reply::json(&saved, CachePolicy::NoStore)?.with_rate_limit(&quota))
    /// ```
    pub async fn spend(
        &self,
        user: &PublicUserId,
        action: WriteAction,
        now: jiff::Timestamp,
    ) -> Result<Quota, ApiError> {
        let quota = self
            .records
            .take_token(
                user,
                action,
                self.limits.policy(action),
                now.as_millisecond(),
            )
            .await?;
        if quota.allowed {
            Ok(quota)
        } else {
            Err(ApiError::TooManyWrites { quota })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV_SECRET: &str = "dev-token-secret-0123456789abcdef0123";

    fn dev_secret() -> DevTokenSecret {
        DevTokenSecret::new(DEV_SECRET.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A request without authorizer claims (as under `cargo lambda watch`).
    fn bearer(authorization: Option<&str>) -> Request {
        let mut builder = http::Request::builder().method("GET").uri("/me");
        if let Some(value) = authorization {
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        builder
            .body(Body::Empty)
            .unwrap_or_else(|e| panic!("request: {e}"))
    }

    fn token(sub: &str, exp: i64, secret: &str) -> String {
        jwt::sign(
            &jwt::Claims {
                sub: sub.to_owned(),
                exp,
            },
            secret.as_bytes(),
        )
    }

    #[test]
    fn dev_tokens_authenticate_only_when_configured_and_valid() {
        let later = jiff::Timestamp::now().as_second() + 3_600;
        let valid = format!("Bearer {}", token("ana", later, DEV_SECRET));
        let user = authenticated_user(&bearer(Some(&valid)), Some(&dev_secret()));
        assert_eq!(
            user.ok().map(|u| u.as_str().to_owned()),
            Some("ana".to_owned())
        );

        // Without the dev secret a bearer token is ignored: only the authorizer counts.
        let ignored = authenticated_user(&bearer(Some(&valid)), None);
        assert!(
            matches!(ignored, Err(ApiError::Unauthorized(_))),
            "{ignored:?}"
        );

        let expired = format!("Bearer {}", token("ana", 1_000, DEV_SECRET));
        let forged = format!(
            "Bearer {}",
            token("ana", later, "some-other-secret-0123456789abcdef01")
        );
        let bare = token("ana", later, DEV_SECRET);
        for (case, header) in [
            ("expired", Some(expired.as_str())),
            ("wrong secret", Some(forged.as_str())),
            ("no Bearer prefix", Some(bare.as_str())),
            ("no header", None),
        ] {
            let refused = authenticated_user(&bearer(header), Some(&dev_secret()));
            assert!(
                matches!(refused, Err(ApiError::Unauthorized(_))),
                "{case}: {refused:?}"
            );
        }
    }

    fn request(content_type: Option<&str>, body: Vec<u8>) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/stories");
        if let Some(ct) = content_type {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        }
        builder
            .body(Body::Binary(body))
            .unwrap_or_else(|e| panic!("request: {e}"))
    }

    #[test]
    fn json_bodies_need_a_json_content_type_and_a_bounded_size() {
        let body = br#"{"a":1}"#.to_vec();
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
        ] {
            assert!(
                json_object(&request(Some(ct), body.clone())).is_ok(),
                "{ct}"
            );
        }
        for ct in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            let err = json_object(&request(ct, body.clone())).err();
            assert!(
                matches!(err, Some(ApiError::UnsupportedMediaType { .. })),
                "{ct:?}: {err:?}"
            );
        }
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        let err = json_object(&request(Some("application/json"), big)).err();
        assert!(
            matches!(
                err,
                Some(ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES
                })
            ),
            "{err:?}"
        );
    }
}
