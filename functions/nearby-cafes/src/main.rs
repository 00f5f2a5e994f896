//! Lambda entry point for `GET /cafes/nearby` and `GET /me/nearby-cafes`: wiring only.

use lambda_http::Error;
use nearby_cafes::{Deps, handle};
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        cursors: boot.cursors()?,
        flags: boot.flags()?,
        events: boot.experiment_events(),
        users: boot.users()?,
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
