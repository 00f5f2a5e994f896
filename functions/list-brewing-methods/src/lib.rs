//! `GET /brewing-methods`: every brewing guide, by name. The set is small and curated, so it is
//! served in one response without paging.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::BrewingMethod;
use shared::http::routes::LIST_BREWING_METHODS;
use shared::http::{CachePolicy, Query, Reply, serve};
use shared::ports::BrewingMethodReader;

/// What the handler needs: a brewing-method reader.
pub struct Deps<S> {
    pub store: S,
}

/// Response body.
#[derive(Serialize)]
pub struct MethodList {
    pub items: Vec<BrewingMethod>,
}

/// Handles one request.
pub async fn handle<S: BrewingMethodReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_BREWING_METHODS, |_info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let items = deps.store.list_brewing_methods().await?;
        Reply::json(&MethodList { items }, CachePolicy::CATALOGUE)
    })
    .await
}
