//! `PUT /me`: the caller edits their display name (1–50 characters), bio (up to 300), home
//! city and taste (`tasteMethods`: up to 5 brewing methods, what `GET /me/nearby-cafes` ranks
//! with in the nearby-ranking treatment). The editable profile is replaced, so a repeated
//! request changes nothing more; the one exception is an omitted `tasteMethods`, which keeps
//! the stored taste (clients that predate the field never clear it; `null` or `[]` clear it).

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::domain::{ProfileDraft, Slug, UserProfile, WriteAction, taste_methods};
use shared::http::routes::UPDATE_ME;
use shared::http::{
    ApiError, CachePolicy, Fields, Query, Reply, WriteGuard, caller, json_object, serve,
};
use shared::identity::UserKeys;
use shared::ports::{ProfileWriteError, UserWriter, WriteLimiter};

/// Fields a profile body may hold.
pub const FIELDS: &[&str] = &["displayName", "bio", "homeCity", "tasteMethods"];

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

/// `tasteMethods`: an array of known brewing method slugs, at most 5.
fn taste(v: &Value) -> Result<Vec<Slug>, String> {
    let Some(items) = v.as_array() else {
        return Err("must be an array of brewing method slugs (or null)".to_owned());
    };
    let raw = items
        .iter()
        .map(|i| i.as_str().ok_or("must hold only strings"))
        .collect::<Result<Vec<&str>, _>>()?;
    taste_methods(raw)
}

fn parse(req: &Request) -> Result<ProfileDraft, ApiError> {
    let body = json_object(req)?;
    let mut f = Fields::new(&body, FIELDS);
    let display_name = f.required(&body, "displayName", text(ProfileDraft::display_name));
    let bio = f.optional(&body, "bio", text(ProfileDraft::bio));
    let home_city = f.optional(&body, "homeCity", text(ProfileDraft::home_city));
    let taste_methods = match body.get("tasteMethods") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(_) => f.optional(&body, "tasteMethods", taste),
    };
    f.finish()?;
    let display_name =
        display_name.ok_or_else(|| ApiError::InvalidBody("lacks displayName".to_owned()))?;
    Ok(ProfileDraft {
        display_name,
        bio,
        home_city,
        taste_methods,
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
