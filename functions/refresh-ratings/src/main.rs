//! Lambda entry point for the `refresh-ratings` stream consumer: wiring only.

// The SDK clients' futures nest deeply.
#![recursion_limit = "256"]

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use refresh_ratings::{Deps, handle};
use shared::boot::Boot;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let boot = Boot::new().await?;
    let deps = Deps {
        store: boot.store(),
        markers: boot.reviews()?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| {
        let deps = &deps;
        async move { Ok::<DynamoDbEventResponse, Error>(handle(deps, event.payload).await.response) }
    }))
    .await
}
