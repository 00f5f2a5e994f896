//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use create_story::{Deps, handle};
use lambda_http::{Error, run, service_fn};
use shared::config::{self, WriteConfig, vars};
use shared::store::dynamodb::DynamoStore;
use shared::store::reviews::ReviewStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let config = WriteConfig::from_env()?;
    let store = DynamoStore::from_env(table).await;
    let deps = Deps {
        records: ReviewStore::new(store.clone(), config.region.clone()),
        store,
        config,
    };
    run(service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&deps, req).await)
    }))
    .await
}
