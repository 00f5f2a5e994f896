//! `GET /artisans/{artisanId}`: an artisan's profile.

use lambda_http::{Body, Request, Response};
use shared::domain::ArtisanId;
use shared::http::routes::GET_ARTISAN;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::ArtisanReader;

/// What the handler needs: an artisan reader.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: ArtisanReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_ARTISAN, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("artisanId", ArtisanId::parse)?;
        let artisan = deps
            .store
            .get_artisan(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("artisan", &id))?;
        Reply::json(&artisan, CachePolicy::CATALOGUE)
    })
    .await
}
