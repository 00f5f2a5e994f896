//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use shared::boot::Boot;
use withdraw_consent::{Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        guard: boot.guard()?,
        users: boot.users()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
