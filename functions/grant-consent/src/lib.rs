//! `PUT /me/partners/{partnerId}`: the caller consents that this partner may receive
//! recommendations from their in-app activity, and learns the pseudonymous id the partner knows
//! them by (`pu_…`), which the app hands to the partner (the link flow, docs/partners.md).
//! Idempotent: the first grant answers `201`, granting again `200` with the first grant's time.
//! An unknown or suspended partner is a 404: no consent is recorded for it.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::partner::{Consent, PartnerStatus};
use shared::domain::{PartnerId, PartnerUserId, WriteAction};
use shared::http::routes::GRANT_CONSENT;
use shared::http::{ApiError, CachePolicy, Query, Reply, WriteGuard, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{ConsentStore, Granted, PartnerStore, PartnerWriteError, WriteLimiter};

/// What the handler needs: partners (it must exist and be active), consents, the write
/// limiter, the user-id hash (which also derives the pseudonym) and the write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

/// Response body: the consent as the user sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    pub partner_id: PartnerId,
    pub partner_name: String,
    /// What the partner knows this user by; the app hands it to the partner.
    pub partner_user_id: PartnerUserId,
    #[serde(with = "shared::domain::time::rfc3339_millis")]
    pub granted_at: jiff::Timestamp,
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: PartnerStore + ConsentStore,
    R: WriteLimiter,
{
    serve(req, &GRANT_CONSENT, |info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let partner_id = info.parse_path("partnerId", PartnerId::parse)?;
        let partner = match deps.store.get_partner(&partner_id).await? {
            Some(p) if p.status == PartnerStatus::Active => p,
            // A suspended partner cannot be consented to: it looks unknown.
            _ => return Err(ApiError::not_found("partner", &partner_id)),
        };
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Profile, now).await?;
        let consent = Consent {
            partner_user_id: deps.users.partner_user_id(&partner.id, &user),
            partner_id: partner.id.clone(),
            user_id: user,
            granted_at: now,
        };
        let Granted {
            consent: stored,
            created,
        } = match deps.store.grant_consent(&consent).await {
            Ok(granted) => granted,
            Err(PartnerWriteError::NotFound) => {
                return Err(ApiError::not_found("partner", &partner_id));
            }
            Err(PartnerWriteError::Conflict) => {
                return Err(ApiError::Conflict(
                    "the consent changed meanwhile; try again".to_owned(),
                ));
            }
            Err(PartnerWriteError::Store(e)) => return Err(e.into()),
        };
        tracing::info!(partner = %partner.id, created, "partner consent granted");
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let view = ConsentView {
            partner_id: stored.partner_id,
            partner_name: partner.name,
            partner_user_id: stored.partner_user_id,
            granted_at: stored.granted_at,
        };
        Ok(Reply::json(&view, CachePolicy::NoStore)?
            .with_status(status)
            .with_rate_limit(&quota))
    })
    .await
}
