//! `PUT /me/saved-cafes/{cafeId}`: the caller saves a café. Idempotent: saving it again keeps
//! the first save (`200`), the first save answers `201`.
//!
//! A save is the nearby-ranking experiment's outcome (docs/experiments.md), recorded for each
//! unit the saver was exposed as: the caller's public id (exposed by `GET /me/nearby-cafes` or
//! `GET /me/experiments`) and, when the request carries `X-Device-Id`, that device (exposed by
//! `GET /cafes/nearby`). Each exposed unit's first save is stored as one conversion under the
//! variant it was shown; a unit never exposed records nothing. Recording never fails the save.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::domain::{CafeId, SavedCafe, UserProfile, WriteAction};
use shared::experiments::Unit;
use shared::experiments::events::EventRecorder;
use shared::experiments::nearby::{NEARBY_RANKING, SAVE_METRIC};
use shared::http::routes::SAVE_CAFE;
use shared::http::{ApiError, CachePolicy, Query, Reply, WriteGuard, caller, device_unit, serve};
use shared::identity::UserKeys;
use shared::ports::{CafeReader, ExperimentEvents, SavedCafeStore, UserWriter, WriteLimiter};

/// What the handler needs: cafés (it must exist), saved cafés, the caller's profile, the write
/// limiter, the user-id hash, the write settings and where experiment outcomes go.
pub struct Deps<S, R, E> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
    pub events: EventRecorder<E>,
}

/// Handles one request.
pub async fn handle<S, R, E>(deps: &Deps<S, R, E>, req: Request) -> Response<Body>
where
    S: CafeReader + SavedCafeStore + UserWriter,
    R: WriteLimiter,
    E: ExperimentEvents,
{
    serve(req, &SAVE_CAFE, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let device = device_unit(&req)?;
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
        for unit in std::iter::once(Unit::User(user)).chain(device) {
            let converted = deps
                .events
                .converted(NEARBY_RANKING.key, &unit.id(), SAVE_METRIC, now)
                .await;
            if let Err(e) = converted {
                tracing::warn!(error = %e, experiment = NEARBY_RANKING.key, "outcome not stored");
            }
        }
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
