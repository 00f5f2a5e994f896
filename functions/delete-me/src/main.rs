//! Lambda entry point: wiring only. The logic is in `lib.rs`.

// The store's futures nest deeply.
#![recursion_limit = "256"]

use delete_me::{Deps, handle};
use lambda_http::Error;
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        reviews: boot.reviews()?,
        users: boot.users()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
