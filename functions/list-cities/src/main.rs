//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use list_cities::{Deps, handle};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
