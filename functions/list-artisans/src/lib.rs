//! `GET /artisans`: artisans by name, one page at a time (the `ARTISANS#ALL` list, written
//! with each artisan).

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::http::routes::LIST_ARTISANS;
use shared::http::{CachePolicy, ListPage, Paging, Query, serve};
use shared::ports::ArtisanReader;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["limit", "cursor"];

/// The cursor scope: a cursor from another list is refused.
const SCOPE: &str = "artisans|";

/// What the handler needs: an artisan reader and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// Handles one request.
pub async fn handle<S: ArtisanReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_ARTISANS, |_info, req| async move {
        let mut q = Query::from_request(&req, PARAMS);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        let after = paging.after(SCOPE)?;
        let page = deps.store.list_artisans(paging.limit, after).await?;
        paging.reply(ListPage::from(page), SCOPE, CachePolicy::CATALOGUE)
    })
    .await
}
