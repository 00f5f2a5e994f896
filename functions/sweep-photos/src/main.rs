//! Lambda entry point for the scheduled `sweep-photos` run: wiring only.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::blob::cloudfront::CloudFrontInvalidator;
use shared::blob::s3::S3Blobs;
use shared::boot::Boot;
use shared::config::vars;
use sweep_photos::{Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        uploads: S3Blobs::new(boot.aws().s3(), boot.var(vars::UPLOADS_BUCKET)?),
        media: S3Blobs::new(boot.aws().s3(), boot.var(vars::MEDIA_BUCKET)?),
        cdn: CloudFrontInvalidator::new(boot.aws().cloudfront(), boot.var(vars::DISTRIBUTION_ID)?),
        media_host: boot.media_host()?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = &deps;
        async move { Ok::<_, Error>(handle(deps, event.payload).await?) }
    }))
    .await
}
