//! Origin protection: in AWS the API answers only requests that came through CloudFront.
//!
//! The distribution adds a secret header ([`ORIGIN_HEADER`]) to every request it sends to the
//! API origin (overwriting one a viewer might send). Each API function reads the accepted
//! secrets once at start-up ([`OriginGuard::from_env`]) and [`run_lambda`](super::run_lambda)
//! answers any request without one of them with 403 problem+json before the handler runs, so a
//! caller who found the `execute-api` URL reaches no handler, store or quota.
//!
//! Two secrets are accepted so the secret can be rotated without refusing traffic
//! (docs/deploy.md): the one CloudFront sends (`CRAFTBEAN_ORIGIN_SECRET`) and an optional
//! standby (`CRAFTBEAN_ORIGIN_SECRET_STANDBY`). With neither set (local server,
//! `cargo lambda watch`, tests) nothing is checked; template.yaml always sets the first for
//! deployed functions (tests/tests/it/template.rs).

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::config::{ConfigError, optional, vars};

/// The header CloudFront adds to origin requests (lowercase, as `http` names headers).
pub const ORIGIN_HEADER: &str = "x-craftbean-origin";

/// Shortest accepted secret, in bytes (the template's `OriginSecret` parameter agrees).
pub const MIN_ORIGIN_SECRET_LEN: usize = 32;

/// The accepted origin secrets, kept as SHA-256 digests so every comparison has the same
/// length and takes the same time whatever a caller sends.
#[derive(Clone, Default)]
pub struct OriginGuard {
    accepted: Vec<[u8; 32]>,
}

impl std::fmt::Debug for OriginGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginGuard")
            .field("secrets", &self.accepted.len())
            .finish()
    }
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

fn parse_secret(value: &str) -> Result<String, String> {
    if value.len() < MIN_ORIGIN_SECRET_LEN {
        return Err(format!("must be at least {MIN_ORIGIN_SECRET_LEN} bytes"));
    }
    if value.chars().any(char::is_whitespace) {
        return Err("must not contain whitespace".to_owned());
    }
    Ok(value.to_owned())
}

impl OriginGuard {
    /// A guard that checks nothing (no secret configured).
    pub fn disabled() -> Self {
        Self::default()
    }

    /// A guard accepting exactly `secrets` (an empty list checks nothing).
    pub fn new<S: AsRef<str>>(secrets: &[S]) -> Self {
        Self {
            accepted: secrets
                .iter()
                .map(|s| digest(s.as_ref().as_bytes()))
                .collect(),
        }
    }

    /// Reads `CRAFTBEAN_ORIGIN_SECRET` and `CRAFTBEAN_ORIGIN_SECRET_STANDBY`. Unset or empty
    /// variables are absent; a set one shorter than [`MIN_ORIGIN_SECRET_LEN`] or holding
    /// whitespace fails start-up, naming the variable. A standby without a current secret fails
    /// too: it would silently switch the check off.
    pub fn from_env() -> Result<Self, ConfigError> {
        let current = optional(vars::ORIGIN_SECRET, parse_secret)?;
        let standby = optional(vars::ORIGIN_SECRET_STANDBY, parse_secret)?;
        match (current, standby) {
            (None, Some(_)) => Err(ConfigError::Missing(vars::ORIGIN_SECRET)),
            (current, standby) => Ok(Self::new(
                &current.into_iter().chain(standby).collect::<Vec<_>>(),
            )),
        }
    }

    /// Whether requests are checked at all.
    pub fn is_enabled(&self) -> bool {
        !self.accepted.is_empty()
    }

    /// Admits a request whose [`ORIGIN_HEADER`] holds an accepted secret (or every request when
    /// the guard is disabled); anything else is 403 `forbidden`. Every accepted secret is
    /// compared, in constant time, so the answer's timing tells nothing about the secrets.
    pub fn check(&self, headers: &http::HeaderMap) -> Result<(), ApiError> {
        if !self.is_enabled() {
            return Ok(());
        }
        let presented = headers
            .get(ORIGIN_HEADER)
            .map(|value| digest(value.as_bytes()));
        let Some(presented) = presented else {
            return Err(refused());
        };
        let matched = self
            .accepted
            .iter()
            .fold(subtle::Choice::from(0), |found, secret| {
                found | secret.ct_eq(&presented)
            });
        if bool::from(matched) {
            Ok(())
        } else {
            Err(refused())
        }
    }
}

fn refused() -> ApiError {
    ApiError::Forbidden("this API is served only through its CDN".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};

    const CURRENT: &str = "current-secret-current-secret-0123456789";
    const STANDBY: &str = "standby-secret-standby-secret-0123456789";

    fn with_header(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN_HEADER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_disabled_guard_admits_everything() {
        let guard = OriginGuard::disabled();
        assert!(!guard.is_enabled());
        assert!(guard.check(&HeaderMap::new()).is_ok());
        assert!(guard.check(&with_header("anything")).is_ok());
    }

    #[test]
    fn only_an_accepted_secret_is_admitted() {
        let guard = OriginGuard::new(&[CURRENT, STANDBY]);
        assert!(guard.check(&with_header(CURRENT)).is_ok());
        assert!(guard.check(&with_header(STANDBY)).is_ok());
        for (case, headers) in [
            ("no header", HeaderMap::new()),
            ("empty", with_header("")),
            ("a prefix", with_header(&CURRENT[..CURRENT.len() - 1])),
            ("longer", with_header(&format!("{CURRENT}x"))),
            ("another case", with_header(&CURRENT.to_uppercase())),
            ("both joined", with_header(&format!("{CURRENT},{STANDBY}"))),
        ] {
            let err = guard.check(&headers).expect_err(case);
            assert_eq!(err.status(), http::StatusCode::FORBIDDEN, "{case}");
            assert_eq!(err.kind(), "forbidden", "{case}");
        }
    }

    #[test]
    fn the_secret_does_not_leak_through_debug() {
        let shown = format!("{:?}", OriginGuard::new(&[CURRENT]));
        assert!(!shown.contains(CURRENT), "{shown}");
    }

    #[test]
    fn secrets_are_checked_when_read() {
        assert!(parse_secret(CURRENT).is_ok());
        assert!(parse_secret("short").is_err());
        assert!(parse_secret(&format!("{CURRENT} {STANDBY}")).is_err());
    }
}
