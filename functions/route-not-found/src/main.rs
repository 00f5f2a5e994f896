//! Lambda entry point for the `$default` route: wiring only. No store, no configuration.

use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    run(service_fn(|req| async move {
        Ok::<_, std::convert::Infallible>(route_not_found::handle(&req))
    }))
    .await
}
