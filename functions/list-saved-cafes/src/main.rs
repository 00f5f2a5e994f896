//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use list_saved_cafes::{Deps, handle};
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
