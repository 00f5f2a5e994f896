//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use list_saved_cafes::{Deps, handle};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let cursors =
        config::cursor_codec(vars::CURSOR_SECRET, &config::required(vars::CURSOR_SECRET)?)?;
    let store = DynamoStore::from_env(table).await;
    let deps = Deps {
        store,
        users: config::user_keys()?,
        cursors,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
