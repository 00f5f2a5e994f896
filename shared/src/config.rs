//! Typed configuration from the environment, read once at start-up; a missing or malformed
//! variable fails fast with its name.

use crate::cursor::{CursorCodec, MIN_SECRET_LEN};
use crate::domain::{BucketPolicy, WriteAction};

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

/// The host this region's renditions are served from: the authority of
/// `CRAFTBEAN_MEDIA_BASE_URL` (the sweep purges deleted photos' media queued under it).
pub fn media_host() -> Result<String, ConfigError> {
    media_host_of(&required(vars::MEDIA_BASE_URL)?)
}

/// [`media_host`] of a given base URL.
pub fn media_host_of(base_url: &str) -> Result<String, ConfigError> {
    crate::domain::url_host(base_url)
        .map(str::to_owned)
        .ok_or_else(|| ConfigError::Invalid {
            name: vars::MEDIA_BASE_URL,
            reason: "not an absolute URL such as https://<cdn domain>/media".to_owned(),
        })
}

/// The keyed hash from token subjects to public user ids, from `CRAFTBEAN_USER_ID_SECRET`
/// (at least 32 bytes; it must never change once users exist), verifying local bearer tokens
/// itself when `CRAFTBEAN_DEV_JWT_SECRET` is set (development only; warned about loudly).
pub fn user_keys() -> Result<crate::identity::UserKeys, ConfigError> {
    let secret = required(vars::USER_ID_SECRET)?;
    let keys = user_keys_from(vars::USER_ID_SECRET, &secret)?;
    let Some(dev) = optional(vars::DEV_JWT_SECRET, |v| {
        crate::identity::DevTokenSecret::new(v.as_bytes()).map_err(|e| e.to_string())
    })?
    else {
        return Ok(keys);
    };
    tracing::warn!(
        variable = vars::DEV_JWT_SECRET,
        "DEVELOPMENT ONLY: {} is set, so this function verifies local bearer tokens itself \
         when a request has no authorizer claims. It must never be set in AWS.",
        vars::DEV_JWT_SECRET
    );
    Ok(keys.with_dev_tokens(dev))
}

/// Builds the user-id hash from a secret (at least 32 bytes).
pub fn user_keys_from(
    name: &'static str,
    secret: &str,
) -> Result<crate::identity::UserKeys, ConfigError> {
    crate::identity::UserKeys::new(secret.as_bytes()).map_err(|e| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })
}

/// Per-action write limits (token buckets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteLimits {
    pub reviews: BucketPolicy,
    pub stories: BucketPolicy,
    pub photos: BucketPolicy,
    pub profile: BucketPolicy,
    pub saves: BucketPolicy,
}

impl Default for WriteLimits {
    /// Reviews 10/h, stories 5/h, photos 60/h, profile edits 30/h, saves 300/h.
    fn default() -> Self {
        Self::uniform_with(WriteAction::default_policy)
    }
}

impl WriteLimits {
    fn uniform_with(f: impl Fn(WriteAction) -> BucketPolicy) -> Self {
        Self {
            reviews: f(WriteAction::Reviews),
            stories: f(WriteAction::Stories),
            photos: f(WriteAction::Photos),
            profile: f(WriteAction::Profile),
            saves: f(WriteAction::Saves),
        }
    }

    /// The same `per_hour` limit for every action (tests).
    pub fn all_per_hour(per_hour: u32) -> Self {
        Self::uniform_with(|_| BucketPolicy {
            quota: per_hour,
            window_secs: 3_600,
        })
    }

    /// The policy of `action`.
    pub fn policy(&self, action: WriteAction) -> BucketPolicy {
        match action {
            WriteAction::Reviews => self.reviews,
            WriteAction::Stories => self.stories,
            WriteAction::Photos => self.photos,
            WriteAction::Profile => self.profile,
            WriteAction::Saves => self.saves,
        }
    }

    fn policy_mut(&mut self, action: WriteAction) -> &mut BucketPolicy {
        match action {
            WriteAction::Reviews => &mut self.reviews,
            WriteAction::Stories => &mut self.stories,
            WriteAction::Photos => &mut self.photos,
            WriteAction::Profile => &mut self.profile,
            WriteAction::Saves => &mut self.saves,
        }
    }

    /// Reads `CRAFTBEAN_WRITE_LIMIT_<ACTION>` for every action (see [`parse_limit`]); unset
    /// variables keep the defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        if std::env::var_os(vars::MAX_WRITES_PER_HOUR_REMOVED).is_some() {
            return Err(ConfigError::Invalid {
                name: vars::MAX_WRITES_PER_HOUR_REMOVED,
                reason: "is no longer read; set CRAFTBEAN_WRITE_LIMIT_REVIEWS, _STORIES, _PHOTOS, _PROFILE or _SAVES instead".to_owned(),
            });
        }
        let mut limits = Self::default();
        for action in WriteAction::ALL {
            if let Some(policy) = optional(vars::write_limit(action), parse_limit)? {
                *limits.policy_mut(action) = policy;
            }
        }
        Ok(limits)
    }
}

/// Parses a write limit: `<quota>/<window>` where the window is a positive number of seconds
/// with a unit (`s`, `m`, `h`, `d`), or a bare `<quota>` meaning per hour. `10/h`, `10/1h`,
/// `5/30m` and `10` are valid; the quota and window must be positive.
pub fn parse_limit(raw: &str) -> Result<BucketPolicy, String> {
    let bad =
        || format!("'{raw}' must look like 10/h, 5/30m or 300 (per hour), with positive numbers");
    let (quota, window) = raw.trim().split_once('/').unwrap_or((raw.trim(), "h"));
    let quota: u32 = quota
        .trim()
        .parse()
        .ok()
        .filter(|q| *q > 0)
        .ok_or_else(bad)?;
    let window = window.trim();
    let split = window
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(window.len());
    let (count, unit) = window.split_at(split);
    let count: u32 = if count.is_empty() {
        Ok(1)
    } else {
        count.parse().map_err(|_| bad())
    }?;
    let unit: u32 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let window_secs = count.checked_mul(unit).filter(|w| *w > 0).ok_or_else(bad)?;
    Ok(BucketPolicy { quota, window_secs })
}

/// Settings of the write functions.
#[derive(Clone, Debug)]
pub struct WriteConfig {
    /// Per-action token buckets (`CRAFTBEAN_WRITE_LIMIT_<ACTION>`).
    pub limits: WriteLimits,
    /// `AWS_REGION` (set by Lambda; `local` otherwise): the rating shard this deployment writes.
    pub region: String,
}

impl WriteConfig {
    /// Reads the write settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            limits: WriteLimits::from_env()?,
            region: optional("AWS_REGION", |v| Ok::<_, String>(v.to_owned()))?
                .unwrap_or_else(|| "local".to_owned()),
        })
    }
}

/// The variables every data function reads.
pub mod vars {
    use crate::domain::WriteAction;

    /// The single hourly limit of earlier releases; setting it now fails start-up, so a stale
    /// deployment cannot silently run with other limits than it asked for.
    pub const MAX_WRITES_PER_HOUR_REMOVED: &str = "CRAFTBEAN_MAX_WRITES_PER_HOUR";

    /// The variable holding `action`'s limit (`10/h`, `5/30m`, …).
    pub fn write_limit(action: WriteAction) -> &'static str {
        match action {
            WriteAction::Reviews => "CRAFTBEAN_WRITE_LIMIT_REVIEWS",
            WriteAction::Stories => "CRAFTBEAN_WRITE_LIMIT_STORIES",
            WriteAction::Photos => "CRAFTBEAN_WRITE_LIMIT_PHOTOS",
            WriteAction::Profile => "CRAFTBEAN_WRITE_LIMIT_PROFILE",
            WriteAction::Saves => "CRAFTBEAN_WRITE_LIMIT_SAVES",
        }
    }
    /// Development only (`cargo lambda watch`): the HS256 secret of local bearer tokens, which
    /// the write functions then verify themselves when a request has no authorizer claims.
    /// Never set in AWS: template.yaml and samconfig.toml must not mention it
    /// (tests/tests/it/template.rs).
    pub const DEV_JWT_SECRET: &str = "CRAFTBEAN_DEV_JWT_SECRET";
    /// The secret CloudFront adds to API origin requests (`x-craftbean-origin`); set, the API
    /// functions refuse requests without it (`shared::http::origin`). Unset locally.
    pub const ORIGIN_SECRET: &str = "CRAFTBEAN_ORIGIN_SECRET";
    /// A second accepted origin secret while the first is rotated (docs/deploy.md).
    pub const ORIGIN_SECRET_STANDBY: &str = "CRAFTBEAN_ORIGIN_SECRET_STANDBY";
    /// DynamoDB table name.
    pub const TABLE: &str = "CRAFTBEAN_TABLE";
    /// The flag document's path on the AppConfig agent:
    /// `/applications/<app>/environments/<env>/configurations/<profile>` (the same entry as
    /// `AWS_APPCONFIG_EXTENSION_PREFETCH_LIST`, so the agent has it before the first request).
    pub const FLAGS_PATH: &str = "CRAFTBEAN_FLAGS_PATH";
    /// The AppConfig agent's port (the extension's own variable; 2772 when unset).
    pub const APPCONFIG_PORT: &str = "AWS_APPCONFIG_EXTENSION_HTTP_PORT";
    /// The AWS region this function runs in (set by Lambda): the rating shard it writes.
    pub const REGION: &str = "AWS_REGION";
    /// Secret keying public user ids (≥ 32 bytes; never changed once users exist).
    pub const USER_ID_SECRET: &str = "CRAFTBEAN_USER_ID_SECRET";
    /// Secret that signs page cursors (≥ 32 bytes).
    pub const CURSOR_SECRET: &str = "CRAFTBEAN_CURSOR_SECRET";
    /// Bucket raw uploads go to (create-photo signs for it; resize-image reads it).
    pub const UPLOADS_BUCKET: &str = "CRAFTBEAN_UPLOADS_BUCKET";
    /// Bucket renditions are published to (served by CloudFront under `/media/`).
    pub const MEDIA_BUCKET: &str = "CRAFTBEAN_MEDIA_BUCKET";
    /// Public base URL of the media (`https://<cdn domain>/media`).
    pub const MEDIA_BASE_URL: &str = "CRAFTBEAN_MEDIA_BASE_URL";
    /// CloudFront distribution id whose cached media the photo sweep invalidates.
    pub const DISTRIBUTION_ID: &str = "CRAFTBEAN_DISTRIBUTION_ID";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_limits_parse_quota_and_window() {
        let ok = [
            ("10/h", 10, 3_600),
            ("10/1h", 10, 3_600),
            ("5/30m", 5, 1_800),
            (" 300 ", 300, 3_600),
            ("2/10s", 2, 10),
            ("1000/d", 1_000, 86_400),
        ];
        for (raw, quota, window_secs) in ok {
            assert_eq!(
                parse_limit(raw),
                Ok(BucketPolicy { quota, window_secs }),
                "{raw}"
            );
        }
        for bad in [
            "", "0/h", "-1/h", "ten/h", "10/", "10/0h", "10/w", "10/h/h", "10/5",
        ] {
            assert!(parse_limit(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn defaults_are_the_documented_limits() {
        let limits = WriteLimits::default();
        let per_hour = |a| {
            let p = limits.policy(a);
            (p.quota, p.window_secs)
        };
        assert_eq!(per_hour(WriteAction::Reviews), (10, 3_600));
        assert_eq!(per_hour(WriteAction::Stories), (5, 3_600));
        assert_eq!(per_hour(WriteAction::Photos), (60, 3_600));
        assert_eq!(per_hour(WriteAction::Profile), (30, 3_600));
        assert_eq!(per_hour(WriteAction::Saves), (300, 3_600));
    }

    #[test]
    fn the_media_host_is_the_authority_of_the_media_base_url() {
        assert_eq!(
            media_host_of("https://d111111abcdef8.cloudfront.net/media").unwrap(),
            "d111111abcdef8.cloudfront.net"
        );
        assert_eq!(
            media_host_of("http://127.0.0.1:8080/media").unwrap(),
            "127.0.0.1:8080"
        );
        let err = media_host_of("/media").unwrap_err();
        assert!(err.to_string().contains(vars::MEDIA_BASE_URL), "{err}");
    }
}
