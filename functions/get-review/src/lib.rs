//! `GET /reviews/{reviewId}`: one review with its author (where `Location` points after a
//! review is created).

use lambda_http::{Body, Request, Response};
use shared::domain::ReviewId;
use shared::http::routes::GET_REVIEW;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::{ReviewReader, UserReader};

/// What the handler needs: profiles (author names) and reviews.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: UserReader + ReviewReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_REVIEW, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("reviewId", ReviewId::parse)?;
        let review = deps
            .store
            .get_review(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("review", &id))?;
        Reply::json(
            &shared::views::review(&deps.store, &review).await?,
            CachePolicy::USER_CONTENT,
        )
    })
    .await
}
