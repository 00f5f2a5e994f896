//! `DELETE /me`: erases the caller's account (see `shared::account` for the rule). Idempotent
//! and resumable: `204` once nothing is left; `202` with `Retry-After` while a large account is
//! still being erased (the client calls again).

use lambda_http::http::StatusCode;
use lambda_http::http::header::RETRY_AFTER;
use lambda_http::{Body, Request, Response};
use shared::http::routes::DELETE_ME;
use shared::http::{CachePolicy, Query, Reply, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{
    ConsentStore, PhotoReader, PhotoWriter, ReviewReader, ReviewWriter, SavedCafeStore,
    StoryReader, StoryWriter, UserWriter,
};

/// Items one call deletes at most, so a call ends well within the function's timeout.
pub const BUDGET: usize = 200;

/// What the handler needs: the store (profile, stories, saved cafés), the review store (whose
/// deletions keep rating summaries exact) and the user-id hash.
pub struct Deps<S, R> {
    pub store: S,
    pub reviews: R,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: UserWriter
        + SavedCafeStore
        + StoryReader
        + StoryWriter
        + PhotoReader
        + PhotoWriter
        + ReviewReader
        + ConsentStore
        + shared::ports::RecommendationStore,
    R: ReviewWriter,
{
    serve(req, &DELETE_ME, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let erased = shared::account::erase(&deps.store, &deps.reviews, &user, BUDGET).await?;
        tracing::info!(
            reviews = erased.reviews,
            stories = erased.stories,
            saved_cafes = erased.saved_cafes,
            photos = erased.photos,
            complete = erased.complete,
            "account erasure"
        );
        if erased.complete {
            Ok(Reply::no_content())
        } else {
            Ok(Reply::json(&erased, CachePolicy::NoStore)?
                .with_status(StatusCode::ACCEPTED)
                .with_header(RETRY_AFTER, "1"))
        }
    })
    .await
}
