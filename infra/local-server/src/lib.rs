//! The local stand-in for API Gateway + Lambda: one HTTP server that mounts every function's
//! handler in-process, at the same method and path as template.yaml, on the embedded store.
//!
//! Requests are turned into the same `lambda_http::Request` the functions get in AWS (query
//! and path parameters as extensions, a request id), and routed with the shared route table.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use shared::blob::local::{DirBlobs, LOCAL_REGION, LocalUploads, NoCdn};
use shared::config::WriteConfig;
use shared::config::{self, vars};
use shared::cursor::CursorCodec;
use shared::domain::MAX_UPLOAD_BYTES;
use shared::experiments::FlagSource;
use shared::experiments::events::{EmfSink, EventRecorder};
use shared::http::{
    ApiError, REQUEST_ID_HEADER, RouteMatch, WriteGuard, error_response, match_route, verify_bearer,
};
use shared::identity::UserKeys;
use shared::ports::{BlobStore, Fetched};
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::SqliteStore;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tracing::info;

mod cors;
mod ratings;
pub mod web;

pub use cors::{CORS_ORIGINS_VAR, CorsPolicy};
pub use ratings::ConvergingReviews;
pub use web::WebConfig;

/// Largest request body read for an API route: the same limit the handlers enforce (no read
/// route takes a body at all). Larger bodies are a 413 problem+json and are never read whole.
const MAX_BODY_BYTES: usize = shared::http::MAX_BODY_BYTES;
/// File name of the SQLite database inside the data directory.
pub const DB_FILE: &str = "craftbean.sqlite3";
const SECRET_FILE: &str = "cursor-secret";
/// File in the data directory holding the flag document (AppConfig's feature-flags format),
/// re-read whenever it changes; written from `infra/flags.json` on first start.
pub const FLAGS_FILE: &str = "flags.json";
/// The flag document deployed to AppConfig (template.yaml holds the same document).
pub const DEFAULT_FLAGS: &str = include_str!("../../flags.json");
/// File in the data directory holding the secret that keys public user ids when
/// `CRAFTBEAN_USER_ID_SECRET` is unset.
pub const USER_ID_SECRET_FILE: &str = "user-id-secret";
/// File in the data directory holding the local JWT signing secret when
/// `CRAFTBEAN_JWT_SECRET` is unset.
pub const JWT_SECRET_FILE: &str = "jwt-secret";
/// Environment variable overriding the local JWT secret.
pub const JWT_SECRET_VAR: &str = "CRAFTBEAN_JWT_SECRET";

/// Local server settings, from the environment.
#[derive(Clone, Debug)]
pub struct LocalConfig {
    /// `PORT`, default 3000.
    pub port: u16,
    /// `CRAFTBEAN_DATA_DIR`, default `./.craftbean`.
    pub data_dir: PathBuf,
    /// `CRAFTBEAN_CURSOR_SECRET`; generated and kept in the data dir when unset.
    pub cursor_secret: Option<String>,
    /// `CRAFTBEAN_JWT_SECRET`; generated and kept in the data dir when unset.
    pub jwt_secret: Option<String>,
    /// `CRAFTBEAN_USER_ID_SECRET`; generated and kept in the data dir when unset.
    pub user_id_secret: Option<String>,
    /// Write limits (`CRAFTBEAN_WRITE_LIMIT_<ACTION>`); the region is always `local`.
    pub writes: WriteConfig,
    /// `CRAFTBEAN_CORS_ORIGINS`: origins browsers may call from (default any port on
    /// `http://localhost` and `http://127.0.0.1`, for a web dev server).
    pub cors: CorsPolicy,
    /// The web app served beside the API: `CRAFTBEAN_WEB_DIR` (default `web/dist`) and
    /// `CRAFTBEAN_BASEMAP_TILE_URL` (default none).
    pub web: WebConfig,
}

impl LocalConfig {
    /// Reads `PORT`, `CRAFTBEAN_DATA_DIR`, `CRAFTBEAN_CURSOR_SECRET`, `CRAFTBEAN_JWT_SECRET`,
    /// `CRAFTBEAN_WRITE_LIMIT_<ACTION>`, `CRAFTBEAN_CORS_ORIGINS`, `CRAFTBEAN_WEB_DIR` and
    /// `CRAFTBEAN_BASEMAP_TILE_URL`.
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
            jwt_secret: config::optional(JWT_SECRET_VAR, |v| Ok::<_, String>(v.to_owned()))?,
            user_id_secret: config::optional(vars::USER_ID_SECRET, |v| {
                Ok::<_, String>(v.to_owned())
            })?,
            writes: WriteConfig {
                region: "local".to_owned(),
                ..WriteConfig::from_env()?
            },
            cors: config::optional(CORS_ORIGINS_VAR, CorsPolicy::parse)?.unwrap_or_default(),
            web: WebConfig {
                dir: config::optional(web::WEB_DIR_VAR, |v| Ok::<_, String>(PathBuf::from(v)))?
                    .unwrap_or_else(|| WebConfig::default().dir),
                basemap_tile_url: config::optional(web::BASEMAP_VAR, |v| {
                    Ok::<_, String>(v.to_owned())
                })?,
            },
        })
    }
}

/// Every function's dependencies, built once.
pub struct App {
    store: SqliteStore,
    cors: CorsPolicy,
    /// The built web app and its runtime configuration.
    web: WebConfig,
    jwt_secret: String,
    /// Signs and checks local upload targets (the local stand-in for S3 POST policies).
    upload_secret: String,
    /// Objects: `uploads/<photoId>` (raw) and `media/<name>` (renditions), under the data dir.
    blobs: DirBlobs,
    /// `http://<host>:<port>`, known once the listener is bound.
    base_url: OnceLock<String>,
    /// The in-process photo queue (the local SQS): upload keys to process.
    queue: mpsc::UnboundedSender<String>,
    queue_rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    /// Idempotency and write limits, shared by every write route.
    guard: WriteGuard<SqliteStore>,
    /// The hash from token subjects to public user ids.
    users: UserKeys,
    list_cafe_photos: list_cafe_photos::Deps<SqliteStore>,
    get_photo: get_photo::Deps<SqliteStore>,
    create_review: create_review::Deps<SqliteStore, ConvergingReviews>,
    list_reviews: list_reviews::Deps<SqliteStore>,
    update_review: update_review::Deps<SqliteStore, ConvergingReviews>,
    delete_review: delete_review::Deps<SqliteStore, ConvergingReviews>,
    create_story: create_story::Deps<SqliteStore, SqliteStore>,
    list_stories: list_stories::Deps<SqliteStore>,
    get_story: get_story::Deps<SqliteStore>,
    list_cafes: list_cafes::Deps<SqliteStore>,
    nearby_cafes: nearby_cafes::Deps<SqliteStore, SqliteStore>,
    get_cafe: get_cafe::Deps<SqliteStore>,
    list_roasters: list_roasters::Deps<SqliteStore>,
    get_roaster: get_roaster::Deps<SqliteStore>,
    get_artisan: get_artisan::Deps<SqliteStore>,
    list_artisans: list_artisans::Deps<SqliteStore>,
    list_cities: list_cities::Deps<SqliteStore>,
    list_brewing_methods: list_brewing_methods::Deps<SqliteStore>,
    get_brewing_method: get_brewing_method::Deps<SqliteStore>,
    get_me: get_me::Deps<SqliteStore>,
    get_my_experiments: get_my_experiments::Deps<SqliteStore>,
    update_me: update_me::Deps<SqliteStore, SqliteStore>,
    get_user: get_user::Deps<SqliteStore>,
    list_user_reviews: list_user_reviews::Deps<SqliteStore>,
    save_cafe: save_cafe::Deps<SqliteStore, SqliteStore, SqliteStore>,
    unsave_cafe: unsave_cafe::Deps<SqliteStore, SqliteStore>,
    list_saved_cafes: list_saved_cafes::Deps<SqliteStore>,
    get_review: get_review::Deps<SqliteStore>,
    update_story: update_story::Deps<SqliteStore, SqliteStore>,
    delete_story: delete_story::Deps<SqliteStore, SqliteStore>,
    delete_me: delete_me::Deps<SqliteStore, ConvergingReviews>,
    export_me: export_me::Deps<SqliteStore>,
}

impl App {
    /// The store the functions share.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }
}

/// Reads the secret in `data_dir/file`, creating it (32 random bytes, base64url) when missing.
pub fn load_or_create_secret(data_dir: &Path, file: &str) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join(file);
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

/// Opens the store in the data directory, seeding the demo dataset on first start (and
/// backfilling indexes a store from an older release lacks, and converting its authors to
/// public user ids: [`shared::maintenance::migrate_authors`]).
pub async fn open(config: &LocalConfig) -> anyhow::Result<Arc<App>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store =
        SqliteStore::open(&config.data_dir.join(DB_FILE)).context("opening the embedded store")?;
    let user_id_secret = match &config.user_id_secret {
        Some(secret) => secret.clone(),
        None => load_or_create_secret(&config.data_dir, USER_ID_SECRET_FILE)?,
    };
    let users = config::user_keys_from(vars::USER_ID_SECRET, &user_id_secret)?;
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
            users = report.users,
            reviews = report.reviews,
            stories = report.stories,
            saved_cafes = report.saved_cafes,
            "seeded demo data on first start"
        );
        // The recommender's job, as `xtask reco-refresh` runs it (docs/partners.md).
        let users = shared::maintenance::refresh_recommendations(&store, jiff::Timestamp::now())
            .await
            .context("computing the demo users' recommendations")?;
        info!(users, "computed recommendations");
    } else if !store.has_geo_entries().await?
        || !store.has_term_entries().await?
        || store.has_unsharded_cafe_lists().await?
        || shared::ports::CityReader::list_cities(&store)
            .await?
            .is_empty()
    {
        // A data directory from before the geo or term index, the city and artisan lists or
        // the sharded café and sync lists: backfill (and move) it once.
        let rewritten = shared::maintenance::rewrite_catalog(&store)
            .await
            .context("adding geo, term, city and artisan index entries to existing data")?;
        info!(
            cafes = rewritten.cafes,
            roasters = rewritten.roasters,
            "rewrote cafés and roasters written before the current indexes"
        );
    }
    if shared::maintenance::stored_schema_version(&store)
        .await?
        .is_none()
    {
        // Seeded stores carry the schema marker; a non-empty store without it was written
        // before public user ids (or before the marker): convert it once.
        let report = shared::maintenance::migrate_authors(&store, &users)
            .await
            .context("converting authors written before public user ids")?;
        info!(%report, "converted a store from before public user ids");
    }
    let flags_file = config.data_dir.join(FLAGS_FILE);
    if !flags_file.exists() {
        std::fs::write(&flags_file, DEFAULT_FLAGS)
            .with_context(|| format!("writing {}", flags_file.display()))?;
    }
    let secret = match &config.cursor_secret {
        Some(secret) => secret.clone(),
        None => load_or_create_secret(&config.data_dir, SECRET_FILE)?,
    };
    let jwt_secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None => load_or_create_secret(&config.data_dir, JWT_SECRET_FILE)?,
    };
    let reviews = ConvergingReviews::new(ReviewStore::new(
        store.clone(),
        config.writes.region.clone(),
    ));
    let guard = WriteGuard::new(store.clone(), config.writes.limits);
    let cursors: CursorCodec = config::cursor_codec(vars::CURSOR_SECRET, &secret)?;
    let (queue, queue_rx) = mpsc::unbounded_channel();
    if !config.web.dir.join("index.html").is_file() {
        tracing::warn!(
            web_dir = %config.web.dir.display(),
            "the web app is not built there: run `npm ci && npm run build` in web/ (make run does)"
        );
    }
    Ok(Arc::new(App {
        cors: config.cors.clone(),
        web: config.web.clone(),
        upload_secret: format!("uploads:{secret}"),
        blobs: DirBlobs::new(config.data_dir.join("blobs")),
        base_url: OnceLock::new(),
        queue,
        queue_rx: Mutex::new(Some(queue_rx)),
        guard: guard.clone(),
        list_cafe_photos: list_cafe_photos::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
        },
        get_photo: get_photo::Deps {
            store: store.clone(),
        },
        list_cafes: list_cafes::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
        },
        nearby_cafes: nearby_cafes::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
            flags: FlagSource::file(&flags_file),
            events: EventRecorder::new(store.clone(), EmfSink::Stdout),
            users: users.clone(),
        },
        get_cafe: get_cafe::Deps {
            store: store.clone(),
        },
        create_review: create_review::Deps {
            catalog: store.clone(),
            reviews: reviews.clone(),
            users: users.clone(),
            guard: guard.clone(),
        },
        list_reviews: list_reviews::Deps {
            catalog: store.clone(),
            cursors: cursors.clone(),
        },
        update_review: update_review::Deps {
            catalog: store.clone(),
            reviews: reviews.clone(),
            users: users.clone(),
            guard: guard.clone(),
        },
        delete_review: delete_review::Deps {
            catalog: store.clone(),
            reviews: reviews.clone(),
            users: users.clone(),
            guard: guard.clone(),
        },
        create_story: create_story::Deps {
            store: store.clone(),
            guard: guard.clone(),
            users: users.clone(),
        },
        get_me: get_me::Deps {
            store: store.clone(),
            users: users.clone(),
        },
        get_my_experiments: get_my_experiments::Deps {
            users: users.clone(),
            flags: FlagSource::file(&flags_file),
            events: EventRecorder::new(store.clone(), EmfSink::Stdout),
        },
        update_me: update_me::Deps {
            store: store.clone(),
            guard: guard.clone(),
            users: users.clone(),
        },
        get_user: get_user::Deps {
            store: store.clone(),
        },
        list_user_reviews: list_user_reviews::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
        },
        save_cafe: save_cafe::Deps {
            store: store.clone(),
            guard: guard.clone(),
            users: users.clone(),
            events: EventRecorder::new(store.clone(), EmfSink::Stdout),
        },
        unsave_cafe: unsave_cafe::Deps {
            store: store.clone(),
            guard: guard.clone(),
            users: users.clone(),
        },
        list_saved_cafes: list_saved_cafes::Deps {
            store: store.clone(),
            users: users.clone(),
            cursors: cursors.clone(),
        },
        get_review: get_review::Deps {
            store: store.clone(),
        },
        update_story: update_story::Deps {
            store: store.clone(),
            guard: guard.clone(),
            users: users.clone(),
        },
        delete_story: delete_story::Deps {
            store: store.clone(),
            guard: guard.clone(),
            users: users.clone(),
        },
        delete_me: delete_me::Deps {
            store: store.clone(),
            reviews: reviews.clone(),
            users: users.clone(),
        },
        export_me: export_me::Deps {
            store: store.clone(),
            users: users.clone(),
            cursors: cursors.clone(),
        },
        list_stories: list_stories::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
        },
        get_story: get_story::Deps {
            store: store.clone(),
        },
        jwt_secret,
        users,
        list_artisans: list_artisans::Deps {
            store: store.clone(),
            cursors: cursors.clone(),
        },
        list_cities: list_cities::Deps {
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
    Router::new()
        .route(
            UPLOAD_PATH,
            axum::routing::post(upload).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(usize::MAX) + 64 * 1024,
            )),
        )
        .route("/media/{name}", axum::routing::get(media))
        .route(
            web::DEV_SIGN_IN_PATH,
            axum::routing::post(dev_sign_in).fallback(dispatch),
        )
        .route(
            web::APP_CONFIG_PATH,
            axum::routing::get(app_config).fallback(dispatch),
        )
        .fallback(dispatch)
        .with_state(app)
}

/// Where local upload targets point (the local stand-in for the uploads bucket's endpoint).
pub const UPLOAD_PATH: &str = "/local-uploads";
/// The bucket name local upload policies carry.
const UPLOADS_BUCKET: &str = "uploads";
/// Attempts at processing one upload before giving up (SQS's maxReceiveCount in AWS).
const MAX_ATTEMPTS: u32 = 3;

impl App {
    /// Upload targets on this server (the local stand-in for presigned S3 POSTs).
    fn local_uploads(&self) -> LocalUploads {
        LocalUploads {
            url: format!("{}{UPLOAD_PATH}", self.base_url()),
            bucket: UPLOADS_BUCKET.to_owned(),
            secret: self.upload_secret.clone(),
        }
    }

    /// `http://<host>:<port>` of this server (set when it starts listening).
    fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1:3000", String::as_str)
    }
}

fn plain(status: http::StatusCode, message: &str) -> axum::response::Response {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut response = axum::response::Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// `POST /local-uploads`: what S3 does with a presigned POST. Checks the signed policy (key,
/// type, exact length, expiry), stores the file and queues it for the worker, like S3's
/// `ObjectCreated` notification to SQS. The file must be the last form field, named `file`.
async fn upload(
    State(app): State<Arc<App>>,
    mut form: axum::extract::Multipart,
) -> axum::response::Response {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file: Option<Vec<u8>> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if name == "file" {
                    match field.bytes().await {
                        Ok(bytes) => file = Some(bytes.to_vec()),
                        Err(e) => return plain(http::StatusCode::BAD_REQUEST, &e.to_string()),
                    }
                    break;
                }
                match field.text().await {
                    Ok(value) => fields.push((name, value)),
                    Err(e) => return plain(http::StatusCode::BAD_REQUEST, &e.to_string()),
                }
            }
            Ok(None) => break,
            Err(e) => return plain(http::StatusCode::BAD_REQUEST, &e.to_string()),
        }
    }
    let Some(file) = file else {
        return plain(
            http::StatusCode::BAD_REQUEST,
            "the form has no file field (it must come last)",
        );
    };
    let key = match shared::upload::verify(
        &fields,
        file.len() as u64,
        UPLOADS_BUCKET,
        &app.upload_secret,
        LOCAL_REGION,
        jiff::Timestamp::now(),
    ) {
        Ok(key) => key,
        Err(refused) => return plain(http::StatusCode::FORBIDDEN, &refused.to_string()),
    };
    let content_type = fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if let Err(e) = app.blobs.put(&key, file, &content_type, "private").await {
        tracing::error!(error = %e, key, "could not store an upload");
        return plain(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "could not store the upload",
        );
    }
    if app.queue.send(key).is_err() {
        tracing::error!("the photo worker has stopped");
    }
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    *response.status_mut() = http::StatusCode::NO_CONTENT;
    response
}

/// `GET /media/{name}`: published renditions, as CloudFront serves them from the media bucket.
async fn media(
    State(app): State<Arc<App>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> axum::response::Response {
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("webp") => "image/webp",
        Some("jpeg") => "image/jpeg",
        _ => return plain(http::StatusCode::NOT_FOUND, "no such media"),
    };
    match app.blobs.get(&format!("media/{name}"), u64::MAX).await {
        Ok(Fetched::Bytes(bytes)) => {
            let mut response = axum::response::Response::new(axum::body::Body::from(bytes));
            let headers = response.headers_mut();
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(content_type),
            );
            headers.insert(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static(shared::blob::IMMUTABLE),
            );
            response
        }
        _ => plain(http::StatusCode::NOT_FOUND, "no such media"),
    }
}

/// The local photo worker: the same `process_upload` the Lambda runs, fed by the in-process
/// queue. Transient failures are retried like SQS redelivery, then logged (the local DLQ).
fn spawn_worker(app: &Arc<App>) {
    let Some(mut rx) = app.queue_rx.lock().ok().and_then(|mut rx| rx.take()) else {
        return;
    };
    let deps = resize_image::Deps {
        store: app.store.clone(),
        uploads: app.blobs.clone(),
        media: app.blobs.clone(),
        media_base_url: format!("{}/media", app.base_url()),
    };
    tokio::spawn(async move {
        while let Some(key) = rx.recv().await {
            for attempt in 1..=MAX_ATTEMPTS {
                match resize_image::process_upload(&deps, &key).await {
                    Ok(outcome) => {
                        info!(key, ?outcome, "upload processed");
                        break;
                    }
                    Err(e) if attempt < MAX_ATTEMPTS => {
                        tracing::warn!(key, attempt, error = %e, "upload will be retried");
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    }
                    Err(e) => tracing::error!(key, error = %e, "upload given up (dead letter)"),
                }
            }
        }
    });
}

/// How often the local server fails overdue pending photos (EventBridge runs the sweep every 5
/// minutes in AWS).
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);
/// How often it purges deleted photos' media: often, so a deleted photo's renditions are gone
/// from `/media/` within seconds locally (nothing caches them here).
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The local photo sweep: the same `sweep_photos::sweep` and `sweep_photos::purge` the scheduled
/// Lambda runs, at start and then every [`SWEEP_EVERY`] and [`PURGE_EVERY`].
fn spawn_sweeper(app: &Arc<App>) {
    let deps = Arc::new(sweep_photos::Deps {
        store: app.store.clone(),
        uploads: app.blobs.clone(),
        media: app.blobs.clone(),
        cdn: NoCdn,
        media_host: shared::domain::url_host(app.base_url())
            .unwrap_or_default()
            .to_owned(),
    });
    let sweeper = Arc::clone(&deps);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            match sweep_photos::sweep(&sweeper, jiff::Timestamp::now()).await {
                Ok(swept) if swept.failed > 0 => info!(failed = swept.failed, "photo sweep"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "photo sweep failed; it runs again later"),
            }
        }
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_EVERY);
        loop {
            every.tick().await;
            if let Err(e) = sweep_photos::purge(&deps).await {
                tracing::warn!(error = %e, "media purge failed; it runs again later");
            }
        }
    });
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

/// `GET /app-config.json`: the web app's runtime configuration (API under `/api`, development
/// sign-in, the basemap if one is configured).
async fn app_config(State(app): State<Arc<App>>) -> axum::response::Response {
    web::json_response(&web::app_config(&app.web), "no-cache")
}

/// `POST /_dev/sign-in` with `{"sub": "…"}`: an HS256 token this server accepts, for the web
/// app's development sign-in (the local stand-in for Cognito's hosted UI; never in AWS).
async fn dev_sign_in(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let parsed = match axum::body::to_bytes(req.into_body(), web::MAX_SIGN_IN_BYTES).await {
        Ok(body) => web::parse_sign_in(content_type.as_deref(), &body),
        Err(_) => Err(ApiError::PayloadTooLarge {
            limit: web::MAX_SIGN_IN_BYTES,
        }),
    };
    match parsed {
        Ok(sub) => {
            info!("development sign-in");
            web::sign_in_response(&sub, &app.jwt_secret, jiff::Timestamp::now().as_second())
        }
        Err(err) => to_axum(error_response(&err, web::DEV_SIGN_IN_PATH, &request_id)),
    }
}

/// Routes a request the router has no route for: the API (also under `/api`, prefix stripped),
/// else a file of the web app, else `index.html` for a page load, else the API's
/// `route-not-found` problem ([`web`] explains the order).
async fn dispatch(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (mut parts, body) = req.into_parts();
    if let Some(uri) = web::strip_api_prefix(&parts.uri) {
        parts.uri = uri;
    } else if matches!(
        match_route(parts.method.as_str(), parts.uri.path()),
        RouteMatch::NotFound
    ) && (parts.method == http::Method::GET || parts.method == http::Method::HEAD)
    {
        if let Some(file) = web::file(&app.web, &parts).await {
            return file;
        }
        if web::wants_page(&parts.method, &parts.headers)
            && let Some(index) = web::index(&app.web, &parts).await
        {
            return index;
        }
    }
    call_api(&app, axum::extract::Request::from_parts(parts, body)).await
}

/// Applies the CORS policy (as API Gateway's `CorsConfiguration` does in AWS): answers
/// preflights itself and marks responses to allowed origins readable.
async fn call_api(app: &App, req: axum::extract::Request) -> axum::response::Response {
    let origin = req
        .headers()
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(preflight) = app.cors.preflight(req.method(), req.headers()) {
        return preflight;
    }
    let mut response = call_function(app, req).await;
    app.cors.decorate(origin.as_deref(), response.headers_mut());
    response
}

/// Turns an incoming request into a Lambda request and runs the function that owns its route.
async fn call_function(app: &App, req: axum::extract::Request) -> axum::response::Response {
    let (mut parts, body) = req.into_parts();
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = http::HeaderValue::from_str(&request_id) {
        parts.headers.insert(REQUEST_ID_HEADER, value);
    }
    let too_large = || {
        to_axum(error_response(
            &ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            },
            parts.uri.path(),
            &request_id,
        ))
    };
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    // Reads at most the limit: a longer (chunked) body fails here rather than filling memory.
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) if bytes.is_empty() => Body::Empty,
        Ok(bytes) => Body::Binary(bytes.to_vec()),
        Err(e) => {
            tracing::warn!(error = %e, "request body not read (over the limit or cut short)");
            return too_large();
        }
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
    // The partner API (`/partner/v1/…`): its own route table, the same key check and limits as
    // in AWS (the gate is inside each partner handler).
    if let Some((route, params)) = shared::http::partner::PARTNER_ROUTES
        .iter()
        .filter(|r| r.method == method || (method == "HEAD" && r.method == "GET"))
        .find_map(|r| shared::http::routes::match_path(r.path, &path).map(|(p, _)| (r, p)))
    {
        let store = app.store.clone();
        let params: std::collections::HashMap<String, String> = params.into_iter().collect();
        let req = req.with_path_parameters(params);
        let response = match route.function {
            "partner-usage" => {
                let deps = partner_usage::Deps {
                    store,
                    metrics: EmfSink::Stdout,
                };
                partner_usage::handle(&deps, req).await
            }
            "partner-recommendations" => {
                let deps = partner_recommendations::Deps {
                    store,
                    metrics: EmfSink::Stdout,
                };
                partner_recommendations::handle(&deps, req).await
            }
            "partner-cafes" => {
                let deps = partner_cafes::Deps {
                    store,
                    cursors: app.list_artisans.cursors.clone(),
                    metrics: EmfSink::Stdout,
                };
                partner_cafes::handle(&deps, req).await
            }
            _ => route_not_found::handle(&req),
        };
        return to_axum(response);
    }
    let response = match match_route(&method, &path) {
        RouteMatch::Found(route, params) => {
            let params: std::collections::HashMap<String, String> = params.into_iter().collect();
            let mut req = req.with_path_parameters(params);
            if route.auth {
                match authorize(&req, &app.jwt_secret, &request_id) {
                    Ok(context) => req = req.with_request_context(context),
                    Err(err) => return to_axum(error_response(&err, &path, &request_id)),
                }
            }
            match route.function {
                "create-review" => create_review::handle(&app.create_review, req).await,
                "list-reviews" => list_reviews::handle(&app.list_reviews, req).await,
                "update-review" => update_review::handle(&app.update_review, req).await,
                "delete-review" => delete_review::handle(&app.delete_review, req).await,
                "create-story" => create_story::handle(&app.create_story, req).await,
                "list-stories" => list_stories::handle(&app.list_stories, req).await,
                "get-story" => get_story::handle(&app.get_story, req).await,
                "create-photo" => {
                    let deps = create_photo::Deps {
                        store: app.store.clone(),
                        guard: app.guard.clone(),
                        users: app.users.clone(),
                        uploads: app.local_uploads(),
                    };
                    create_photo::handle(&deps, req).await
                }
                "get-photo" => get_photo::handle(&app.get_photo, req).await,
                "create-upload-form" => {
                    let deps = create_upload_form::Deps {
                        store: app.store.clone(),
                        uploads: app.local_uploads(),
                        users: app.users.clone(),
                    };
                    create_upload_form::handle(&deps, req).await
                }
                "delete-photo" => {
                    let deps = delete_photo::Deps {
                        store: app.store.clone(),
                        users: app.users.clone(),
                    };
                    delete_photo::handle(&deps, req).await
                }
                "list-cafe-photos" => list_cafe_photos::handle(&app.list_cafe_photos, req).await,
                "list-cafes" => list_cafes::handle(&app.list_cafes, req).await,
                "nearby-cafes" => nearby_cafes::handle(&app.nearby_cafes, req).await,
                "get-cafe" => get_cafe::handle(&app.get_cafe, req).await,
                "list-roasters" => list_roasters::handle(&app.list_roasters, req).await,
                "get-roaster" => get_roaster::handle(&app.get_roaster, req).await,
                "get-artisan" => get_artisan::handle(&app.get_artisan, req).await,
                "list-artisans" => list_artisans::handle(&app.list_artisans, req).await,
                "list-cities" => list_cities::handle(&app.list_cities, req).await,
                "list-brewing-methods" => {
                    list_brewing_methods::handle(&app.list_brewing_methods, req).await
                }
                "get-brewing-method" => {
                    get_brewing_method::handle(&app.get_brewing_method, req).await
                }
                "get-me" => get_me::handle(&app.get_me, req).await,
                "get-my-experiments" => {
                    get_my_experiments::handle(&app.get_my_experiments, req).await
                }
                "update-me" => update_me::handle(&app.update_me, req).await,
                "get-user" => get_user::handle(&app.get_user, req).await,
                "list-user-reviews" => list_user_reviews::handle(&app.list_user_reviews, req).await,
                "save-cafe" => save_cafe::handle(&app.save_cafe, req).await,
                "unsave-cafe" => unsave_cafe::handle(&app.unsave_cafe, req).await,
                "grant-consent" => {
                    let deps = grant_consent::Deps {
                        store: app.store.clone(),
                        guard: app.guard.clone(),
                        users: app.users.clone(),
                    };
                    grant_consent::handle(&deps, req).await
                }
                "withdraw-consent" => {
                    let deps = withdraw_consent::Deps {
                        store: app.store.clone(),
                        guard: app.guard.clone(),
                        users: app.users.clone(),
                    };
                    withdraw_consent::handle(&deps, req).await
                }
                "list-saved-cafes" => list_saved_cafes::handle(&app.list_saved_cafes, req).await,
                "get-review" => get_review::handle(&app.get_review, req).await,
                "update-story" => update_story::handle(&app.update_story, req).await,
                "delete-story" => delete_story::handle(&app.delete_story, req).await,
                "delete-me" => delete_me::handle(&app.delete_me, req).await,
                "export-me" => export_me::handle(&app.export_me, req).await,
                "health" => {
                    let deps = health::Deps {
                        store: app.store.clone(),
                        region: "local".to_owned(),
                        version: health::VERSION,
                        probe_timeout: health::PROBE_TIMEOUT,
                    };
                    health::handle(&deps, req).await
                }
                // A route in the table without a handler here: the routes test catches this.
                _ => route_not_found::handle(&req),
            }
        }
        RouteMatch::MethodNotAllowed(_) | RouteMatch::NotFound => route_not_found::handle(&req),
    };
    to_axum(response)
}

/// Does locally what API Gateway's JWT authorizer does in AWS: verifies the bearer token and
/// hands the function the claims in the request context.
fn authorize(
    req: &lambda_http::Request,
    secret: &str,
    request_id: &str,
) -> Result<RequestContext, ApiError> {
    let now = jiff::Timestamp::now().as_second();
    let claims = verify_bearer(req, secret.as_bytes(), now)?;
    let context = serde_json::json!({
        "requestId": request_id,
        "stage": "$default",
        "http": { "method": req.method().as_str(), "path": req.uri().path() },
        "authorizer": { "jwt": { "claims": { "sub": claims.sub }, "scopes": null } }
    });
    serde_json::from_value(context)
        .map(RequestContext::ApiGatewayV2)
        .map_err(|e| ApiError::Internal(Box::new(e)))
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(listener: TcpListener, app: Arc<App>) -> anyhow::Result<()> {
    let addr = listener.local_addr().context("reading the bound address")?;
    // Ignore a second serve of the same app: the first address stays.
    let _ = app.base_url.set(format!("http://{addr}"));
    spawn_worker(&app);
    spawn_sweeper(&app);
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
