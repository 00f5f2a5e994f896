//! The load proof behind `make load` (docs/load.md): a goose attack on a running local server at
//! a fixed request rate with the mix 70 % browse, 20 % nearby, 10 % writes across many users,
//! then a check, through the API, that every acknowledged write is stored exactly once.
//!
//! goose does the driving, the throttle and the timing (its histograms give every percentile);
//! this crate only says what each simulated user asks for and what the answers must add up to.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

mod ledger;
mod mix;
mod summary;
mod targets;
mod verify;

pub use ledger::{Ledger, Outcome, WriteKind};
pub use summary::{Summary, Verdict};
pub use targets::Targets;

/// Settings of one run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Base URL of the running local server.
    pub host: String,
    /// The local server's data directory (its `jwt-secret` signs the users' tokens) unless
    /// `CRAFTBEAN_JWT_SECRET` is set.
    pub data_dir: PathBuf,
    /// The fixed request rate, requests per second (goose's throttle).
    pub rate: usize,
    /// Seconds of measured load once every simulated client has started.
    pub duration_secs: usize,
    /// How many distinct signed-in users share the writes.
    pub users: usize,
    /// Concurrent goose users (clients); enough to hold `rate` at the latency goal.
    pub clients: usize,
    /// Where goose's reports and the summary go.
    pub report_dir: PathBuf,
    /// The p99 goal in milliseconds: a rate is "sustained" only under it.
    pub p99_goal_ms: f64,
}

/// The local server's JWT secret variable and the file it keeps the secret in, in its data
/// directory (`local_server::JWT_SECRET_VAR` and `JWT_SECRET_FILE`; not imported, so this tool
/// builds without the whole server; a unit test pins them to the server's).
pub const JWT_SECRET_VAR: &str = "CRAFTBEAN_JWT_SECRET";
pub const JWT_SECRET_FILE: &str = "jwt-secret";

const USAGE: &str = "usage: load --data-dir DIR [--host URL] [--rate REQ_PER_S] [--duration SECS] \
[--users N] [--clients N] [--report-dir DIR] [--p99-goal-ms MS]";

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "http://127.0.0.1:3900".to_owned(),
            data_dir: PathBuf::new(),
            rate: 200,
            duration_secs: 60,
            users: 1_000,
            clients: 64,
            report_dir: PathBuf::from("target/load"),
            p99_goal_ms: 50.0,
        }
    }
}

impl Options {
    /// Parses `--flag value` pairs (the flags in [`USAGE`]).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Self> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                bail!("{USAGE}");
            }
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
            let number = || {
                value
                    .parse::<usize>()
                    .with_context(|| format!("{flag} must be a whole number, not {value:?}"))
            };
            match flag.as_str() {
                "--host" => options.host = value.trim_end_matches('/').to_owned(),
                "--data-dir" => options.data_dir = PathBuf::from(&value),
                "--rate" => options.rate = number()?,
                "--duration" => options.duration_secs = number()?,
                "--users" => options.users = number()?,
                "--clients" => options.clients = number()?,
                "--report-dir" => options.report_dir = PathBuf::from(&value),
                "--p99-goal-ms" => {
                    options.p99_goal_ms = value
                        .parse()
                        .with_context(|| format!("--p99-goal-ms must be a number, not {value:?}"))?
                }
                _ => bail!("unknown flag {flag}\n{USAGE}"),
            }
        }
        if options.rate == 0 || options.duration_secs == 0 || options.users == 0 {
            bail!("--rate, --duration and --users must be at least 1");
        }
        if options.clients == 0 {
            bail!("--clients must be at least 1");
        }
        if options.data_dir.as_os_str().is_empty() && std::env::var_os(JWT_SECRET_VAR).is_none() {
            bail!(
                "--data-dir is required (or set {})\n{USAGE}",
                JWT_SECRET_VAR
            );
        }
        Ok(options)
    }

    /// The secret the local server verifies tokens with: `CRAFTBEAN_JWT_SECRET`, else the one
    /// it keeps in its data directory.
    fn jwt_secret(&self) -> anyhow::Result<String> {
        if let Ok(secret) = std::env::var(JWT_SECRET_VAR)
            && !secret.trim().is_empty()
        {
            return Ok(secret);
        }
        let path = self.data_dir.join(JWT_SECRET_FILE);
        let secret = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (has the server started?)", path.display()))?;
        Ok(secret.trim().to_owned())
    }
}

/// One signed-in user of the run.
#[derive(Clone, Debug)]
pub struct LoadUser {
    /// The token subject.
    pub sub: String,
    /// `Bearer <token>`.
    pub authorization: String,
}

/// Everything the simulated clients share: what to read, who writes, what was acknowledged.
pub struct Plan {
    pub targets: Targets,
    pub users: Vec<LoadUser>,
    pub ledger: Ledger,
    pub counters: mix::Counters,
}

/// Signs a token for `users` subjects `load-user-<n>`, valid for a day.
fn sign_users(secret: &str, users: usize) -> anyhow::Result<Vec<LoadUser>> {
    let exp = jiff::Timestamp::now().as_second() + 24 * 3600;
    Ok((0..users)
        .map(|n| {
            let sub = format!("load-user-{n:05}");
            let token = shared::jwt::sign(
                &shared::jwt::Claims {
                    sub: sub.clone(),
                    exp,
                },
                secret.as_bytes(),
            );
            LoadUser {
                sub,
                authorization: format!("Bearer {token}"),
            }
        })
        .collect())
}

/// Runs the attack described by `options` and checks the store afterwards.
pub async fn run(options: &Options) -> anyhow::Result<Verdict> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let targets = Targets::discover(&client, &options.host)
        .await
        .context("reading the demo data to aim at")?;
    let users = sign_users(&options.jwt_secret()?, options.users)?;
    let plan = Arc::new(Plan {
        targets,
        users,
        ledger: Ledger::default(),
        counters: mix::Counters::default(),
    });
    std::fs::create_dir_all(&options.report_dir)
        .with_context(|| format!("creating {}", options.report_dir.display()))?;
    let metrics = mix::attack(options, plan.clone()).await?;
    let checked = verify::check(&client, &options.host, &plan)
        .await
        .context("checking the acknowledged writes")?;
    let summary = Summary::new(options, &metrics, &plan.ledger, &checked);
    let verdict = summary.verdict(options);
    summary.write(&options.report_dir, &verdict)?;
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_override_the_defaults() {
        let options = Options::from_args(args(&[
            "--data-dir",
            "/tmp/x",
            "--rate",
            "500",
            "--duration",
            "90",
            "--host",
            "http://127.0.0.1:4000/",
        ]))
        .unwrap();
        assert_eq!(options.rate, 500);
        assert_eq!(options.duration_secs, 90);
        assert_eq!(options.host, "http://127.0.0.1:4000");
        assert_eq!(options.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(options.users, 1_000);
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(Options::from_args(args(&["--data-dir", "/x", "--rate", "fast"])).is_err());
        assert!(Options::from_args(args(&["--data-dir", "/x", "--rate", "0"])).is_err());
        assert!(Options::from_args(args(&["--data-dir", "/x", "--bogus", "1"])).is_err());
        assert!(Options::from_args(args(&["--data-dir"])).is_err());
    }

    #[test]
    fn the_secret_names_are_the_local_servers() {
        let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../infra/local-server/src/lib.rs");
        let code = std::fs::read_to_string(server).unwrap();
        assert!(code.contains(&format!(
            "pub const JWT_SECRET_FILE: &str = \"{JWT_SECRET_FILE}\";"
        )));
        assert!(code.contains(&format!(
            "pub const JWT_SECRET_VAR: &str = \"{JWT_SECRET_VAR}\";"
        )));
    }

    #[test]
    fn tokens_verify_with_the_secret_and_name_distinct_users() {
        let users = sign_users("s3cret", 3).unwrap();
        assert_eq!(users.len(), 3);
        let token = users[2].authorization.strip_prefix("Bearer ").unwrap();
        let claims = shared::jwt::verify(token, b"s3cret", 0).unwrap();
        assert_eq!(claims.sub, "load-user-00002");
        assert_ne!(users[0].sub, users[1].sub);
        assert!(shared::jwt::verify(token, b"other", 0).is_err());
    }
}
