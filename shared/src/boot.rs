//! What every function's `main` does before it serves: start telemetry, read its typed
//! configuration once (a missing or malformed variable fails the init phase with its name),
//! load the AWS configuration once with the function's deadline budget (`CRAFTBEAN_BUDGET`, see
//! [`crate::aws`]) and build the store client. A function's `main.rs` is then only its own
//! wiring:
//!
//! ```text
//! let boot = Boot::new().await?;
//! let deps = Deps { store: boot.store(), cursors: boot.cursors()? };
//! shared::http::run_lambda(|req| handle(&deps, req)).await
//! ```

use crate::aws::{Aws, Budget};
use crate::config::{self, ConfigError, vars};
use crate::cursor::CursorCodec;
use crate::identity::UserKeys;
use crate::store::dynamodb::DynamoStore;
use crate::store::reviews::ReviewStore;

/// A started function: telemetry on, the AWS configuration loaded, the table client built.
pub struct Boot {
    aws: Aws,
    store: DynamoStore,
}

impl Boot {
    /// Starts telemetry, reads the budget and loads the AWS configuration (once), and builds
    /// the client of the table named by `CRAFTBEAN_TABLE`.
    pub async fn new() -> Result<Self, ConfigError> {
        crate::telemetry::init();
        let budget = Budget::from_env()?;
        let table = config::required(vars::TABLE)?;
        let aws = Aws::from_env(budget).await?;
        let store = DynamoStore::connect(&aws, table);
        Ok(Self { aws, store })
    }

    /// The AWS configuration, for the function's other clients (`boot.aws().s3()`…): every
    /// client shares its budget and the one credential chain loaded at start.
    pub fn aws(&self) -> &Aws {
        &self.aws
    }

    /// The table (a cheap clone of one client).
    pub fn store(&self) -> DynamoStore {
        self.store.clone()
    }

    /// A required variable (bucket names, base URLs...).
    pub fn var(&self, name: &'static str) -> Result<String, ConfigError> {
        config::required(name)
    }

    /// The host this region's renditions are served from ([`config::media_host`]).
    pub fn media_host(&self) -> Result<String, ConfigError> {
        config::media_host()
    }

    /// The page-cursor codec, from `CRAFTBEAN_CURSOR_SECRET`.
    pub fn cursors(&self) -> Result<CursorCodec, ConfigError> {
        config::cursor_codec(vars::CURSOR_SECRET, &config::required(vars::CURSOR_SECRET)?)
    }

    /// The hash from token subjects to public user ids (see [`config::user_keys`]).
    pub fn users(&self) -> Result<UserKeys, ConfigError> {
        config::user_keys()
    }

    /// Idempotency and write limits (`CRAFTBEAN_WRITE_LIMIT_<ACTION>`) over the table.
    #[cfg(feature = "http")]
    pub fn guard(&self) -> Result<crate::http::WriteGuard<DynamoStore>, ConfigError> {
        Ok(crate::http::WriteGuard::new(
            self.store(),
            config::WriteLimits::from_env()?,
        ))
    }

    /// The flag document from the AppConfig agent (the Lambda extension layer) at
    /// `localhost:<AWS_APPCONFIG_EXTENSION_HTTP_PORT or 2772><CRAFTBEAN_FLAGS_PATH>`, each fetch
    /// bounded and falling back to the last known document (`crate::experiments::source`).
    #[cfg(feature = "appconfig")]
    pub fn flags(&self) -> Result<crate::experiments::FlagSource, ConfigError> {
        use crate::experiments::source::{AGENT_PORT, DEFAULT_REFRESH, DEFAULT_TIMEOUT};
        let path = config::required(vars::FLAGS_PATH)?;
        if !path.starts_with("/applications/") {
            return Err(ConfigError::Invalid {
                name: vars::FLAGS_PATH,
                reason: "must be /applications/<app>/environments/<env>/configurations/<profile>"
                    .to_owned(),
            });
        }
        let port = match std::env::var(vars::APPCONFIG_PORT) {
            Ok(raw) => raw.parse::<u16>().map_err(|_| ConfigError::Invalid {
                name: vars::APPCONFIG_PORT,
                reason: "must be a port number".to_owned(),
            })?,
            Err(_) => AGENT_PORT,
        };
        Ok(crate::experiments::FlagSource::agent(
            &format!("http://localhost:{port}"),
            &path,
            DEFAULT_TIMEOUT,
            DEFAULT_REFRESH,
        ))
    }

    /// Experiment events into the table, logged as EMF on standard output.
    pub fn experiment_events(&self) -> crate::experiments::events::EventRecorder<DynamoStore> {
        crate::experiments::events::EventRecorder::new(
            self.store(),
            crate::experiments::events::EmfSink::Stdout,
        )
    }

    /// The review writer, counting ratings in this function's region (`AWS_REGION`, which
    /// Lambda always sets; required elsewhere too, since the table client needs it).
    pub fn reviews(&self) -> Result<ReviewStore<DynamoStore>, ConfigError> {
        Ok(ReviewStore::new(
            self.store(),
            config::required(vars::REGION)?,
        ))
    }
}
