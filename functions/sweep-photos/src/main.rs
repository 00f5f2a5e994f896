//! Lambda entry point for the scheduled `sweep-photos` run: wiring only.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::blob::s3::{S3Blobs, client_from_env};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;
use sweep_photos::{Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let uploads = config::required(vars::UPLOADS_BUCKET)?;
    let (s3, _) = client_from_env().await;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
        uploads: S3Blobs::new(s3, uploads),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = &deps;
        async move { Ok::<_, Error>(handle(deps, event.payload).await?) }
    }))
    .await
}
