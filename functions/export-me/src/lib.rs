//! `GET /me/export`: everything stored about the caller (profile, reviews, stories, photos,
//! saved cafés), as a paged list of entries. Paging through with `nextCursor` until it is `null`
//! returns every item exactly once, however large the account: each page is one store page and
//! stays within the list byte budget (`Reply::list`). Personal, so never cached.

use serde::Serialize;
use shared::account::{ExportPosition, export_page};
use shared::cursor::CursorCodec;
use shared::http::routes::EXPORT_ME;
use shared::http::{CachePolicy, ListPage, Paging, Query, caller, serve};
use shared::identity::UserKeys;
use shared::ports::{PhotoReader, ReviewReader, SavedCafeStore, StoryReader, UserReader};

use lambda_http::{Body, Request, Response};

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["limit", "cursor"];

/// What the handler needs: the store, the user-id hash and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub users: UserKeys,
    pub cursors: CursorCodec,
}

/// Fields of an export page besides `items` and `nextCursor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportMeta {
    /// When this page was read.
    #[serde(with = "shared::domain::time::rfc3339_millis")]
    exported_at: jiff::Timestamp,
}

/// Handles one request.
pub async fn handle<S>(deps: &Deps<S>, req: Request) -> Response<Body>
where
    S: UserReader + SavedCafeStore + StoryReader + PhotoReader + ReviewReader,
{
    serve(req, &EXPORT_ME, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        let mut q = Query::from_request(&req, PARAMS);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        // The scope binds a cursor to its owner: another user's cursor is refused.
        let scope = format!("export|{user}");
        let from = paging.after(&scope)?.unwrap_or_else(ExportPosition::start);
        let page = export_page(&deps.store, &user, from, paging.limit).await?;
        let meta = ExportMeta {
            exported_at: jiff::Timestamp::now(),
        };
        paging.reply_with(
            ListPage::new(page.entries, page.keys, page.next),
            &scope,
            &meta,
            CachePolicy::NoStore,
        )
    })
    .await
}
