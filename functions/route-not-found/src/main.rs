//! Lambda entry point for the `$default` route: wiring only. No store, no configuration.

use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    shared::http::run_lambda(|req| async move { route_not_found::handle(&req) }).await
}
