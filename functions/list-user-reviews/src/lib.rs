//! `GET /users/{userId}/reviews`: a person's reviews, newest first, one page at a time.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::PublicUserId;
use shared::http::routes::LIST_USER_REVIEWS;
use shared::http::{ApiError, CachePolicy, ListPage, Paging, Query, serve};
use shared::ports::{ReviewReader, UserReader};

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["limit", "cursor"];

/// What the handler needs: profiles (the user must exist; authors' names), reviews, cursors.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// Handles one request.
pub async fn handle<S: UserReader + ReviewReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_USER_REVIEWS, |info, req| async move {
        let user = info.parse_path("userId", PublicUserId::parse)?;
        let mut q = Query::from_request(&req, PARAMS);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        let scope = format!("user-reviews|{user}");
        let after = paging.after(&scope)?;
        if deps.store.get_profile(&user).await?.is_none() {
            return Err(ApiError::not_found("user", &user));
        }
        let page = ListPage::from(
            deps.store
                .list_user_reviews(&user, paging.limit, after)
                .await?,
        );
        let views = shared::views::many(&deps.store, page.items()).await?;
        paging.reply(page.with_items(views), &scope, CachePolicy::USER_CONTENT)
    })
    .await
}
