//! `GET /cafes/{cafeId}/reviews`: a café's reviews, newest first, one page at a time.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::CafeId;
use shared::http::routes::LIST_REVIEWS;
use shared::http::{ApiError, CachePolicy, ListPage, Query, Reply, parse_limit, serve};
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
        let limit = q.take("limit", parse_limit).unwrap_or_default();
        let cursor = q.take("cursor", |v| Ok::<_, String>(v.to_owned()));
        q.finish()?;
        let scope = format!("reviews|{cafe_id}");
        let after = cursor
            .map(|c| deps.cursors.decode(&scope, &c))
            .transpose()?;
        if deps.catalog.get_cafe(&cafe_id).await?.is_none() {
            return Err(ApiError::not_found("café", &cafe_id));
        }
        let page = ListPage::from(deps.catalog.list_reviews(&cafe_id, limit, after).await?);
        let views = shared::views::many(&deps.catalog, page.items()).await?;
        Reply::list(
            page.with_items(views),
            |key| deps.cursors.encode(&scope, key),
            CachePolicy::USER_CONTENT,
        )
    })
    .await
}
