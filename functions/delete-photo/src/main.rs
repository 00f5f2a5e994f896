//! Lambda entry point for `DELETE /photos/{photoId}`: wiring only.
// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use delete_photo::{Deps, handle};
use lambda_http::Error;
use shared::blob::cloudfront::CloudFrontInvalidator;
use shared::blob::s3::S3Blobs;
use shared::boot::Boot;
use shared::config::vars;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        media: S3Blobs::new(boot.aws().s3(), boot.var(vars::MEDIA_BUCKET)?),
        cdn: CloudFrontInvalidator::new(boot.aws().cloudfront(), boot.var(vars::DISTRIBUTION_ID)?),
        users: boot.users()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
