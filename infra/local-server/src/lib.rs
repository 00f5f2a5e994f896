//! The local stand-in for API Gateway + Lambda: one HTTP server that mounts every function's
//! handler in-process, at the same method and path as template.yaml, on the embedded store.
//!
//! Requests are turned into the same `lambda_http::Request` the functions get in AWS (query
//! and path parameters as extensions, a request id), and routed with the shared route table.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Body, RequestExt};
use shared::config::{self, vars};
use shared::cursor::CursorCodec;
use shared::http::{REQUEST_ID_HEADER, RouteMatch, match_route};
use shared::store::sqlite::SqliteStore;
use tokio::net::TcpListener;
use tracing::info;

/// Largest request body accepted locally (API Gateway's payload limit is 10 MB; no read route
/// takes a body at all).
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// File name of the SQLite database inside the data directory.
pub const DB_FILE: &str = "craftbean.sqlite3";
const SECRET_FILE: &str = "cursor-secret";

/// Local server settings, from the environment.
#[derive(Clone, Debug)]
pub struct LocalConfig {
    /// `PORT`, default 3000.
    pub port: u16,
    /// `CRAFTBEAN_DATA_DIR`, default `./.craftbean`.
    pub data_dir: PathBuf,
    /// `CRAFTBEAN_CURSOR_SECRET`; generated and kept in the data dir when unset.
    pub cursor_secret: Option<String>,
}

impl LocalConfig {
    /// Reads `PORT`, `CRAFTBEAN_DATA_DIR` and `CRAFTBEAN_CURSOR_SECRET`.
    pub fn from_env() -> Result<Self, config::ConfigError> {
        Ok(Self {
            port: config::optional("PORT", |v| v.parse::<u16>())?.unwrap_or(3000),
            data_dir: config::optional("CRAFTBEAN_DATA_DIR", |v| {
                Ok::<_, String>(PathBuf::from(v))
            })?
            .unwrap_or_else(|| PathBuf::from(".craftbean")),
            cursor_secret: config::optional(vars::CURSOR_SECRET, |v| {
                Ok::<_, String>(v.to_owned())
            })?,
        })
    }
}

/// Every function's dependencies, built once.
pub struct App {
    store: SqliteStore,
    list_cafes: list_cafes::Deps<SqliteStore>,
    get_cafe: get_cafe::Deps<SqliteStore>,
    list_roasters: list_roasters::Deps<SqliteStore>,
    get_roaster: get_roaster::Deps<SqliteStore>,
    get_artisan: get_artisan::Deps<SqliteStore>,
    list_brewing_methods: list_brewing_methods::Deps<SqliteStore>,
    get_brewing_method: get_brewing_method::Deps<SqliteStore>,
}

impl App {
    /// The store the functions share.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }
}

fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(secret) if !secret.trim().is_empty() => return Ok(secret.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    use base64::Engine;
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    std::fs::write(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}

/// Opens the store in the data directory, seeding the demo dataset on first start.
pub async fn open(config: &LocalConfig) -> anyhow::Result<Arc<App>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store =
        SqliteStore::open(&config.data_dir.join(DB_FILE)).context("opening the embedded store")?;
    if store.is_empty().await? {
        let catalog = shared::demo::catalog().context("building the demo dataset")?;
        let report = shared::seed::seed(&store, &catalog)
            .await
            .context("seeding the demo dataset")?;
        info!(
            cafes = report.cafes,
            roasters = report.roasters,
            artisans = report.artisans,
            brewing_methods = report.brewing_methods,
            "seeded demo data on first start"
        );
    }
    let secret = match &config.cursor_secret {
        Some(secret) => secret.clone(),
        None => load_or_create_secret(&config.data_dir)?,
    };
    let cursors: CursorCodec = config::cursor_codec(vars::CURSOR_SECRET, &secret)?;
    Ok(Arc::new(App {
        list_cafes: list_cafes::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
        },
        get_cafe: get_cafe::Deps {
            store: store.clone(),
        },
        list_roasters: list_roasters::Deps {
            store: store.clone(),
            cursors,
        },
        get_roaster: get_roaster::Deps {
            store: store.clone(),
        },
        get_artisan: get_artisan::Deps {
            store: store.clone(),
        },
        list_brewing_methods: list_brewing_methods::Deps {
            store: store.clone(),
        },
        get_brewing_method: get_brewing_method::Deps {
            store: store.clone(),
        },
        store,
    }))
}

/// The router: everything goes through [`dispatch`], which uses the shared route table.
pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(dispatch).with_state(app)
}

fn to_axum(response: lambda_http::Response<Body>) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Turns an incoming request into a Lambda request and runs the function that owns its route.
async fn dispatch(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (mut parts, body) = req.into_parts();
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = http::HeaderValue::from_str(&request_id) {
        parts.headers.insert(REQUEST_ID_HEADER, value);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) if bytes.is_empty() => Body::Empty,
        Ok(bytes) => Body::Binary(bytes.to_vec()),
        Err(_) => Body::Empty,
    };
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let query: QueryMap = parts
        .uri
        .query()
        .and_then(|q| q.parse().ok())
        .unwrap_or_default();
    let req = lambda_http::Request::from_parts(parts, body)
        .with_query_string_parameters(query)
        .with_raw_http_path(path.clone());
    let response = match match_route(&method, &path) {
        RouteMatch::Found(route, params) => {
            let params: std::collections::HashMap<String, String> = params.into_iter().collect();
            let req = req.with_path_parameters(params);
            match route.function {
                "list-cafes" => list_cafes::handle(&app.list_cafes, req).await,
                "get-cafe" => get_cafe::handle(&app.get_cafe, req).await,
                "list-roasters" => list_roasters::handle(&app.list_roasters, req).await,
                "get-roaster" => get_roaster::handle(&app.get_roaster, req).await,
                "get-artisan" => get_artisan::handle(&app.get_artisan, req).await,
                "list-brewing-methods" => {
                    list_brewing_methods::handle(&app.list_brewing_methods, req).await
                }
                "get-brewing-method" => {
                    get_brewing_method::handle(&app.get_brewing_method, req).await
                }
                // A route in the table without a handler here: the routes test catches this.
                _ => route_not_found::handle(&req),
            }
        }
        RouteMatch::MethodNotAllowed(_) | RouteMatch::NotFound => route_not_found::handle(&req),
    };
    to_axum(response)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(listener: TcpListener, app: Arc<App>) -> anyhow::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Binds `127.0.0.1:<port>`.
pub async fn bind(port: u16) -> anyhow::Result<TcpListener> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr} (set PORT to use another port)"))
}
