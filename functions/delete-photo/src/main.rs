//! Lambda entry point for `DELETE /photos/{photoId}`: wiring only.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use delete_photo::{Deps, handle};
use lambda_http::Error;
use shared::blob::cloudfront::CloudFrontInvalidator;
use shared::blob::s3::{S3Blobs, client_from_env};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let media = config::required(vars::MEDIA_BUCKET)?;
    let distribution = config::required(vars::DISTRIBUTION_ID)?;
    let (s3, _) = client_from_env().await;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
        media: S3Blobs::new(s3, media),
        cdn: CloudFrontInvalidator::from_env(distribution).await,
        users: config::user_keys()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
