//! The web app beside the API (`make run`): the built app's files from `CRAFTBEAN_WEB_DIR`
//! (hashed assets cached for a year, everything else revalidated), its runtime configuration at
//! `/app-config.json`, deep links answered with `index.html`, the API again under `/api` (the
//! path CloudFront gives it in AWS), and the development sign-in, which exists only here.
//!
//! What wins for a request, in order: `/api/…` is always the API (the prefix stripped, never a
//! file); a path of the route table is its function; a `GET`/`HEAD` naming a file gets the file;
//! a `GET`/`HEAD` that accepts `text/html` gets `index.html` (the app routes it); anything else
//! is the API's `route-not-found` problem.

use std::path::PathBuf;

use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, VARY};
use http::{HeaderValue, Method, StatusCode, Uri};
use serde_json::{Map, Value, json};
use shared::http::{ApiError, InvalidParam, is_json_content_type};
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Environment variable naming the built web app's directory (default `web/dist`).
pub const WEB_DIR_VAR: &str = "CRAFTBEAN_WEB_DIR";
/// Environment variable with the basemap tile URL template the app's map uses (default none:
/// markers only).
pub const BASEMAP_VAR: &str = "CRAFTBEAN_BASEMAP_TILE_URL";
/// Where the API is mounted a second time, as CloudFront's `/api/*` behaviour routes it in AWS.
pub const API_PREFIX: &str = "/api";
/// The development sign-in route (local server only; never in template.yaml or the AWS build).
pub const DEV_SIGN_IN_PATH: &str = "/_dev/sign-in";
/// The app's runtime configuration (written by the deploy script in AWS).
pub const APP_CONFIG_PATH: &str = "/app-config.json";
/// How long a development token is valid, seconds.
pub const DEV_TOKEN_SECONDS: i64 = 8 * 3600;
/// Longest accepted development subject, characters.
pub const MAX_DEV_SUB_CHARS: usize = 128;
/// Longest development sign-in body read, bytes.
pub const MAX_SIGN_IN_BYTES: usize = 4 * 1024;
/// Files under this path have a content hash in their names (Vite's `assets/`).
const HASHED_DIR: &str = "/assets/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// Where the built app is and what its runtime configuration says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebConfig {
    /// The built app (`index.html`, `assets/…`).
    pub dir: PathBuf,
    /// The basemap tile URL template, or none (the map shows markers only).
    pub basemap_tile_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("web/dist"),
            basemap_tile_url: None,
        }
    }
}

/// The runtime configuration the app reads at start: the API under `/api`, development sign-in.
pub fn app_config(web: &WebConfig) -> Value {
    json!({
        "apiBase": API_PREFIX,
        "auth": { "kind": "dev" },
        "basemapTileUrl": web.basemap_tile_url,
    })
}

/// The API path of a request made under [`API_PREFIX`] (`/api/cafes?x=1` → `/cafes?x=1`), or
/// `None` when the path is not under it.
pub fn strip_api_prefix(uri: &Uri) -> Option<Uri> {
    let rest = uri.path().strip_prefix(API_PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let path = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    path_and_query.parse().ok()
}

/// Whether the request is a page load: a `GET`/`HEAD` whose `Accept` names `text/html`.
pub fn wants_page(method: &Method, headers: &http::HeaderMap) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().contains("text/html"))
}

/// The `Cache-Control` a static file gets: a year for hashed assets, revalidation otherwise.
pub fn cache_control_for(path: &str) -> &'static str {
    if path.starts_with(HASHED_DIR) {
        IMMUTABLE
    } else {
        NO_CACHE
    }
}

/// The file at the request's path in the web directory (gzip when accepted), or `None` when
/// there is none. Only for `GET`/`HEAD`. A directory (`/` included) is no file: `index.html`
/// comes only for page loads ([`index`]), so the API's answer for `GET /` stays a problem.
pub async fn file(
    web: &WebConfig,
    head: &http::request::Parts,
) -> Option<axum::response::Response> {
    let service = tower::ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .service(ServeDir::new(&web.dir).append_index_html_on_directories(false));
    let request = http::Request::from_parts(head.clone(), axum::body::Body::empty());
    let response = service.oneshot(request).await.ok()?;
    if response.status() == StatusCode::NOT_FOUND {
        return None;
    }
    let mut response = response.map(axum::body::Body::new);
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static(cache_control_for(head.uri.path())),
    );
    Some(response)
}

/// `index.html` for a deep link (the app's router takes it from there), or `None` when the app
/// is not built.
pub async fn index(
    web: &WebConfig,
    head: &http::request::Parts,
) -> Option<axum::response::Response> {
    let service = tower::ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .service(ServeFile::new(web.dir.join("index.html")));
    let request = http::Request::from_parts(head.clone(), axum::body::Body::empty());
    let response = service.oneshot(request).await.ok()?;
    if response.status() == StatusCode::NOT_FOUND {
        return None;
    }
    let mut response = response.map(axum::body::Body::new);
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    headers.insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
    Some(response)
}

/// The subject a development sign-in body names: a JSON object `{"sub": "…"}` whose `sub` is
/// 1 to [`MAX_DEV_SUB_CHARS`] characters with no whitespace or control characters.
pub fn parse_sign_in(content_type: Option<&str>, body: &[u8]) -> Result<String, ApiError> {
    if !content_type.is_some_and(is_json_content_type) {
        return Err(ApiError::UnsupportedMediaType {
            found: content_type.map(str::to_owned),
        });
    }
    let object: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(ApiError::InvalidBody("is not a JSON object".to_owned())),
        Err(e) => return Err(ApiError::InvalidBody(format!("is not valid JSON ({e})"))),
    };
    let mut problems = Vec::new();
    for name in object.keys().filter(|k| k.as_str() != "sub") {
        problems.push(InvalidParam::body(name, "is not a field of this request"));
    }
    let sub = match object.get("sub") {
        Some(Value::String(sub))
            if !sub.is_empty()
                && sub.chars().count() <= MAX_DEV_SUB_CHARS
                && !sub.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Some(sub.clone())
        }
        Some(_) => {
            problems.push(InvalidParam::body(
                "sub",
                format!(
                    "must be a string of 1 to {MAX_DEV_SUB_CHARS} characters without spaces or control characters"
                ),
            ));
            None
        }
        None => {
            problems.push(InvalidParam::body("sub", "is required"));
            None
        }
    };
    match sub {
        Some(sub) if problems.is_empty() => Ok(sub),
        _ => Err(ApiError::InvalidParameters(problems)),
    }
}

/// The development sign-in's answer: an HS256 token for `sub` that this server accepts.
pub fn sign_in_response(sub: &str, secret: &str, now: i64) -> axum::response::Response {
    let token = shared::jwt::sign(
        &shared::jwt::Claims {
            sub: sub.to_owned(),
            exp: now + DEV_TOKEN_SECONDS,
        },
        secret.as_bytes(),
    );
    let body = json!({
        "accessToken": token,
        "tokenType": "Bearer",
        "expiresIn": DEV_TOKEN_SECONDS,
    });
    json_response(&body, "no-store")
}

/// A JSON body with this `Cache-Control`.
pub fn json_response(body: &Value, cache: &'static str) -> axum::response::Response {
    let mut response = axum::response::Response::new(axum::body::Body::from(body.to_string()));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn the_api_prefix_is_stripped_with_its_query_and_only_at_a_segment_boundary() {
        assert_eq!(
            strip_api_prefix(&uri("/api/cafes?q=x&limit=2")),
            Some(uri("/cafes?q=x&limit=2"))
        );
        assert_eq!(
            strip_api_prefix(&uri("/api/cafes/nearby")),
            Some(uri("/cafes/nearby"))
        );
        assert_eq!(strip_api_prefix(&uri("/api")), Some(uri("/")));
        assert_eq!(strip_api_prefix(&uri("/apis/cafes")), None);
        assert_eq!(strip_api_prefix(&uri("/cafes")), None);
        assert_eq!(strip_api_prefix(&uri("/cafe/api/x")), None);
    }

    #[test]
    fn a_page_load_is_a_get_or_head_that_accepts_html() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        assert!(wants_page(&Method::GET, &headers));
        assert!(wants_page(&Method::HEAD, &headers));
        assert!(!wants_page(&Method::POST, &headers));
        let mut json_only = http::HeaderMap::new();
        json_only.insert(ACCEPT, HeaderValue::from_static("application/json"));
        assert!(!wants_page(&Method::GET, &json_only));
        assert!(!wants_page(&Method::GET, &http::HeaderMap::new()));
    }

    #[test]
    fn hashed_assets_are_immutable_and_everything_else_revalidates() {
        assert_eq!(cache_control_for("/assets/index-3f9a1c.js"), IMMUTABLE);
        assert_eq!(cache_control_for("/index.html"), NO_CACHE);
        assert_eq!(cache_control_for("/favicon.svg"), NO_CACHE);
    }

    #[test]
    fn sign_in_takes_exactly_a_sub() {
        let json = Some("application/json");
        assert_eq!(parse_sign_in(json, br#"{"sub":"ana"}"#).unwrap(), "ana");
        let cases: [(Option<&str>, &[u8], &str); 8] = [
            (json, b"{", "not JSON"),
            (json, b"[]", "not an object"),
            (json, b"{}", "no sub"),
            (json, br#"{"sub":""}"#, "empty sub"),
            (json, br#"{"sub":"a b"}"#, "space in sub"),
            (json, br#"{"sub":7}"#, "number sub"),
            (json, br#"{"sub":"ana","admin":true}"#, "unknown field"),
            (Some("text/plain"), br#"{"sub":"ana"}"#, "not JSON content"),
        ];
        for (content_type, body, why) in cases {
            let err = parse_sign_in(content_type, body).expect_err(why);
            let status = err.status();
            assert!(status == 400 || status == 415, "{why}: {status}");
        }
        let long = format!(r#"{{"sub":"{}"}}"#, "a".repeat(MAX_DEV_SUB_CHARS + 1));
        assert!(parse_sign_in(json, long.as_bytes()).is_err(), "too long");
    }

    #[test]
    fn a_dev_token_verifies_with_the_same_secret_for_its_lifetime() {
        let response = sign_in_response("ana", "s3cret", 1_000);
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        let body = response.into_body();
        let bytes = futures_body(body);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["tokenType"], "Bearer");
        assert_eq!(value["expiresIn"], DEV_TOKEN_SECONDS);
        let token = value["accessToken"].as_str().unwrap();
        let claims = shared::jwt::verify(token, b"s3cret", 1_001).unwrap();
        assert_eq!(claims.sub, "ana");
        assert!(shared::jwt::verify(token, b"other", 1_001).is_err());
        assert!(shared::jwt::verify(token, b"s3cret", 1_000 + DEV_TOKEN_SECONDS + 1).is_err());
    }

    fn futures_body(body: axum::body::Body) -> Vec<u8> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(axum::body::to_bytes(body, usize::MAX))
            .unwrap()
            .to_vec()
    }

    #[test]
    fn the_local_app_config_points_at_the_api_prefix_with_dev_sign_in() {
        let config = app_config(&WebConfig::default());
        assert_eq!(
            config,
            json!({"apiBase":"/api","auth":{"kind":"dev"},"basemapTileUrl":null})
        );
    }
}
