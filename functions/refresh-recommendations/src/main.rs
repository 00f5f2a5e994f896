//! Lambda entry point for the scheduled `refresh-recommendations` run: wiring only.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, service_fn};
use refresh_recommendations::{Deps, handle};
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = &deps;
        async move { Ok::<_, Error>(handle(deps, event.payload).await?) }
    }))
    .await
}
