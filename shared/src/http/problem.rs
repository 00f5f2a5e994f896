//! RFC 9457 problem details: the one error type every API function answers with.

use http::StatusCode;
use serde::Serialize;

use crate::cursor::CursorError;
use crate::ports::StoreError;

/// Base of every problem `type` URI; docs/problems.md describes each kind.
pub const PROBLEM_BASE: &str = "https://craftbean.app/problems/";

/// Where an invalid parameter was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    Query,
    Path,
    Header,
    Body,
}

/// One invalid input, named so clients can point at it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvalidParam {
    pub name: String,
    #[serde(rename = "in")]
    pub location: ParamLocation,
    pub reason: String,
}

impl InvalidParam {
    /// An invalid query parameter.
    pub fn query(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            name: name.to_owned(),
            location: ParamLocation::Query,
            reason: reason.to_string(),
        }
    }

    /// An invalid body field.
    pub fn body(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            name: name.to_owned(),
            location: ParamLocation::Body,
            reason: reason.to_string(),
        }
    }

    /// An invalid header.
    pub fn header(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            name: name.to_owned(),
            location: ParamLocation::Header,
            reason: reason.to_string(),
        }
    }

    /// An invalid path parameter.
    pub fn path(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            name: name.to_owned(),
            location: ParamLocation::Path,
            reason: reason.to_string(),
        }
    }
}

/// Everything an API function can answer besides success. The closed set of kinds clients see.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `invalid-parameter`: one or more query/path/header values are wrong.
    #[error("invalid parameters")]
    InvalidParameters(Vec<InvalidParam>),
    /// 400 `invalid-cursor`: the `cursor` was altered, expired or belongs to another query.
    #[error("invalid cursor: {0}")]
    InvalidCursor(#[from] CursorError),
    /// 400 `invalid-body`: the body is not a JSON object of the right shape.
    #[error("invalid body: {0}")]
    InvalidBody(String),
    /// 422 `validation-failed`: well-formed JSON whose fields break the rules, each named.
    #[error("validation failed")]
    ValidationFailed(Vec<InvalidParam>),
    /// 401 `unauthorized`: no valid identity.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403 `forbidden`: authenticated, but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 409 `already-exists`: one per user; `existing` is where the existing resource is.
    #[error("already exists at {existing}")]
    AlreadyExists { detail: String, existing: String },
    /// 409 `conflict`: the resource changed concurrently; read it again and retry.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 409 `request-in-progress`: a request with this Idempotency-Key is still running.
    #[error("idempotent request in progress")]
    InProgress,
    /// 422 `idempotency-key-reused`: the Idempotency-Key was used with another body.
    #[error("idempotency key reused with a different payload")]
    IdempotencyKeyReused,
    /// 413 `payload-too-large`: the body is longer than `limit` bytes.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415 `unsupported-media-type`: a JSON route got a body of another `Content-Type`.
    #[error("unsupported content type {found:?}")]
    UnsupportedMediaType { found: Option<String> },
    /// 429 `too-many-writes`: the user's bucket for this action is empty. Answered with
    /// `Retry-After` (the true wait for the next token), `RateLimit-Policy` and `RateLimit`.
    #[error("too many writes")]
    TooManyWrites { quota: crate::domain::Quota },
    /// 401 `invalid-api-key` (partner API): no `x-api-key`, or one we never issued. Answered
    /// with `WWW-Authenticate: ApiKey`.
    #[error("invalid API key: {0}")]
    InvalidApiKey(String),
    /// 403 `api-key-refused` (partner API): the key was revoked, its rotation grace period
    /// ended, or its partner is suspended.
    #[error("API key refused: {0}")]
    ApiKeyRefused(String),
    /// 429 `rate-limited` (partner API): a per-second limit or a daily or monthly quota is
    /// spent. Answered with `Retry-After`, `RateLimit-Policy` and `RateLimit`.
    #[error("rate limited by the {} limit", outcome.refused_by.map_or("", |r| r.0))]
    RateLimited {
        outcome: crate::ports::AdmissionOutcome,
    },
    /// 404 `not-found`: no such resource.
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    /// 404 `route-not-found`: no route has this path.
    #[error("no route for {method} {path}")]
    RouteNotFound { method: String, path: String },
    /// 405 `method-not-allowed`: the path exists, the method does not.
    #[error("method {method} not allowed")]
    MethodNotAllowed {
        method: String,
        allowed: Vec<&'static str>,
    },
    /// 503 `unavailable`: the store is throttling, timed out or unreachable, or the handler ran
    /// out of time before its Lambda deadline; answered with `Retry-After`.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
    /// 503 `unavailable`: the handler could not finish before its Lambda deadline (less a
    /// margin), so it answers itself instead of letting the platform cut it off. With
    /// `Retry-After`.
    #[error("out of time before the function deadline")]
    OutOfTime,
    /// 500 `internal`: our fault. The body is opaque; the cause chain is logged.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Throttled { .. } | StoreError::Unavailable { .. } => {
                ApiError::Unavailable(err)
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<crate::reviewing::AccessError> for ApiError {
    fn from(err: crate::reviewing::AccessError) -> Self {
        use crate::reviewing::AccessError;
        match err {
            AccessError::NotFound { resource, id } => ApiError::NotFound { resource, id },
            AccessError::NotAuthor { .. } => ApiError::Forbidden(err.to_string()),
            AccessError::Store(e) => e.into(),
        }
    }
}

impl ApiError {
    /// No `resource` (a client-facing noun such as `"café"`) has `id` (404).
    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            resource,
            id: id.to_string(),
        }
    }

    /// One invalid query parameter.
    pub fn query_param(name: &str, reason: impl std::fmt::Display) -> Self {
        Self::InvalidParameters(vec![InvalidParam::query(name, reason)])
    }

    /// One invalid path parameter.
    pub fn path_param(name: &str, reason: impl std::fmt::Display) -> Self {
        Self::InvalidParameters(vec![InvalidParam::path(name, reason)])
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidParameters(_) | Self::InvalidCursor(_) | Self::InvalidBody(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::ValidationFailed(_) | Self::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::AlreadyExists { .. } | Self::Conflict(_) | Self::InProgress => {
                StatusCode::CONFLICT
            }
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyWrites { .. } | Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::InvalidApiKey(_) => StatusCode::UNAUTHORIZED,
            Self::ApiKeyRefused(_) => StatusCode::FORBIDDEN,
            Self::NotFound { .. } | Self::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable(_) | Self::OutOfTime => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable slug of the problem `type` URI.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidParameters(_) => "invalid-parameter",
            Self::InvalidCursor(_) => "invalid-cursor",
            Self::InvalidBody(_) => "invalid-body",
            Self::ValidationFailed(_) => "validation-failed",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::AlreadyExists { .. } => "already-exists",
            Self::Conflict(_) => "conflict",
            Self::InProgress => "request-in-progress",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType { .. } => "unsupported-media-type",
            Self::TooManyWrites { .. } => "too-many-writes",
            Self::InvalidApiKey(_) => "invalid-api-key",
            Self::ApiKeyRefused(_) => "api-key-refused",
            Self::RateLimited { .. } => "rate-limited",
            Self::NotFound { .. } => "not-found",
            Self::RouteNotFound { .. } => "route-not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::Unavailable(_) | Self::OutOfTime => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::InvalidParameters(_) => "Invalid request parameters",
            Self::InvalidCursor(_) => "Invalid cursor",
            Self::InvalidBody(_) => "Invalid request body",
            Self::ValidationFailed(_) => "Validation failed",
            Self::Unauthorized(_) => "Authentication required",
            Self::Forbidden(_) => "Forbidden",
            Self::AlreadyExists { .. } => "Already exists",
            Self::Conflict(_) => "Conflict",
            Self::InProgress => "Request in progress",
            Self::IdempotencyKeyReused => "Idempotency key reused",
            Self::PayloadTooLarge { .. } => "Payload too large",
            Self::UnsupportedMediaType { .. } => "Unsupported media type",
            Self::TooManyWrites { .. } => "Too many writes",
            Self::InvalidApiKey(_) => "Invalid API key",
            Self::ApiKeyRefused(_) => "API key refused",
            Self::RateLimited { .. } => "Rate limit reached",
            Self::NotFound { .. } => "Resource not found",
            Self::RouteNotFound { .. } => "Route not found",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::Unavailable(_) | Self::OutOfTime => "Service temporarily unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::InvalidParameters(params) => params
                .iter()
                .map(|p| {
                    format!(
                        "{} parameter '{}' {}",
                        location_word(p.location),
                        p.name,
                        p.reason
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            Self::InvalidCursor(err) => format!("query parameter 'cursor' {err}"),
            Self::InvalidBody(reason) => format!("the request body {reason}"),
            Self::ValidationFailed(fields) => fields
                .iter()
                .map(|p| format!("{} '{}' {}", location_word(p.location), p.name, p.reason))
                .collect::<Vec<_>>()
                .join("; "),
            Self::Unauthorized(reason)
            | Self::Forbidden(reason)
            | Self::Conflict(reason)
            | Self::InvalidApiKey(reason)
            | Self::ApiKeyRefused(reason) => reason.clone(),
            Self::RateLimited { outcome } => {
                let (name, after) = outcome.refused_by.unwrap_or(("second", 1));
                let quota = outcome
                    .windows
                    .iter()
                    .find(|w| w.name == name)
                    .map_or(0, |w| w.quota);
                format!("the {name} limit of {quota} requests is reached; retry in {after} seconds")
            }
            Self::AlreadyExists { detail, .. } => detail.clone(),
            Self::InProgress => {
                "a request with this Idempotency-Key is still being processed; retry in a second"
                    .to_owned()
            }
            Self::IdempotencyKeyReused => {
                "this Idempotency-Key was already used with a different request body; use a new key"
                    .to_owned()
            }
            Self::PayloadTooLarge { limit } => {
                format!("the request body is larger than the limit of {limit} bytes")
            }
            Self::UnsupportedMediaType { found } => match found {
                Some(found) => format!(
                    "the request body must be sent as Content-Type: application/json, not {found}"
                ),
                None => {
                    "the request body must be sent with Content-Type: application/json".to_owned()
                }
            },
            Self::TooManyWrites { quota } => format!(
                "at most {} {} writes per {} seconds; the next is possible in {} seconds",
                quota.policy.quota, quota.action, quota.policy.window_secs, quota.reset_secs
            ),
            Self::NotFound { resource, id } => format!("no {resource} has id '{id}'"),
            Self::RouteNotFound { method, path } => format!("no route matches {method} {path}"),
            Self::MethodNotAllowed { method, allowed } => {
                format!(
                    "{method} is not allowed here; allowed: {}",
                    allowed.join(", ")
                )
            }
            Self::Unavailable(_) | Self::OutOfTime => {
                "the data store is busy; retry after the number of seconds in Retry-After"
                    .to_owned()
            }
            Self::Internal(_) => {
                "an unexpected error occurred; quote the requestId when reporting it".to_owned()
            }
        }
    }

    /// The RFC 9457 body.
    pub fn problem(&self, instance: &str, request_id: &str) -> Problem {
        let invalid_params = match self {
            Self::InvalidParameters(params) => params.clone(),
            Self::InvalidCursor(err) => vec![InvalidParam::query("cursor", err)],
            Self::ValidationFailed(fields) => fields.clone(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("{PROBLEM_BASE}{}", self.kind()),
            title: self.title(),
            status: self.status().as_u16(),
            detail: self.detail(),
            instance: instance.to_owned(),
            request_id: request_id.to_owned(),
            invalid_params,
            existing: match self {
                Self::AlreadyExists { existing, .. } => Some(existing.clone()),
                _ => None,
            },
        }
    }
}

fn location_word(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Query => "query",
        ParamLocation::Path => "path",
        ParamLocation::Header => "header",
        ParamLocation::Body => "field",
    }
}

/// `application/problem+json` body.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
    /// For `already-exists`: the path of the existing resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
}
