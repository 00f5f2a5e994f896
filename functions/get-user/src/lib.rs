//! `GET /users/{userId}`: a person's public profile (their reviews are at
//! `/users/{userId}/reviews`, their stories at `/stories?author={userId}`).

use lambda_http::{Body, Request, Response};
use shared::domain::PublicUserId;
use shared::http::routes::GET_USER;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::UserReader;

/// What the handler needs: a profile reader.
pub struct Deps<S> {
    pub store: S,
}

/// Handles one request.
pub async fn handle<S: UserReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_USER, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("userId", PublicUserId::parse)?;
        let profile = deps
            .store
            .get_profile(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("user", &id))?;
        // The public fields only: a person's taste is theirs (`GET /me`).
        Reply::json(&profile.public(), CachePolicy::USER_CONTENT)
    })
    .await
}
