//! `GET /cafes/{cafeId}/photos`: a café's ready photos, newest first, one page at a time.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::CafeId;
use shared::http::routes::LIST_CAFE_PHOTOS;
use shared::http::{ApiError, CachePolicy, ListPage, Paging, Query, serve};
use shared::ports::{CafeReader, PhotoReader, UserReader};
use shared::query::PageKey;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["limit", "cursor"];

/// What the handler needs: cafés (to 404 unknown ones), photos and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// Handles one request.
pub async fn handle<S: CafeReader + PhotoReader + UserReader>(
    deps: &Deps<S>,
    req: Request,
) -> Response<Body> {
    serve(req, &LIST_CAFE_PHOTOS, |info, req| async move {
        let cafe_id = info.parse_path("cafeId", CafeId::parse)?;
        let mut q = Query::from_request(&req, PARAMS);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        let scope = format!("photos|{cafe_id}");
        let after: Option<PageKey> = paging.after(&scope)?;
        if deps.store.get_cafe(&cafe_id).await?.is_none() {
            return Err(ApiError::not_found("café", &cafe_id));
        }
        let page = ListPage::from(
            deps.store
                .list_cafe_photos(&cafe_id, paging.limit, after)
                .await?,
        );
        let views = shared::views::many(&deps.store, page.items()).await?;
        paging.reply(page.with_items(views), &scope, CachePolicy::USER_CONTENT)
    })
    .await
}
