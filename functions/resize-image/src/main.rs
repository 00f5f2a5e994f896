//! Lambda entry point for the SQS-driven `resize-image` worker: wiring only.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use resize_image::{Deps, handle};
use shared::blob::s3::{S3Blobs, client_from_env};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let table = config::required(vars::TABLE)?;
    let uploads = config::required(vars::UPLOADS_BUCKET)?;
    let media = config::required(vars::MEDIA_BUCKET)?;
    let media_base_url = config::required(vars::MEDIA_BASE_URL)?;
    let (s3, _) = client_from_env().await;
    let deps = Deps {
        store: DynamoStore::from_env(table).await,
        uploads: S3Blobs::new(s3.clone(), uploads),
        media: S3Blobs::new(s3, media),
        media_base_url: media_base_url.trim_end_matches('/').to_owned(),
    };
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| {
            let deps = &deps;
            async move { Ok::<_, Error>(handle(deps, event.payload).await) }
        },
    ))
    .await
}
