//! Lambda entry point for `GET /photos/{photoId}`: wiring only.

use get_photo::{Deps, handle};
use lambda_http::Error;
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
