//! CORS as the template's HttpApi `CorsConfiguration` applies it in AWS: the same allowed
//! methods, request headers, exposed headers and max age, with origins from
//! `CRAFTBEAN_CORS_ORIGINS` (default: any port on `http://localhost` and `http://127.0.0.1`,
//! so a web dev server such as Vite on :5173 can call the API).

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD,
    HeaderMap, HeaderValue, ORIGIN, VARY,
};
use http::{Method, StatusCode};

/// Environment variable listing allowed origins, comma separated.
pub const CORS_ORIGINS_VAR: &str = "CRAFTBEAN_CORS_ORIGINS";

/// Methods a cross-origin script may use (template.yaml `AllowMethods`).
pub const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
/// Request headers it may send (template.yaml `AllowHeaders`).
pub const ALLOW_HEADERS: &str =
    "authorization, content-type, if-none-match, idempotency-key, x-device-id";
/// How long a browser may cache a preflight answer, seconds (template.yaml `MaxAge`).
pub const MAX_AGE_SECS: u32 = 600;

/// One allowed origin: exact (`https://craftbean.app`), any port of a scheme and host
/// (`http://localhost:*`), or anything (`*`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum OriginRule {
    Exact(String),
    AnyPort(String),
    Any,
}

/// Which origins may call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsPolicy {
    rules: Vec<OriginRule>,
}

impl Default for CorsPolicy {
    fn default() -> Self {
        Self {
            rules: vec![
                OriginRule::AnyPort("http://localhost".to_owned()),
                OriginRule::AnyPort("http://127.0.0.1".to_owned()),
            ],
        }
    }
}

impl CorsPolicy {
    /// Parses a comma-separated list: `*`, `scheme://host:*` or exact `scheme://host[:port]`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let rule = if entry == "*" {
                OriginRule::Any
            } else if let Some(base) = entry.strip_suffix(":*") {
                OriginRule::AnyPort(checked(base, entry)?.to_ascii_lowercase())
            } else {
                OriginRule::Exact(checked(entry, entry)?.to_ascii_lowercase())
            };
            rules.push(rule);
        }
        if rules.is_empty() {
            return Err("lists no origin".to_owned());
        }
        Ok(Self { rules })
    }

    /// Whether `origin` may read responses.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.rules.iter().any(|rule| match rule {
            OriginRule::Any => true,
            OriginRule::Exact(exact) => *exact == origin,
            OriginRule::AnyPort(base) => origin.strip_prefix(base.as_str()).is_some_and(|rest| {
                rest.is_empty()
                    || rest
                        .strip_prefix(':')
                        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            }),
        })
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`), or
    /// `None` for any other request. Always 204; the `Access-Control-Allow-*` headers are only
    /// there for an allowed origin, so the browser refuses the others.
    pub fn preflight(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Option<axum::response::Response> {
        if method != Method::OPTIONS || !headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
            return None;
        }
        let mut response = axum::response::Response::new(axum::body::Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let out = response.headers_mut();
        out.insert(VARY, HeaderValue::from_static("origin"));
        if let Some(origin) = headers
            .get(ORIGIN)
            .filter(|o| o.to_str().is_ok_and(|o| self.allows(o)))
        {
            out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            out.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            out.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from(MAX_AGE_SECS));
        }
        Some(response)
    }

    /// Marks a response to an allowed `origin` as readable, exposing the API's headers.
    pub fn decorate(&self, origin: Option<&str>, headers: &mut HeaderMap) {
        headers.append(VARY, HeaderValue::from_static("origin"));
        let Some(origin) = origin.filter(|o| self.allows(o)) else {
            return;
        };
        if let Ok(value) = HeaderValue::from_str(origin) {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
            headers.insert(
                ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
    }
}

/// `shared::http::EXPOSED_HEADERS`, joined (a test checks they agree).
const EXPOSE_HEADERS: &str =
    "x-request-id, idempotent-replayed, etag, location, retry-after, ratelimit-policy, ratelimit";

fn checked<'a>(origin: &'a str, entry: &str) -> Result<&'a str, String> {
    let ok = (origin.starts_with("http://") || origin.starts_with("https://"))
        && !origin.ends_with('/')
        && origin
            .split("://")
            .nth(1)
            .is_some_and(|host| !host.is_empty() && !host.contains('/'));
    if ok {
        Ok(origin)
    } else {
        Err(format!(
            "'{entry}' is not an origin (scheme://host[:port], scheme://host:* or *)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_allows_any_local_port_and_nothing_else() {
        let policy = CorsPolicy::default();
        for ok in [
            "http://localhost:5173",
            "http://127.0.0.1:3000",
            "http://localhost",
        ] {
            assert!(policy.allows(ok), "{ok}");
        }
        for refused in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://localhost:5173.evil.example",
            "https://localhost:5173",
            "http://127.0.0.1:",
            "null",
        ] {
            assert!(!policy.allows(refused), "{refused}");
        }
    }

    #[test]
    fn configured_lists_take_exact_origins_port_wildcards_and_star() {
        let policy =
            CorsPolicy::parse("https://craftbean.app, http://localhost:*").unwrap_or_default();
        assert!(policy.allows("https://craftbean.app"));
        assert!(policy.allows("http://localhost:8080"));
        assert!(!policy.allows("https://www.craftbean.app"));
        assert!(CorsPolicy::parse("*").is_ok_and(|p| p.allows("https://anything.example")));
        for bad in [
            "",
            "craftbean.app",
            "https://craftbean.app/",
            "ftp://x",
            "https://",
        ] {
            assert!(CorsPolicy::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn exposed_headers_are_the_shared_list() {
        assert_eq!(EXPOSE_HEADERS, shared::http::EXPOSED_HEADERS.join(", "));
    }
}
