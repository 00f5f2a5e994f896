//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use get_user::{Deps, handle};
use lambda_http::Error;
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let store = DynamoStore::from_env(table).await;
    let deps = Deps { store };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
