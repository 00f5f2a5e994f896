//! `GET /me/saved-cafes`: the caller's saved cafés, most recently saved first, each with the
//! café's current summary. Personal, so never cached.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::http::routes::LIST_SAVED_CAFES;
use shared::http::{CachePolicy, ListPage, Paging, Query, caller, serve};
use shared::identity::UserKeys;
use shared::ports::SavedCafeStore;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["limit", "cursor"];

/// What the handler needs: saved cafés, the user-id hash and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub users: UserKeys,
    pub cursors: CursorCodec,
}

/// Handles one request.
pub async fn handle<S: SavedCafeStore>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_SAVED_CAFES, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        let mut q = Query::from_request(&req, PARAMS);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        // The scope binds a cursor to its owner: another user's cursor is refused.
        let scope = format!("saved|{user}");
        let after = paging.after(&scope)?;
        let page = deps
            .store
            .list_saved_cafes(&user, paging.limit, after)
            .await?;
        paging.reply(ListPage::from(page), &scope, CachePolicy::NoStore)
    })
    .await
}
