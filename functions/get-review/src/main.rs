//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use get_review::{Deps, handle};
use lambda_http::Error;
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;
use shared::store::reviews::ReviewStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let store = DynamoStore::from_env(table).await;
    let deps = Deps {
        // Reads never write a rating shard, so the region does not matter here.
        reviews: ReviewStore::new(store.clone(), "read-only"),
        store,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
