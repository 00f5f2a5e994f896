//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use export_me::{Deps, handle};
use lambda_http::Error;
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        users: boot.users()?,
        cursors: boot.cursors()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
