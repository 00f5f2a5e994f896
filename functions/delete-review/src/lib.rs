//! `DELETE /reviews/{reviewId}`: the author deletes a review (204). Anyone else gets a 403.

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use shared::config::WriteConfig;
use shared::domain::ReviewId;
use shared::domain::WriteAction;
use shared::http::reviews::{authored_review, refresh_cafe_rating};
use shared::http::routes::DELETE_REVIEW;
use shared::http::{ApiError, Query, Reply, caller, check_write_limit, serve};
use shared::ports::{
    CafeReader, CatalogWriter, ReviewReader, ReviewWriteError, ReviewWriter, WriteLimiter,
};

/// What the handler needs.
pub struct Deps<C, R> {
    pub catalog: C,
    pub reviews: R,
    pub users: shared::identity::UserKeys,
    pub config: WriteConfig,
}

/// Handles one request.
pub async fn handle<C, R>(deps: &Deps<C, R>, req: Request) -> Response<Body>
where
    C: CafeReader + CatalogWriter,
    R: ReviewReader + ReviewWriter + WriteLimiter,
{
    serve(req, &DELETE_REVIEW, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("reviewId", ReviewId::parse)?;
        let current = authored_review(&deps.reviews, &id, &user, "delete").await?;
        let quota = check_write_limit(
            &deps.reviews,
            &user,
            WriteAction::Reviews,
            &deps.config.limits,
            Timestamp::now(),
        )
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
        refresh_cafe_rating(&deps.catalog, &deps.reviews, &current.cafe_id).await;
        Ok(Reply::no_content().with_rate_limit(&quota))
    })
    .await
}
