//! Lambda entry point for `GET /artisans`: wiring only.

use lambda_http::Error;
use list_artisans::{Deps, handle};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let cursors =
        config::cursor_codec(vars::CURSOR_SECRET, &config::required(vars::CURSOR_SECRET)?)?;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
        cursors,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
