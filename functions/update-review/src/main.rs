//! Lambda entry point: wiring only. The logic is in `lib.rs`.

use lambda_http::Error;
use shared::boot::Boot;
use update_review::{Deps, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        catalog: boot.store(),
        reviews: boot.reviews()?,
        users: boot.users()?,
        guard: boot.guard()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
