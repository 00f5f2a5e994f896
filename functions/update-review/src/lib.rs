//! `PUT /reviews/{reviewId}`: the author replaces a review's rating, text, brewing method and
//! visit date. Anyone else gets a 403.

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use shared::config::WriteConfig;
use shared::domain::ReviewId;
use shared::domain::WriteAction;
use shared::http::reviews::{authored_review, parse_review, refresh_cafe_rating};
use shared::http::routes::UPDATE_REVIEW;
use shared::http::{ApiError, CachePolicy, Query, Reply, caller, check_write_limit, serve};
use shared::ports::{
    BrewingMethodReader, CafeReader, CatalogWriter, ReviewReader, ReviewWriteError, ReviewWriter,
    UserReader, WriteLimiter,
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
    C: CafeReader + BrewingMethodReader + CatalogWriter + UserReader,
    R: ReviewReader + ReviewWriter + WriteLimiter,
{
    serve(req, &UPDATE_REVIEW, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("reviewId", ReviewId::parse)?;
        let now = Timestamp::now();
        let (draft, _) = parse_review(&req, &deps.catalog, now).await?;
        let current = authored_review(&deps.reviews, &id, &user, "edit").await?;
        let quota = check_write_limit(
            &deps.reviews,
            &user,
            WriteAction::Reviews,
            &deps.config.limits,
            now,
        )
        .await?;
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
        refresh_cafe_rating(&deps.catalog, &deps.reviews, &edited.cafe_id).await;
        Ok(Reply::json(
            &shared::views::review(&deps.catalog, &edited).await?,
            CachePolicy::NoStore,
        )?
        .with_rate_limit(&quota))
    })
    .await
}
