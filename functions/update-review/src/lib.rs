//! `PUT /reviews/{reviewId}`: the author replaces a review's rating, text, brewing method and
//! visit date. Anyone else gets a 403.

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use shared::domain::ReviewId;
use shared::domain::WriteAction;
use shared::http::reviews::parse_review;
use shared::http::routes::UPDATE_REVIEW;
use shared::http::{ApiError, CachePolicy, Query, Reply, WriteGuard, caller, serve};
use shared::ports::{
    BrewingMethodReader, CafeReader, ReviewReader, ReviewWriteError, ReviewWriter, UserReader,
    WriteLimiter,
};
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
    C: CafeReader + BrewingMethodReader + UserReader + ReviewReader + WriteLimiter,
    R: ReviewWriter,
{
    serve(req, &UPDATE_REVIEW, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("reviewId", ReviewId::parse)?;
        let now = Timestamp::now();
        let (draft, _) = parse_review(&req, &deps.catalog, now).await?;
        let current = authored_review(&deps.catalog, &id, &user, "edit").await?;
        let quota = deps.guard.spend(&user, WriteAction::Reviews, now).await?;
        let edited = current.edited(draft, now);
        match deps.reviews.update_review(&current, &edited).await {
            Ok(()) => {}
            Err(ReviewWriteError::Conflict | ReviewWriteError::Duplicate { .. }) => {
                return Err(ApiError::Conflict(
                    "the review changed while you edited it; fetch it again and retry".to_owned(),
                ));
            }
            Err(ReviewWriteError::Store(e)) => return Err(e.into()),
        }
        Ok(Reply::json(
            &shared::views::review(&deps.catalog, &edited).await?,
            CachePolicy::NoStore,
        )?
        .with_rate_limit(&quota))
    })
    .await
}
