//! Lambda entry point for the SQS-driven `resize-image` worker: wiring only. Unlike every other
//! function it must unwind on panic (see `isolation.rs`), so it refuses to start otherwise.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use resize_image::{Deps, Rendering, deadline_instant, handle_batch};
use shared::blob::s3::S3Blobs;
use shared::boot::Boot;
use shared::config::vars;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    resize_image::check_panic_strategy()?;
    let s3 = boot.aws().s3();
    let deps = Deps {
        store: boot.store(),
        uploads: S3Blobs::new(s3.clone(), boot.var(vars::UPLOADS_BUCKET)?),
        media: S3Blobs::new(s3, boot.var(vars::MEDIA_BUCKET)?),
        media_base_url: boot
            .var(vars::MEDIA_BASE_URL)?
            .trim_end_matches('/')
            .to_owned(),
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
