//! `POST /cafes/{cafeId}/reviews`: an authenticated user reviews a café, once. Honours
//! `Idempotency-Key`, counts against the hourly write limit, keeps the rating summary exact.

use jiff::Timestamp;
use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::domain::{CafeId, Review, ReviewId, UserProfile, WriteAction};
use shared::http::reviews::parse_review;
use shared::http::routes::CREATE_REVIEW;
use shared::http::{
    ApiError, CachePolicy, Query, Reply, WriteGuard, caller, idempotency_key, new_id_entropy, serve,
};
use shared::identity::UserKeys;
use shared::ports::{
    BrewingMethodReader, CafeReader, IdempotencyStore, ReviewReader, ReviewWriteError,
    ReviewWriter, UserReader, UserWriter, WriteLimiter,
};

/// What the handler needs: the catalogue reads (café exists, brewing method known), the
/// review store, the caller's profile, the user-id hash and the write settings.
pub struct Deps<C, R> {
    pub catalog: C,
    pub reviews: R,
    pub users: UserKeys,
    pub guard: WriteGuard<C>,
}

/// Handles one request.
pub async fn handle<C, R>(deps: &Deps<C, R>, req: Request) -> Response<Body>
where
    C: CafeReader
        + BrewingMethodReader
        + UserReader
        + UserWriter
        + ReviewReader
        + IdempotencyStore
        + WriteLimiter,
    R: ReviewWriter,
{
    serve(req, &CREATE_REVIEW, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let cafe_id = info.parse_path("cafeId", CafeId::parse)?;
        let key = idempotency_key(&req)?;
        let now = Timestamp::now();
        let (draft, body) = parse_review(&req, &deps.catalog, now).await?;
        let payload = json!({ "cafeId": cafe_id, "body": body });
        let scope = format!("create-review#{user}");
        let id = ReviewId::from_entropy(new_id_entropy(&user, "create-review", key.as_deref()));
        deps.guard.once(key, &scope, &payload, now.as_second(), || async {
            if deps.catalog.get_cafe(&cafe_id).await?.is_none() {
                return Err(ApiError::not_found("café", &cafe_id));
            }
            let quota = deps.guard.spend(&user, WriteAction::Reviews, now).await?;
            let author = deps.catalog.ensure_profile(&UserProfile::first(user.clone(), now)).await?;
            let review = Review::new(id.clone(), cafe_id.clone(), user.clone(), draft, now);
            match deps.reviews.create_review(&review).await {
                Ok(()) => {}
                // The id follows from the Idempotency-Key: the review already there is this
                // request's own (its claim expired before it completed, or it ran in another
                // region), so it is the answer.
                Err(ReviewWriteError::Duplicate { existing }) if existing == id => {
                    let stored = deps.catalog.get_review(&id).await?.ok_or_else(|| ApiError::Conflict("the review changed concurrently; retry".to_owned()))?;
                    return Ok(Reply::json(&stored.view(author.author()), CachePolicy::NoStore)?
                        .with_status(StatusCode::CREATED)
                        .with_header(LOCATION, format!("/reviews/{}", stored.id))
                        .with_rate_limit(&quota));
                }
                Err(ReviewWriteError::Duplicate { existing }) => {
                    return Err(ApiError::AlreadyExists {
                        detail: "you have already reviewed this café; edit that review instead".to_owned(),
                        existing: format!("/reviews/{existing}"),
                    });
                }
                Err(ReviewWriteError::Conflict) => {
                    return Err(ApiError::Conflict("the review changed concurrently; retry".to_owned()));
                }
                Err(ReviewWriteError::Store(e)) => return Err(e.into()),
            }
            tracing::info!(review_id = %review.id, cafe_id = %cafe_id, rating = review.rating.stars(), "review created");
            Ok(Reply::json(&review.view(author.author()), CachePolicy::NoStore)?
                .with_status(StatusCode::CREATED)
                .with_header(LOCATION, format!("/reviews/{}", review.id))
                .with_rate_limit(&quota))
        })
        .await
    })
    .await
}
