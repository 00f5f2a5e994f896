//! Lambda entry point for `POST /cafes/{cafeId}/photos`: wiring only.

use create_photo::{Deps, handle};
use lambda_http::Error;
use shared::blob::presign::S3Uploads;
use shared::boot::Boot;
use shared::config::vars;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        guard: boot.guard()?,
        uploads: S3Uploads::new(
            boot.aws().sdk_config().clone(),
            boot.var(vars::UPLOADS_BUCKET)?,
        ),
        users: boot.users()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
