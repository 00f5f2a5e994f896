//! `GET /me`: the caller's own profile. The first authenticated call creates it with a neutral
//! display name the user can change with `PUT /me`.

use lambda_http::{Body, Request, Response};
use shared::domain::UserProfile;
use shared::http::routes::GET_ME;
use shared::http::{CachePolicy, Query, Reply, caller, serve};
use shared::identity::UserKeys;
use shared::ports::UserWriter;

/// What the handler needs: the profile store and the user-id hash.
pub struct Deps<S> {
    pub store: S,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S: UserWriter>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_ME, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let first = UserProfile::first(user, shared::domain::time::now_millis());
        let profile = deps.store.ensure_profile(&first).await?;
        Reply::json(&profile, CachePolicy::NoStore)
    })
    .await
}
