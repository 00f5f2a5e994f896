//! `GET /brewing-methods/{slug}`: one brewing guide.

use lambda_http::{Body, Request, Response};
use shared::domain::Slug;
use shared::http::routes::GET_BREWING_METHOD;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::BrewingMethodReader;

/// What the handler needs: a brewing-method reader.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: BrewingMethodReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_BREWING_METHOD, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let slug = info.parse_path("slug", Slug::parse)?;
        let method = deps
            .store
            .get_brewing_method(&slug)
            .await?
            .ok_or_else(|| ApiError::not_found("brewing method", &slug))?;
        Reply::json(&method, CachePolicy::CATALOGUE)
    })
    .await
}
