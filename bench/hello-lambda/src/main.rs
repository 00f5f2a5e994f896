//! The cold-start floor (`make bench-coldstart`, docs/coldstart.md): the smallest useful
//! `lambda_runtime` function, answering every event with itself. No telemetry, no SDK, no
//! configuration: what any Rust function pays before its own start-up.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
