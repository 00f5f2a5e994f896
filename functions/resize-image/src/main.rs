//! Lambda entry point for the SQS-driven `resize-image` worker: wiring only. Unlike every other
//! function it must unwind on panic (see `isolation.rs`), so it refuses to start otherwise.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use resize_image::{Deps, Rendering, deadline_instant, handle_batch};
use shared::blob::s3::{S3Blobs, client_from_env};
use shared::config::{self, vars};
use shared::store::dynamodb::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    resize_image::check_panic_strategy()?;
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
    let rendering = Rendering::default();
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| {
            let (deps, rendering) = (&deps, &rendering);
            let now = std::time::SystemTime::now();
            let deadline = Some(deadline_instant(event.context.deadline, now));
            async move { Ok::<_, Error>(handle_batch(deps, rendering, event.payload, deadline).await) }
        },
    ))
    .await
}
