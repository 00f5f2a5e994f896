//! `GET /cafes/{cafeId}`: a café's full profile, with its exact rating summary and its three
//! latest reviews.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::{Cafe, CafeId, ReviewView};
use shared::http::routes::GET_CAFE;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::{CafeReader, ReviewReader, UserReader};
use shared::query::PageLimit;

/// Reviews shown on the profile.
pub const LATEST_REVIEWS: u32 = 3;

/// What the handler needs: a café reader and a review reader.
pub struct Deps<S> {
    pub store: S,
}

/// Response body: the café, with `rating` computed from its reviews, and the latest reviews.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CafeProfile {
    #[serde(flatten)]
    pub cafe: Cafe,
    pub latest_reviews: Vec<ReviewView>,
}

/// Handles one request.
pub async fn handle<S: CafeReader + UserReader + ReviewReader>(
    deps: &Deps<S>,
    req: Request,
) -> Response<Body> {
    serve(req, &GET_CAFE, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("cafeId", CafeId::parse)?;
        let mut cafe = deps
            .store
            .get_cafe(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("café", &id))?;
        let limit = PageLimit::new(LATEST_REVIEWS).unwrap_or_default();
        let (rating, latest) = tokio::join!(
            deps.store.rating_summary(&id),
            deps.store.list_reviews(&id, limit, None)
        );
        // The summary is derived from the reviews on every read, so it is exact even when the
        // copy stored in the profile lags behind.
        cafe.rating = rating?;
        Reply::json(
            &CafeProfile {
                cafe,
                latest_reviews: shared::views::reviews(&deps.store, latest?.items).await?,
            },
            CachePolicy::CATALOGUE,
        )
    })
    .await
}
