//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use get_story::{Deps, handle};
use lambda_http::{Error, run, service_fn};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
    };
    run(service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&deps, req).await)
    }))
    .await
}
