//! Lambda entry point: wiring only. The logic is in `lib.rs`.
//!
//! The one function that answers without CloudFront's origin header: Route 53's health checkers
//! call each region's API domain directly and cannot send it (`run_lambda_unguarded`).

use health::{Deps, handle};
use lambda_http::Error;
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        region: boot.var(shared::config::vars::REGION)?,
        version: health::VERSION,
        probe_timeout: health::PROBE_TIMEOUT,
    };
    shared::http::run_lambda_unguarded(|req| handle(&deps, req)).await
}
