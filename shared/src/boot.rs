//! What every function's `main` does before it serves: start telemetry, read its typed
//! configuration once (a missing or malformed variable fails the init phase with its name) and
//! build the store client. A function's `main.rs` is then only its own wiring:
//!
//! ```text
//! let boot = Boot::new().await?;
//! let deps = Deps { store: boot.store(), cursors: boot.cursors()? };
//! shared::http::run_lambda(|req| handle(&deps, req)).await
//! ```

use crate::config::{self, ConfigError, vars};
use crate::cursor::CursorCodec;
use crate::identity::UserKeys;
use crate::store::dynamodb::DynamoStore;
use crate::store::reviews::ReviewStore;

/// A started function: telemetry on, the table client built.
pub struct Boot {
    store: DynamoStore,
}

impl Boot {
    /// Starts telemetry and builds the client of the table named by `CRAFTBEAN_TABLE`.
    pub async fn new() -> Result<Self, ConfigError> {
        crate::telemetry::init();
        let table = config::required(vars::TABLE)?;
        Ok(Self {
            store: DynamoStore::from_env(table).await,
        })
    }

    /// The table (a cheap clone of one client).
    pub fn store(&self) -> DynamoStore {
        self.store.clone()
    }

    /// A required variable (bucket names, base URLs...).
    pub fn var(&self, name: &'static str) -> Result<String, ConfigError> {
        config::required(name)
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

    /// The review writer, counting ratings in this function's region (`AWS_REGION`, which
    /// Lambda always sets; required elsewhere too, since the table client needs it).
    pub fn reviews(&self) -> Result<ReviewStore<DynamoStore>, ConfigError> {
        Ok(ReviewStore::new(
            self.store(),
            config::required(vars::REGION)?,
        ))
    }
}
