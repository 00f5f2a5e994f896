//! `DELETE /reviews/{reviewId}`: the author deletes a review (204). Anyone else gets a 403.

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use shared::domain::ReviewId;
use shared::domain::WriteAction;
use shared::http::routes::DELETE_REVIEW;
use shared::http::{ApiError, Query, Reply, WriteGuard, caller, serve};
use shared::ports::{CafeReader, ReviewReader, ReviewWriteError, ReviewWriter, WriteLimiter};
use shared::reviewing::authored_review;

/// What the handler needs.
pub struct Deps<C, R> {
    pub catalog: C,
    pub reviews: R,
    pub users: shared::identity::UserKeys,
    pub guard: WriteGuard<C>,
}

/// Handles one request.
pub async fn handle<C, R>(deps: &Deps<C, R>, req: Request) -> Response<Body>
where
    C: CafeReader + ReviewReader + WriteLimiter,
    R: ReviewWriter,
{
    serve(req, &DELETE_REVIEW, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("reviewId", ReviewId::parse)?;
        let current = authored_review(&deps.catalog, &id, &user, "delete").await?;
        let quota = deps
            .guard
            .spend(&user, WriteAction::Reviews, Timestamp::now())
            .await?;
        match deps.reviews.delete_review(&current).await {
            Ok(()) => {}
            Err(ReviewWriteError::Conflict | ReviewWriteError::Duplicate { .. }) => {
                return Err(ApiError::Conflict(
                    "the review changed meanwhile; fetch it again and retry".to_owned(),
                ));
            }
            Err(ReviewWriteError::Store(e)) => return Err(e.into()),
        }
        Ok(Reply::no_content().with_rate_limit(&quota))
    })
    .await
}
