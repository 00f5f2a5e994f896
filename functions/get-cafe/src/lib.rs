//! `GET /cafes/{cafeId}`: a café's full profile.

use lambda_http::{Body, Request, Response};
use shared::domain::CafeId;
use shared::http::routes::GET_CAFE;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::CafeReader;

/// What the handler needs: a café reader.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: CafeReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_CAFE, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("cafeId", CafeId::parse)?;
        let cafe = deps
            .store
            .get_cafe(&id)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "café",
                id: id.to_string(),
            })?;
        Reply::json(&cafe, CachePolicy::CATALOGUE)
    })
    .await
}
