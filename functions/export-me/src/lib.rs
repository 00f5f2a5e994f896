//! `GET /me/export`: everything stored about the caller (profile, reviews, stories, saved
//! cafés) as one JSON document. Personal, so never cached.

use lambda_http::http::header::CONTENT_DISPOSITION;
use lambda_http::{Body, Request, Response};
use shared::http::routes::EXPORT_ME;
use shared::http::{CachePolicy, Query, Reply, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{PhotoReader, ReviewReader, SavedCafeStore, StoryReader, UserReader};

/// What the handler needs: the store, the review store and the user-id hash.
pub struct Deps<S> {
    pub store: S,
    pub users: UserKeys,
}

/// Handles one request.
pub async fn handle<S>(deps: &Deps<S>, req: Request) -> Response<Body>
where
    S: UserReader + SavedCafeStore + StoryReader + PhotoReader + ReviewReader,
{
    serve(req, &EXPORT_ME, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let now = jiff::Timestamp::now();
        let export = shared::account::export(&deps.store, &user, now).await?;
        Ok(Reply::json(&export, CachePolicy::NoStore)?.with_header(
            CONTENT_DISPOSITION,
            "attachment; filename=\"craftbean-export.json\"",
        ))
    })
    .await
}
