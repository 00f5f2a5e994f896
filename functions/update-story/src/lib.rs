//! `PUT /stories/{storyId}`: the author replaces a story's title, body, tags and linked cafés
//! (the same body as `POST /stories`). Anyone else gets a 403.

use lambda_http::{Body, Request, Response};
use shared::domain::{StoryId, WriteAction};
use shared::http::routes::UPDATE_STORY;
use shared::http::stories::{authored_story, parse_story};
use shared::http::{ApiError, CachePolicy, Query, Reply, WriteGuard, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{
    CafeReader, StoryReader, StoryWriteError, StoryWriter, UserReader, WriteLimiter,
};

/// What the handler needs: the store (cafés to check links, stories, author names), the write
/// limiter, the user-id hash and the write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: CafeReader + StoryReader + StoryWriter + UserReader,
    R: WriteLimiter,
{
    serve(req, &UPDATE_STORY, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("storyId", StoryId::parse)?;
        let (draft, _) = parse_story(&req, &deps.store).await?;
        let current = authored_story(&deps.store, &id, &user, "edit").await?;
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Stories, now).await?;
        let edited = current.edited(draft, now);
        match deps.store.update_story(&current, &edited).await {
            Ok(()) => {}
            Err(StoryWriteError::Conflict) => {
                return Err(ApiError::Conflict(
                    "the story changed while you edited it; fetch it again and retry".to_owned(),
                ));
            }
            Err(StoryWriteError::Store(e)) => return Err(e.into()),
        }
        tracing::info!(story_id = %edited.id, "story edited");
        Ok(Reply::json(
            &shared::views::story(&deps.store, &edited).await?,
            CachePolicy::NoStore,
        )?
        .with_rate_limit(&quota))
    })
    .await
}
