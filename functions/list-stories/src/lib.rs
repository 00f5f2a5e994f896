//! `GET /stories`: stories newest first, optionally by one author, about one café and/or with
//! one tag; each with an excerpt of its body (the whole story is at `GET /stories/{storyId}`).

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::{CafeId, PublicUserId, Slug, StoryListView};
use shared::http::routes::LIST_STORIES;
use shared::http::{CachePolicy, ListPage, Paging, Query, serve};
use shared::ports::{StoryFilter, StoryReader, UserReader};

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["author", "cafeId", "tag", "limit", "cursor"];

/// What the handler needs.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// Handles one request.
pub async fn handle<S: StoryReader + UserReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_STORIES, |_info, req| async move {
        let mut q = Query::from_request(&req, PARAMS);
        let author = q.take("author", PublicUserId::parse);
        let cafe = q.take("cafeId", CafeId::parse);
        let tag = q.take("tag", Slug::parse);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        let scope = format!(
            "stories|{}|{}|{}",
            author.as_ref().map_or("", PublicUserId::as_str),
            cafe.as_ref().map_or("", CafeId::as_str),
            tag.as_ref().map_or("", Slug::as_str)
        );
        let after = paging.after(&scope)?;
        let page = deps
            .store
            .list_stories(&StoryFilter { cafe, tag, author }, paging.limit, after)
            .await?;
        let page = ListPage::from(page);
        // Lists show excerpts; the whole body is at `GET /stories/{storyId}`.
        let views: Vec<StoryListView> = shared::views::many(&deps.store, page.items())
            .await?
            .into_iter()
            .map(StoryListView::from)
            .collect();
        paging.reply(page.with_items(views), &scope, CachePolicy::USER_CONTENT)
    })
    .await
}
