//! Lambda entry point for `GET /artisans`: wiring only.

use lambda_http::Error;
use list_artisans::{Deps, handle};
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        cursors: boot.cursors()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
