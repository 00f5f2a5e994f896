//! `DELETE /me/saved-cafes/{cafeId}`: the caller forgets a saved café. Idempotent: `204`
//! whether or not it was saved.

use lambda_http::{Body, Request, Response};
use shared::domain::{CafeId, WriteAction};
use shared::http::routes::UNSAVE_CAFE;
use shared::http::{Query, Reply, WriteGuard, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{SavedCafeStore, WriteLimiter};

/// What the handler needs: saved cafés, the write limiter, the user-id hash and the write
/// settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: SavedCafeStore,
    R: WriteLimiter,
{
    serve(req, &UNSAVE_CAFE, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let cafe_id = info.parse_path("cafeId", CafeId::parse)?;
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Saves, now).await?;
        deps.store.unsave_cafe(&user, &cafe_id).await?;
        tracing::info!(cafe_id = %cafe_id, "café unsaved");
        Ok(Reply::no_content().with_rate_limit(&quota))
    })
    .await
}
