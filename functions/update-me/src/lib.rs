//! `PUT /me`: the caller edits their display name (1–50 characters), bio (up to 300) and home
//! city. The whole editable profile is replaced, so a repeated request changes nothing more.

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::domain::{ProfileDraft, UserProfile, WriteAction};
use shared::http::routes::UPDATE_ME;
use shared::http::{
    ApiError, CachePolicy, Fields, Query, Reply, WriteGuard, caller, json_object, serve,
};
use shared::identity::UserKeys;
use shared::ports::{ProfileWriteError, UserWriter, WriteLimiter};

/// Fields a profile body may hold.
pub const FIELDS: &[&str] = &["displayName", "bio", "homeCity"];

/// What the handler needs: the profile store, the write limiter, the user-id hash and the
/// write settings.
pub struct Deps<S, R> {
    pub store: S,
    pub guard: WriteGuard<R>,
    pub users: UserKeys,
}

fn text(
    check: fn(&str) -> Result<String, shared::domain::DomainError>,
) -> impl Fn(&Value) -> Result<String, String> {
    move |v| match v.as_str() {
        Some(s) => check(s).map_err(|e| e.to_string()),
        None => Err("must be a string".to_owned()),
    }
}

fn parse(req: &Request) -> Result<ProfileDraft, ApiError> {
    let body = json_object(req)?;
    let mut f = Fields::new(&body, FIELDS);
    let display_name = f.required(&body, "displayName", text(ProfileDraft::display_name));
    let bio = f.optional(&body, "bio", text(ProfileDraft::bio));
    let home_city = f.optional(&body, "homeCity", text(ProfileDraft::home_city));
    f.finish()?;
    let display_name =
        display_name.ok_or_else(|| ApiError::InvalidBody("lacks displayName".to_owned()))?;
    Ok(ProfileDraft {
        display_name,
        bio,
        home_city,
    })
}

/// Handles one request.
pub async fn handle<S, R>(deps: &Deps<S, R>, req: Request) -> Response<Body>
where
    S: UserWriter,
    R: WriteLimiter,
{
    serve(req, &UPDATE_ME, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let draft = parse(&req)?;
        let now = shared::domain::time::now_millis();
        let quota = deps.guard.spend(&user, WriteAction::Profile, now).await?;
        let current = deps
            .store
            .ensure_profile(&UserProfile::first(user, now))
            .await?;
        let edited = current.edited(draft, now);
        match deps.store.update_profile(&current, &edited).await {
            Ok(()) => {}
            Err(ProfileWriteError::Conflict) => {
                return Err(ApiError::Conflict(
                    "your profile changed while you edited it; fetch it again and retry".to_owned(),
                ));
            }
            Err(ProfileWriteError::Store(e)) => return Err(e.into()),
        }
        tracing::info!(user = %edited.id, "profile edited");
        Ok(Reply::json(&edited, CachePolicy::NoStore)?.with_rate_limit(&quota))
    })
    .await
}
