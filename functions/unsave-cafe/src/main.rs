//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use shared::config::{self, WriteConfig, vars};
use shared::store::dynamodb::DynamoStore;
use shared::store::reviews::ReviewStore;
use unsave_cafe::{Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let config = WriteConfig::from_env()?;
    let store = DynamoStore::from_env(table).await;
    let deps = Deps {
        records: ReviewStore::new(store.clone(), config.region.clone()),
        store,
        users: config::user_keys()?,
        config,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
