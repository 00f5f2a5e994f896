//! Lambda entry point for `POST /photos/{photoId}/upload-form`: wiring only.

use create_upload_form::{Deps, handle};
use lambda_http::Error;
use shared::blob::presign::{S3Uploads, config_from_env};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let bucket = config::required(vars::UPLOADS_BUCKET)?;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
        uploads: S3Uploads::new(config_from_env().await, bucket),
        users: config::user_keys()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
