//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use partner_cafes::{Deps, handle};
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        cursors: boot.cursors()?,
        metrics: shared::emf::EmfSink::Stdout,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
