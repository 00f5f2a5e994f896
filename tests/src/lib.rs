//! Test support shared by the suites in `tests/tests/it/`: fresh stores for the contract suites
//! (embedded SQLite, and DynamoDB over HTTP on the moto server `make test` starts), a
//! `spawn_app()` that runs the local server on port 0, a small hand-made catalogue, an
//! OpenAPI response validator, the API compatibility checker (`compat`) and template.yaml as
//! data (`template_yaml`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod chaos;
pub mod compat;
pub mod counting;
pub mod fixtures;
pub mod openapi;
pub mod template_yaml;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use shared::store::dynamodb::DynamoStore;
use shared::store::sqlite::SqliteStore;

/// splitmix64: a small deterministic generator, so every run of a suite checks the same cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// Weekly hours in a zone picked from `zones`: each day has one period with probability
/// `p_open`, its shape picked from `shapes` (`("18:00", "02:00")` runs past midnight,
/// `("09:00", "09:00")` round the clock).
pub fn random_hours(
    rng: &mut Rng,
    zones: &[&str],
    shapes: &[(&str, &str)],
    p_open: f64,
) -> shared::domain::OpeningHours {
    use shared::domain::{LocalTime, OpeningHours, OpeningPeriod, TimeZoneName, Weekday};
    let mut periods = Vec::new();
    for day in Weekday::ALL {
        if rng.unit() < p_open {
            let (opens, closes) = *rng.pick(shapes);
            periods.push(OpeningPeriod {
                day,
                opens: LocalTime::parse(opens).expect("time"),
                closes: LocalTime::parse(closes).expect("time"),
            });
        }
    }
    OpeningHours {
        time_zone: TimeZoneName::parse(rng.pick::<&str>(zones)).expect("zone"),
        periods,
    }
}

/// Environment variable holding the local protocol server's URL (set by `make test`).
pub const ENDPOINT_VAR: &str = "CRAFTBEAN_TEST_AWS_ENDPOINT";

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh, private embedded store.
pub fn embedded_store() -> SqliteStore {
    SqliteStore::in_memory().expect("in-memory SQLite store")
}

/// The moto endpoint. The DynamoDB suites are never skipped: without the server they fail and
/// say how to get one.
pub fn aws_endpoint() -> String {
    match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{ENDPOINT_VAR} is not set: the DynamoDB/SQS/S3 adapter tests run over HTTP against moto's server. \
             Run `make test` (it starts one), or start `.venv/bin/moto_server -p 5000` and export {ENDPOINT_VAR}=http://127.0.0.1:5000"
        ),
    }
}

/// SDK clients for the local protocol server (dummy credentials, the `tool` budget), built
/// where every client is built (`shared::aws`).
pub async fn aws() -> shared::aws::Aws {
    use shared::aws::{Aws, Budget, BudgetKind};
    Aws::local(Budget::of(BudgetKind::Tool), &aws_endpoint()).await
}

/// A DynamoDB store on a brand-new table in the local protocol server, so tests can run in
/// parallel without seeing each other's items.
pub async fn dynamodb_store() -> DynamoStore {
    let table = format!("contract-{}", uuid::Uuid::new_v4());
    let store = DynamoStore::connect(&aws().await, table);
    assert!(store.create_table().await.expect("create table over HTTP"));
    store
}

/// An S3 bucket with a fresh name in the local protocol server.
pub async fn s3_bucket() -> shared::blob::s3::S3Blobs {
    let bucket = format!("contract-{}", uuid::Uuid::new_v4());
    let blobs = shared::blob::s3::S3Blobs::new(aws().await.s3(), bucket);
    blobs
        .create_bucket()
        .await
        .expect("create bucket over HTTP");
    blobs
}

/// A queue with a dead-letter queue (`maxReceiveCount` 3, visibility timeout
/// `visibility_seconds`) in the local protocol server: `(queue, dead-letter queue)`.
pub async fn sqs_queue_with_dlq(
    visibility_seconds: u32,
) -> (shared::blob::sqs::SqsQueue, shared::blob::sqs::SqsQueue) {
    use aws_sdk_sqs::types::QueueAttributeName;
    let client = aws().await.sqs();
    let name = format!("photos-{}", uuid::Uuid::new_v4());
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("create dead-letter queue over HTTP")
        .queue_url
        .expect("queue url");
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("queue arn");
    let redrive = serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"});
    let url = client
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility_seconds.to_string(),
        )
        .send()
        .await
        .expect("create queue over HTTP")
        .queue_url
        .expect("queue url");
    (
        shared::blob::sqs::SqsQueue::new(client.clone(), url),
        shared::blob::sqs::SqsQueue::new(client, dlq_url),
    )
}

/// A running local server on an ephemeral port with its own data directory.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
}

/// The response of one request, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl Reply {
    /// The `id` of every item of a list body (`{"items": [{"id": …}, …]}`), in order.
    pub fn item_ids(&self) -> Vec<String> {
        self.body["items"]
            .as_array()
            .expect("a list body")
            .iter()
            .map(|c| c["id"].as_str().expect("an item id").to_owned())
            .collect()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// The URL of `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    /// Sends a request and decodes the JSON body (`null` when empty).
    pub async fn request(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.send(method, path_and_query, headers, None).await
    }

    /// Sends a JSON body with the given headers.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Reply {
        self.send(method, path, headers, Some(body)).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        if let Some(body) = body {
            req = req.json(body);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request reaches the local server");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("body is not JSON ({e}): {bytes:?}"))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `GET` shorthand.
    pub async fn get(&self, path_and_query: &str) -> Reply {
        self.request("GET", path_and_query, &[]).await
    }
}

/// A SQLite file seeded with the demo catalogue once per test binary; each app gets a copy, so
/// tests stay independent without paying for seeding every time.
fn seeded_template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join(local_server::DB_FILE);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let store = SqliteStore::open(&path).expect("open template store");
                let catalog = shared::demo::catalog().expect("demo catalogue");
                shared::seed::seed(&store, &catalog).await.expect("seed");
            });
            (dir, path)
        })
        .1
}

/// Cursor secret used by test apps.
pub const TEST_CURSOR_SECRET: &str = "test-cursor-secret-0123456789abcdef";

/// JWT secret used by test apps.
pub const TEST_JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef0123";

/// The local config of a test app over `data_dir`, every action limited to `max_writes` an hour.
pub fn test_config(data_dir: &std::path::Path, max_writes: u32) -> local_server::LocalConfig {
    local_server::LocalConfig {
        port: 0,
        data_dir: data_dir.to_path_buf(),
        cursor_secret: Some(TEST_CURSOR_SECRET.to_owned()),
        jwt_secret: Some(TEST_JWT_SECRET.to_owned()),
        user_id_secret: Some(shared::testing::TEST_USER_ID_SECRET.to_owned()),
        writes: shared::config::WriteConfig {
            limits: shared::config::WriteLimits::all_per_hour(max_writes),
            region: "local".to_owned(),
        },
        cors: local_server::CorsPolicy::default(),
        web: local_server::WebConfig {
            dir: repo_root().join("web/dist"),
            basemap_tile_url: None,
        },
    }
}

/// A bearer token for `sub`, valid for an hour, signed with the test secret.
pub fn token(sub: &str) -> String {
    let exp = jiff::Timestamp::now().as_second() + 3600;
    shared::jwt::sign(
        &shared::jwt::Claims {
            sub: sub.to_owned(),
            exp,
        },
        TEST_JWT_SECRET.as_bytes(),
    )
}

/// Ids of the demo cafés nobody has reviewed, written about or saved (every
/// `QUIET_EVERY`-th café): a clean slate for tests that count what they write.
pub fn quiet_cafe_ids() -> Vec<String> {
    shared::demo::catalog()
        .expect("demo catalogue")
        .cafes
        .iter()
        .step_by(shared::demo::QUIET_EVERY)
        .map(|c| c.id.to_string())
        .collect()
}

/// The public user id test apps give the token subject `sub`.
pub fn public_id(sub: &str) -> String {
    shared::testing::public_id(sub).to_string()
}

/// Starts the local server on port 0 over a fresh copy of the seeded demo store.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_limit(30).await
}

/// Like [`spawn_app`], with every action's bucket holding `max_writes` tokens an hour.
pub async fn spawn_app_with_limit(max_writes: u32) -> TestApp {
    spawn_app_with_limits(shared::config::WriteLimits::all_per_hour(max_writes)).await
}

/// Like [`spawn_app`], with these write limits.
pub async fn spawn_app_with_limits(limits: shared::config::WriteLimits) -> TestApp {
    spawn_app_with(limits, None).await
}

/// Like [`spawn_app`], serving the web app from `web_dir` instead of the repository's
/// `web/dist`.
pub async fn spawn_app_with_web_dir(web_dir: &std::path::Path) -> TestApp {
    spawn_app_with(
        shared::config::WriteLimits::all_per_hour(30),
        Some(web_dir.to_path_buf()),
    )
    .await
}

async fn spawn_app_with(limits: shared::config::WriteLimits, web_dir: Option<PathBuf>) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let template = tokio::task::spawn_blocking(|| seeded_template().clone())
        .await
        .expect("template");
    std::fs::copy(&template, data_dir.path().join(local_server::DB_FILE))
        .expect("copy seeded store");
    let mut config = test_config(data_dir.path(), 1);
    config.writes.limits = limits;
    if let Some(dir) = web_dir {
        config.web.dir = dir;
    }
    let app = local_server::open(&config).await.expect("open app");
    let listener = local_server::bind(0).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(local_server::serve(listener, app));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        data_dir,
    }
}

/// Instantiates a contract suite: each listed generic test runs once on a fresh embedded store
/// (`embedded::…`) and once on a fresh DynamoDB table in moto (`dynamodb_over_http_moto::…`).
#[macro_export]
macro_rules! contract_suite {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::embedded_store()).await;
                }
            )*
        }
        mod dynamodb_over_http_moto {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::dynamodb_store().await).await;
                }
            )*
        }
    };
}
