//! `cargo run -p xtask -- <task>`: project chores that are code, not shell.
//!
//! - `seed --store embedded [--data-dir DIR]`: load the demo catalogue into the SQLite store.
//! - `seed --store dynamodb [--table NAME] [--create-table]`: the same, into DynamoDB at
//!   `AWS_ENDPOINT_URL` (moto locally) or the account in your AWS profile.
//! - `events`: regenerate the API Gateway event fixtures in `events/` from the demo catalogue.
//! - `sizes [--dir DIR]`: each function's zipped size from `DIR/<function>/bootstrap.zip`
//!   (default `$CARGO_TARGET_DIR/lambda`, as `make sizes` builds them, one function at a time);
//!   fails when an API function's zip is over the 3 MB goal (docs/build-size.md).
//! - `reindex --store embedded|dynamodb [--data-dir DIR] [--table NAME]`: rewrite every café and
//!   roaster so its partition holds every index entry the current key design derives (backfills
//!   the geo and term indexes of entities written before they existed), re-write the artisans
//!   the cafés name (the artisan list) and rebuild the city list from the whole catalogue.
//!   Idempotent; safe to stop and re-run.
//! - `refresh-ratings --store embedded|dynamodb [--data-dir DIR] [--table NAME]`: make every
//!   café show the sum of its rating shards (what the `refresh-ratings` stream consumer does per
//!   café): the repair for batches it dead-lettered. Idempotent.
//! - `migrate-authors --store embedded|dynamodb [--data-dir DIR] [--table NAME]`: convert a
//!   store written before public user ids (reviews, stories and ready photos that name their
//!   author by the token subject), keyed by `CRAFTBEAN_USER_ID_SECRET` (embedded: else the
//!   data directory's `user-id-secret`, as the local server does). Idempotent; prints what it
//!   converted. See `shared::maintenance::migrate_authors`.
//! - `bench-nearby`: the nearby-search benchmark (100,000 cafés; latency on the embedded store
//!   and DynamoDB read costs); run it through `make bench-nearby` for an optimised build.
//! - `photo-worker --queue-url URL [--table NAME] --uploads BUCKET --media BUCKET
//!   --media-base-url URL`: run the resize worker against an SQS queue outside Lambda (e.g. moto
//!   at `AWS_ENDPOINT_URL`), deleting handled messages and leaving failures for redelivery.
//! - `bench-coldstart [--bins DIR] [--functions a,b] [--starts N] [--invocations N] [--table
//!   NAME] [--report DIR]`: init, first and warm invoke, peak RSS and size of each function
//!   binary under a Lambda Runtime API emulator, beside a hello world (run it through
//!   `make bench-coldstart`, which builds the binaries as Lambda runs them; docs/coldstart.md).
//! - `http-functions`: the functions behind API routes, space-separated (for scripts).
//! - `deploy-web --stack NAME [--dist web/dist] [--auth-domain URL] [--basemap-tile-url URL]`:
//!   publish the built web app to the stack's web bucket (app-config.json from the stack's
//!   outputs, Content-Type and Cache-Control per file, stale files deleted) and invalidate its
//!   entry points on the distribution (`make deploy-web`; docs/deploy.md, "Web app").
//! - `partner create|issue-key|revoke-key|set-tier|suspend|resume|delete|list|bill …
//!   --store embedded|dynamodb [--usage-plans free=ID,standard=ID,enterprise=ID]`: partner
//!   lifecycle (with `--usage-plans`, API Gateway's keys too: `partner_edge`) and the monthly
//!   bill as CSV (see `partner::USAGE` and docs/partners.md).
//! - `experiment bandit [--rates 0.10,0.12] [--steps N] [--runs N] [--seed N]`: Thompson
//!   sampling against a fixed 50/50 split on simulated traffic, by regret (`bandit.rs`).
//! - `experiment report <id> [--store embedded|dynamodb] [--data-dir DIR] [--table NAME]
//!   [--metric save] [--variants a,b] [--weights 5000,5000] [--json]`: per-variant units,
//!   conversions and rates, lifts with 95 % intervals, a two-proportion z-test and the
//!   sample-ratio check, then the guardrails per variant: p50/p95 latency and error rate, a
//!   breach flagged (`guardrails.rs`, docs/experiments.md). `experiment simulate [--runs N]
//!   [--units N]`: the same analysis on simulated A/A and A/B traffic.
//!   `experiment guardrails-simulate [--slower 0.3] [--errors 0.01] [--requests N]`: the
//!   guardrail lines on simulated requests.
//! - `reco-eval [--seed N]`: the recommender's offline evaluation on the demo data (leave the
//!   latest liked café out per user; hit-rate@10 and nDCG@10 beside popularity and random
//!   baselines; `make reco-eval`, docs/partners.md).
//! - `reco-refresh --store embedded|dynamodb [--data-dir DIR] [--table NAME]`: the
//!   recommender's job: recompute and store every user's recommendations
//!   (`shared::maintenance::refresh_recommendations`).
//! - `token [--sub USER] [--hours N] [--data-dir DIR]`: print a bearer token the local server
//!   accepts (HS256, signed with `CRAFTBEAN_JWT_SECRET`, else `CRAFTBEAN_DEV_JWT_SECRET` — what
//!   functions under `cargo lambda watch` verify with — else the data directory's secret).

mod bandit;
mod bench_nearby;
mod coldstart;
mod deploy_web;
mod events;
mod experiment;
mod guardrails;
mod partner;
mod partner_edge;
mod reco_eval;

use std::path::PathBuf;

use anyhow::{Context, bail};
use shared::seed::seed;
use shared::store::dynamodb::DynamoStore;
use shared::store::sqlite::SqliteStore;

const USAGE: &str =
    "usage: xtask seed --store embedded|dynamodb [--data-dir DIR] [--table NAME] [--create-table]
       xtask events
       xtask sizes [--dir DIR]
       xtask token [--sub USER] [--hours N] [--data-dir DIR]
       xtask reindex --store embedded|dynamodb [--data-dir DIR] [--table NAME]
       xtask refresh-ratings --store embedded|dynamodb [--data-dir DIR] [--table NAME]
       xtask migrate-authors --store embedded|dynamodb [--data-dir DIR] [--table NAME]
       xtask partner <command> --store embedded|dynamodb …   (xtask partner for details)
       xtask reco-eval [--seed N]
       xtask reco-refresh --store embedded|dynamodb [--data-dir DIR] [--table NAME]
       xtask bench-nearby [--cafes N] [--db DIR]
       xtask bench-coldstart [--bins DIR] [--functions a,b] [--starts N] [--invocations N] [--table NAME] [--report DIR]
       xtask http-functions
       xtask experiment report <id> [--store embedded|dynamodb] [--metric save] [--weights 5000,5000] [--json]
       xtask experiment bandit [--rates 0.10,0.12] [--steps 20000] [--runs 20] [--seed 1]
       xtask experiment simulate [--runs N] [--units N]
       xtask experiment guardrails-simulate [--slower 0.3] [--errors 0.01] [--requests 5000]
       xtask photo-worker --queue-url URL [--table NAME] --uploads BUCKET --media BUCKET --media-base-url URL
       xtask deploy-web (--stack NAME | --bucket B --distribution-id D --auth-domain URL --web-client-id ID) [--dist DIR] [--auth-domain URL] [--basemap-tile-url URL]";

/// Default table name for local DynamoDB runs.
const DEFAULT_TABLE: &str = "craftbean-local";

fn flag_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// `--table`, else `CRAFTBEAN_TABLE`, else the local default.
fn table(args: &[String]) -> String {
    flag_value(args, "--table")
        .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
        .unwrap_or_else(|| DEFAULT_TABLE.to_owned())
}

/// `--data-dir`, else `CRAFTBEAN_DATA_DIR`, else `.craftbean`.
fn data_dir(args: &[String]) -> PathBuf {
    PathBuf::from(
        flag_value(args, "--data-dir")
            .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
            .unwrap_or_else(|| ".craftbean".to_owned()),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed_command(&args[1..]).await,
        Some("events") => events::write_all(&PathBuf::from("events")),
        Some("sizes") => sizes(&args[1..]),
        Some("token") => token(&args[1..]),
        Some("bench-nearby") => bench_nearby::run(&args[1..]).await,
        Some("bench-coldstart") => coldstart::run(&args[1..]).await,
        Some("http-functions") => {
            println!("{}", coldstart::http_functions().join(" "));
            Ok(())
        }
        Some("reindex") => reindex(&args[1..]).await,
        Some("partner") => partner_command(&args[1..]).await,
        Some("refresh-ratings") => refresh_ratings(&args[1..]).await,
        Some("migrate-authors") => migrate_authors(&args[1..]).await,
        Some("experiment") => experiment::run(&args[1..]).await,
        Some("reco-eval") => reco_eval::run(&args[1..]),
        Some("reco-refresh") => reco_refresh(&args[1..]).await,
        Some("photo-worker") => photo_worker(&args[1..]).await,
        Some("deploy-web") => deploy_web::run(|name| flag_value(&args[1..], name)).await,
        _ => bail!("{USAGE}"),
    }
}

async fn photo_worker(args: &[String]) -> anyhow::Result<()> {
    let need =
        |name: &str| flag_value(args, name).with_context(|| format!("{name} is required\n{USAGE}"));
    let queue_url = need("--queue-url")?;
    let table = flag_value(args, "--table")
        .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
        .unwrap_or_else(|| DEFAULT_TABLE.to_owned());
    let (s3, aws) = shared::blob::s3::client_from_env().await;
    let deps = resize_image::Deps {
        store: DynamoStore::connect(&aws, table),
        uploads: shared::blob::s3::S3Blobs::new(s3.clone(), need("--uploads")?),
        media: shared::blob::s3::S3Blobs::new(s3, need("--media")?),
        media_base_url: need("--media-base-url")?.trim_end_matches('/').to_owned(),
    };
    let queue = shared::blob::sqs::SqsQueue::new(aws.sqs(), queue_url);
    tracing::info!(queue = queue.url(), "photo worker polling");
    loop {
        let report = resize_image::poller::poll_once(&deps, &queue, 20).await?;
        if report.received > 0 {
            tracing::info!(?report, "poll");
        }
    }
}

async fn partner_command(args: &[String]) -> anyhow::Result<()> {
    let now = shared::domain::time::now_millis();
    let edge = match flag_value(args, "--usage-plans") {
        Some(raw) => Some(partner_edge::EdgeKeys {
            client: shared::aws::Aws::from_env(shared::aws::Budget::of(
                shared::aws::BudgetKind::Tool,
            ))
            .await?
            .apigateway(),
            plans: partner_edge::UsagePlans::parse(&raw)?,
        }),
        None => None,
    };
    let edge = edge.as_ref();
    let mut out = std::io::stdout().lock();
    match flag_value(args, "--store").as_deref() {
        Some("embedded") => {
            let dir = flag_value(args, "--data-dir")
                .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
                .unwrap_or_else(|| ".craftbean".to_owned());
            let store = SqliteStore::open(&PathBuf::from(&dir).join("craftbean.sqlite3"))?;
            partner::run(&store, edge, args, now, &mut out).await
        }
        Some("dynamodb") => {
            let table = flag_value(args, "--table")
                .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
                .unwrap_or_else(|| DEFAULT_TABLE.to_owned());
            let store = DynamoStore::from_env(table).await;
            partner::run(&store, edge, args, now, &mut out).await
        }
        _ => bail!("{}", partner::USAGE),
    }
}

async fn reindex(args: &[String]) -> anyhow::Result<()> {
    let rewritten = match flag_value(args, "--store").as_deref() {
        Some("embedded") => {
            let dir = flag_value(args, "--data-dir")
                .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
                .unwrap_or_else(|| ".craftbean".to_owned());
            let store = SqliteStore::open(&PathBuf::from(&dir).join("craftbean.sqlite3"))?;
            shared::maintenance::rewrite_catalog(&store).await?
        }
        Some("dynamodb") => {
            let table = flag_value(args, "--table")
                .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
                .unwrap_or_else(|| DEFAULT_TABLE.to_owned());
            let store = DynamoStore::from_env(table).await;
            shared::maintenance::rewrite_catalog(&store).await?
        }
        _ => bail!("{USAGE}"),
    };
    println!(
        "rewrote {} cafés and {} roasters; unsharded café list and sync list entries left: {}",
        rewritten.cafes,
        rewritten.roasters,
        if rewritten.unsharded_left {
            "some (a café was written meanwhile by an older release: run reindex again)"
        } else {
            "none"
        }
    );
    Ok(())
}

/// The embedded store's file in a data directory (the local server's `DB_FILE`).
fn local_db_file() -> &'static str {
    "craftbean.sqlite3"
}

async fn reco_refresh(args: &[String]) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let users = match flag_value(args, "--store").as_deref() {
        Some("embedded") => {
            let path = data_dir(args).join(local_db_file());
            let store =
                SqliteStore::open(&path).with_context(|| format!("opening {}", path.display()))?;
            shared::maintenance::refresh_recommendations(&store, now).await?
        }
        Some("dynamodb") => {
            let store = DynamoStore::from_env(table(args)).await;
            shared::maintenance::refresh_recommendations(&store, now).await?
        }
        _ => bail!("{USAGE}"),
    };
    println!("recommendations stored for {users} users");
    Ok(())
}

async fn refresh_ratings(args: &[String]) -> anyhow::Result<()> {
    let done = match flag_value(args, "--store").as_deref() {
        Some("embedded") => {
            let dir = flag_value(args, "--data-dir")
                .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
                .unwrap_or_else(|| ".craftbean".to_owned());
            let store = SqliteStore::open(&PathBuf::from(&dir).join("craftbean.sqlite3"))?;
            shared::maintenance::refresh_ratings(&store).await?
        }
        Some("dynamodb") => {
            let table = flag_value(args, "--table")
                .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
                .unwrap_or_else(|| DEFAULT_TABLE.to_owned());
            let store = DynamoStore::from_env(table).await;
            shared::maintenance::refresh_ratings(&store).await?
        }
        _ => bail!("{USAGE}"),
    };
    println!(
        "{} cafés now show their shards' sum, {} already did",
        done.changed, done.unchanged
    );
    Ok(())
}

async fn migrate_authors(args: &[String]) -> anyhow::Result<()> {
    use shared::config::vars::USER_ID_SECRET;
    let from_env = std::env::var(USER_ID_SECRET)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let report = match flag_value(args, "--store").as_deref() {
        Some("embedded") => {
            let dir = PathBuf::from(
                flag_value(args, "--data-dir")
                    .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
                    .unwrap_or_else(|| ".craftbean".to_owned()),
            );
            let db = dir.join(local_server::DB_FILE);
            if !db.exists() {
                bail!("no store at {}", db.display());
            }
            // The same secret the local server uses for this data directory.
            let secret = match from_env {
                Some(secret) => secret,
                None => {
                    local_server::load_or_create_secret(&dir, local_server::USER_ID_SECRET_FILE)?
                }
            };
            let keys = shared::config::user_keys_from(USER_ID_SECRET, &secret)?;
            let store = SqliteStore::open(&db)?;
            shared::maintenance::migrate_authors(&store, &keys).await?
        }
        Some("dynamodb") => {
            let secret = from_env.with_context(|| {
                format!("{USER_ID_SECRET} must hold the secret the functions use (UserIdSecret)")
            })?;
            let keys = shared::config::user_keys_from(USER_ID_SECRET, &secret)?;
            let table = flag_value(args, "--table")
                .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
                .unwrap_or_else(|| DEFAULT_TABLE.to_owned());
            let store = DynamoStore::from_env(table).await;
            shared::maintenance::migrate_authors(&store, &keys).await?
        }
        _ => bail!("{USAGE}"),
    };
    println!("{report}");
    if !report.complete() {
        println!("some items changed while they were being converted: run it again");
    }
    Ok(())
}

async fn seed_command(args: &[String]) -> anyhow::Result<()> {
    let catalog = shared::demo::catalog().context("building the demo catalogue")?;
    let report = match flag_value(args, "--store").as_deref() {
        Some("embedded") => {
            let dir = flag_value(args, "--data-dir")
                .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
                .unwrap_or_else(|| ".craftbean".to_owned());
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {dir}"))?;
            let store = SqliteStore::open(&PathBuf::from(&dir).join("craftbean.sqlite3"))?;
            seed(&store, &catalog).await?
        }
        Some("dynamodb") => {
            let table = flag_value(args, "--table")
                .or_else(|| std::env::var("CRAFTBEAN_TABLE").ok())
                .unwrap_or_else(|| DEFAULT_TABLE.to_owned());
            let store = DynamoStore::from_env(table).await;
            if args.iter().any(|a| a == "--create-table") {
                let created = store.create_table().await.context("creating the table")?;
                tracing::info!(table = store.table(), created, "table ready");
            }
            seed(&store, &catalog).await?
        }
        _ => bail!("{USAGE}"),
    };
    println!(
        "seeded {} cafés, {} roasters, {} artisans, {} brewing methods, {} users, {} reviews, {} stories, {} saved cafés",
        report.cafes,
        report.roasters,
        report.artisans,
        report.brewing_methods,
        report.users,
        report.reviews,
        report.stories,
        report.saved_cafes
    );
    Ok(())
}

fn token(args: &[String]) -> anyhow::Result<()> {
    let sub = flag_value(args, "--sub").unwrap_or_else(|| "demo-user".to_owned());
    let hours: i64 = flag_value(args, "--hours")
        .map_or(Ok(24), |h| h.parse())
        .context("--hours must be a number")?;
    // The local server's secret; else the one functions under `cargo lambda watch` verify with.
    let configured = [
        local_server::JWT_SECRET_VAR,
        shared::config::vars::DEV_JWT_SECRET,
    ]
    .into_iter()
    .find_map(|name| std::env::var(name).ok().filter(|s| !s.trim().is_empty()));
    let secret = match configured {
        Some(secret) => secret,
        None => {
            let dir = flag_value(args, "--data-dir")
                .or_else(|| std::env::var("CRAFTBEAN_DATA_DIR").ok())
                .unwrap_or_else(|| ".craftbean".to_owned());
            local_server::load_or_create_secret(&PathBuf::from(dir), local_server::JWT_SECRET_FILE)?
        }
    };
    let exp = jiff::Timestamp::now().as_second() + hours * 3600;
    println!(
        "{}",
        shared::jwt::sign(&shared::jwt::Claims { sub, exp }, secret.as_bytes())
    );
    Ok(())
}

/// The size goal of every API function's deployment zip, bytes (docs/build-size.md).
const ZIP_GOAL: u64 = 3_000_000;

fn sizes(args: &[String]) -> anyhow::Result<()> {
    let root = flag_value(args, "--dir").map_or_else(
        || {
            PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
                .join("lambda")
        },
        PathBuf::from,
    );
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(&root)
        .with_context(|| format!("reading {} (run `make sizes`)", root.display()))?
    {
        let entry = entry?;
        let zip = entry.path().join("bootstrap.zip");
        if let Ok(meta) = std::fs::metadata(&zip) {
            rows.push((entry.file_name().to_string_lossy().into_owned(), meta.len()));
        }
    }
    rows.sort();
    let api = coldstart::http_functions();
    let mut over = Vec::new();
    println!("| function | zip bytes | zip MB | API (goal ≤ 3 MB) |\n|---|---:|---:|---|");
    for (name, bytes) in rows {
        let goal = if !api.contains(&name) {
            "no"
        } else if bytes <= ZIP_GOAL {
            "ok"
        } else {
            over.push(name.clone());
            "OVER"
        };
        println!(
            "| {name} | {bytes} | {:.2} | {goal} |",
            bytes as f64 / 1_000_000.0
        );
    }
    if !over.is_empty() {
        bail!("over the 3 MB zip goal: {}", over.join(", "));
    }
    Ok(())
}
