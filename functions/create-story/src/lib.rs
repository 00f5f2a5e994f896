//! `POST /stories`: an authenticated user publishes a story (title, plain-text body, up to ten
//! tags, up to ten linked cafés that must exist). Honours `Idempotency-Key` and the write limit.

use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use lambda_http::{Body, Request, Response};
use shared::domain::{Story, StoryId, UserProfile, WriteAction};
use shared::http::routes::CREATE_STORY;
use shared::http::stories::parse_story;
use shared::http::{
    CachePolicy, Query, Reply, WriteGuard, caller, idempotency_key, new_id_entropy, serve,
};
use shared::identity::UserKeys;
use shared::ports::{
    CafeReader, IdempotencyStore, StoryReader, StoryWriter, UserWriter, WriteLimiter,
};

/// What the handler needs: the store (cafés to check links, stories to write, the author's
/// profile), idempotency records and write limits, the user-id hash and the write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: CafeReader + StoryReader + StoryWriter + UserWriter,
    R: IdempotencyStore + WriteLimiter,
{
    serve(req, &CREATE_STORY, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let key = idempotency_key(&req)?;
        let now = shared::domain::time::now_millis();
        let (draft, payload) = parse_story(&req, &deps.store).await?;
        let scope = format!("create-story#{user}");
        let id = StoryId::from_entropy(new_id_entropy(&user, "create-story", key.as_deref()));
        deps.guard.once(key, &scope, &payload, now.as_second(), || async {
            // The id follows from the Idempotency-Key: if this request already published its
            // story (its claim expired before it completed, or it ran in another region), that
            // story is the answer.
            if let Some(published) = deps.store.get_story(&id).await?.filter(|s| s.author_id == user) {
                let author = deps.store.ensure_profile(&UserProfile::first(user.clone(), now)).await?;
                return Ok(Reply::json(&published.view(author.author()), CachePolicy::NoStore)?
                    .with_status(StatusCode::CREATED)
                    .with_header(LOCATION, format!("/stories/{}", published.id)));
            }
            let quota = deps.guard.spend(&user, WriteAction::Stories, now).await?;
            let author = deps.store.ensure_profile(&UserProfile::first(user.clone(), now)).await?;
            let story = Story::new(id.clone(), user.clone(), draft, now);
            deps.store.create_story(&story).await?;
            tracing::info!(story_id = %story.id, tags = story.tags.len(), cafes = story.cafe_ids.len(), "story published");
            Ok(Reply::json(&story.view(author.author()), CachePolicy::NoStore)?
                .with_status(StatusCode::CREATED)
                .with_header(LOCATION, format!("/stories/{}", story.id))
                .with_rate_limit(&quota))
        })
        .await
    })
    .await
}
