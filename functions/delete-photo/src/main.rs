//! Lambda entry point for `DELETE /photos/{photoId}`: wiring only.
// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use delete_photo::{Deps, handle};
use lambda_http::Error;
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        users: boot.users()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
