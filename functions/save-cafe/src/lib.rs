//! `PUT /me/saved-cafes/{cafeId}`: the caller saves a café. Idempotent: saving it again keeps
//! the first save (`200`), the first save answers `201`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::domain::{CafeId, SavedCafe, UserProfile, WriteAction};
use shared::http::routes::SAVE_CAFE;
use shared::http::{ApiError, CachePolicy, Query, Reply, WriteGuard, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{CafeReader, SavedCafeStore, UserWriter, WriteLimiter};

/// What the handler needs: cafés (it must exist), saved cafés, the caller's profile, the write
/// limiter, the user-id hash and the write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: CafeReader + SavedCafeStore + UserWriter,
    R: WriteLimiter,
{
    serve(req, &SAVE_CAFE, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let cafe_id = info.parse_path("cafeId", CafeId::parse)?;
        if deps.store.get_cafe(&cafe_id).await?.is_none() {
            return Err(ApiError::not_found("café", &cafe_id));
        }
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Saves, now).await?;
        deps.store
            .ensure_profile(&UserProfile::first(user.clone(), now))
            .await?;
        let saved = SavedCafe {
            cafe_id,
            saved_at: now,
        };
        let created = deps.store.save_cafe(&user, &saved).await?;
        tracing::info!(cafe_id = %saved.cafe_id, created, "café saved");
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(Reply::json(
            &serde_json::json!({ "cafeId": saved.cafe_id, "saved": true }),
            CachePolicy::NoStore,
        )?
        .with_status(status)
        .with_rate_limit(&quota))
    })
    .await
}
