//! `DELETE /me/partners/{partnerId}`: the caller withdraws their consent to this partner. The
//! partner's very next request for the user's pseudonym finds none (404). Idempotent: `204`
//! whether or not there was a consent, for any partner that exists (a suspended one too:
//! withdrawing is always possible); 404 only for a partner that does not exist and holds no
//! consent of the caller.

use lambda_http::{Body, Request, Response};
use shared::domain::{PartnerId, WriteAction};
use shared::http::routes::WITHDRAW_CONSENT;
use shared::http::{ApiError, Query, Reply, WriteGuard, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{ConsentStore, PartnerStore, WriteLimiter};

/// What the handler needs: partners (to tell an unknown one), consents, the write limiter, the
/// user-id hash and the write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: PartnerStore + ConsentStore,
    R: WriteLimiter,
{
    serve(req, &WITHDRAW_CONSENT, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let partner_id = info.parse_path("partnerId", PartnerId::parse)?;
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Profile, now).await?;
        let withdrawn = deps.store.withdraw_consent(&user, &partner_id).await?;
        if !withdrawn && deps.store.get_partner(&partner_id).await?.is_none() {
            return Err(ApiError::not_found("partner", &partner_id));
        }
        tracing::info!(partner = %partner_id, withdrawn, "partner consent withdrawn");
        Ok(Reply::no_content().with_rate_limit(&quota))
    })
    .await
}
