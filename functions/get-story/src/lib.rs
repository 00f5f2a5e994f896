//! `GET /stories/{storyId}`: one story.

use lambda_http::{Body, Request, Response};
use shared::domain::StoryId;
use shared::http::routes::GET_STORY;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::{StoryReader, UserReader};

/// What the handler needs: a story reader.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: StoryReader + UserReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_STORY, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("storyId", StoryId::parse)?;
        let story = deps
            .store
            .get_story(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("story", &id))?;
        Reply::json(
            &shared::views::story(&deps.store, &story).await?,
            CachePolicy::USER_CONTENT,
        )
    })
    .await
}
