//! Typed configuration from the environment, read once at start-up; a missing or malformed
//! variable fails fast with its name.

use crate::cursor::{CursorCodec, MIN_SECRET_LEN};

/// A configuration variable is missing or wrong. The message names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads `name`, which must be set and non-empty.
pub fn required(name: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        Ok(_) | Err(std::env::VarError::NotPresent) => Err(ConfigError::Missing(name)),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::Invalid {
            name,
            reason: "not valid UTF-8".to_owned(),
        }),
    }
}

/// Reads an optional variable and parses it when present.
pub fn optional<T, E: std::fmt::Display>(
    name: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, ConfigError> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => parse(&value).map(Some).map_err(|e| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::Invalid {
            name,
            reason: "not valid UTF-8".to_owned(),
        }),
    }
}

/// Builds the cursor codec from a secret (at least 32 bytes).
pub fn cursor_codec(name: &'static str, secret: &str) -> Result<CursorCodec, ConfigError> {
    CursorCodec::new(secret.as_bytes()).map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("must be at least {MIN_SECRET_LEN} bytes"),
    })
}

/// Settings of the write functions.
#[derive(Clone, Debug)]
pub struct WriteConfig {
    /// `CRAFTBEAN_MAX_WRITES_PER_HOUR` (default 30): writes one user may make per hour.
    pub max_writes_per_hour: u32,
    /// `AWS_REGION` (set by Lambda; `local` otherwise): the rating shard this deployment writes.
    pub region: String,
}

impl WriteConfig {
    /// Reads the write settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            max_writes_per_hour: optional(vars::MAX_WRITES_PER_HOUR, |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("must be a positive integer")
            })?
            .unwrap_or(30),
            region: optional("AWS_REGION", |v| Ok::<_, String>(v.to_owned()))?
                .unwrap_or_else(|| "local".to_owned()),
        })
    }
}

/// The variables every data function reads.
pub mod vars {
    /// Writes one user may make per hour.
    pub const MAX_WRITES_PER_HOUR: &str = "CRAFTBEAN_MAX_WRITES_PER_HOUR";
    /// DynamoDB table name.
    pub const TABLE: &str = "CRAFTBEAN_TABLE";
    /// Secret that signs page cursors (≥ 32 bytes).
    pub const CURSOR_SECRET: &str = "CRAFTBEAN_CURSOR_SECRET";
    /// Bucket raw uploads go to (create-photo signs for it; resize-image reads it).
    pub const UPLOADS_BUCKET: &str = "CRAFTBEAN_UPLOADS_BUCKET";
    /// Bucket renditions are published to (served by CloudFront under `/media/`).
    pub const MEDIA_BUCKET: &str = "CRAFTBEAN_MEDIA_BUCKET";
    /// Public base URL of the media (`https://<cdn domain>/media`).
    pub const MEDIA_BASE_URL: &str = "CRAFTBEAN_MEDIA_BASE_URL";
    /// CloudFront distribution id whose cached media delete-photo invalidates.
    pub const DISTRIBUTION_ID: &str = "CRAFTBEAN_DISTRIBUTION_ID";
}
