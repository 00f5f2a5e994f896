//! `DELETE /stories/{storyId}`: the author deletes a story and every list entry it has.
//! Anyone else gets a 403.

use lambda_http::{Body, Request, Response};
use shared::domain::{StoryId, WriteAction};
use shared::http::routes::DELETE_STORY;
use shared::http::stories::authored_story;
use shared::http::{ApiError, Query, Reply, WriteGuard, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{StoryReader, StoryWriteError, StoryWriter, WriteLimiter};

/// What the handler needs: stories, the write limiter, the user-id hash and the write
/// settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: StoryReader + StoryWriter,
    R: WriteLimiter,
{
    serve(req, &DELETE_STORY, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("storyId", StoryId::parse)?;
        let current = authored_story(&deps.store, &id, &user, "delete").await?;
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Stories, now).await?;
        match deps.store.delete_story(&current).await {
            Ok(()) => {}
            Err(StoryWriteError::Conflict) => {
                return Err(ApiError::Conflict(
                    "the story changed meanwhile; fetch it again and retry".to_owned(),
                ));
            }
            Err(StoryWriteError::Store(e)) => return Err(e.into()),
        }
        tracing::info!(story_id = %id, "story deleted");
        Ok(Reply::no_content().with_rate_limit(&quota))
    })
    .await
}
