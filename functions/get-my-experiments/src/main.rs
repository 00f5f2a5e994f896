//! Lambda entry point for `GET /me/experiments`: wiring only.

use get_my_experiments::{Deps, handle};
use lambda_http::Error;
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        users: boot.users()?,
        flags: boot.flags()?,
        events: boot.experiment_events(),
    };
    shared::http::run_lambda(|req| handle(&deps, req)).await
}
