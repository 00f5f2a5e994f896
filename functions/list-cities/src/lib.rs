//! `GET /cities`: every city with at least one café, by name, with its slug (what
//! `GET /cafes?city=` takes), country and café count. One small list partition (`CITIES#ALL`)
//! kept by the catalogue writer, so it is served in one response without paging.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::City;
use shared::http::routes::LIST_CITIES;
use shared::http::{CachePolicy, Query, Reply, serve};
use shared::ports::CityReader;

/// What the handler needs: a city reader.
pub struct Deps<S> {
    pub store: S,
}

/// Response body.
#[derive(Serialize)]
pub struct CityList {
    pub items: Vec<City>,
}

/// Handles one request.
pub async fn handle<S: CityReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_CITIES, |_info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let items = deps.store.list_cities().await?;
        Reply::json(&CityList { items }, CachePolicy::CATALOGUE)
    })
    .await
}
