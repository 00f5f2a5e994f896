//! Lambda entry point for `POST /cafes/{cafeId}/photos`: wiring only.

use create_photo::{Deps, handle};
use lambda_http::Error;
use shared::blob::presign::{S3Uploads, config_from_env};
use shared::config::{self, WriteConfig, vars};
use shared::store::dynamodb::DynamoStore;
use shared::store::reviews::ReviewStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let bucket = config::required(vars::UPLOADS_BUCKET)?;
    let config = WriteConfig::from_env()?;
    let store = DynamoStore::from_env(table).await;
    let aws = config_from_env().await;
    let deps = Deps {
        records: ReviewStore::new(store.clone(), config.region.clone()),
        store,
        uploads: S3Uploads::new(aws, bucket),
        users: config::user_keys()?,
        config,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
