//! `GET /cafes/{cafeId}/reviews`: a café's reviews, newest first, one page at a time.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::CafeId;
use shared::http::routes::LIST_REVIEWS;
use shared::http::{ApiError, CachePolicy, ListPage, Paging, Query, serve};
use shared::ports::{CafeReader, ReviewReader, UserReader};

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["limit", "cursor"];

/// What the handler needs.
pub struct Deps<C> {
    pub catalog: C,
    pub cursors: CursorCodec,
}

/// Handles one request.
pub async fn handle<C: CafeReader + UserReader + ReviewReader>(
    deps: &Deps<C>,
    req: Request,
) -> Response<Body> {
    serve(req, &LIST_REVIEWS, |info, req| async move {
        let cafe_id = info.parse_path("cafeId", CafeId::parse)?;
        let mut q = Query::from_request(&req, PARAMS);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        let scope = format!("reviews|{cafe_id}");
        let after = paging.after(&scope)?;
        if deps.catalog.get_cafe(&cafe_id).await?.is_none() {
            return Err(ApiError::not_found("café", &cafe_id));
        }
        let page = ListPage::from(
            deps.catalog
                .list_reviews(&cafe_id, paging.limit, after)
                .await?,
        );
        let views = shared::views::many(&deps.catalog, page.items()).await?;
        paging.reply(page.with_items(views), &scope, CachePolicy::USER_CONTENT)
    })
    .await
}
