//! `GET /roasters`: roasters by name, optionally in one country, one page at a time; or, with
//! `q`, the roasters whose name or city match the words of `q` (see `shared::search`), best
//! match first.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::CountryCode;
use shared::http::routes::LIST_ROASTERS;
use shared::http::{CachePolicy, ListPage, Paging, Query, serve};
use shared::ports::RoasterReader;
use shared::query::RoasterQuery;
use shared::search::SearchText;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["q", "country", "limit", "cursor"];

/// What the handler needs: a roaster reader and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// Identifies a query for its cursors: the same country (and search words).
fn scope(country: Option<CountryCode>, search: Option<&SearchText>) -> String {
    let country = country.as_ref().map_or("", CountryCode::as_str);
    match search {
        Some(text) => format!("roasters|{country}|q={}", text.canonical()),
        None => format!("roasters|{country}"),
    }
}

/// Handles one request.
pub async fn handle<S: RoasterReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_ROASTERS, |_info, req| async move {
        let mut q = Query::from_request(&req, PARAMS);
        let search = q.take("q", SearchText::parse);
        let country = q.take("country", CountryCode::parse);
        let paging = Paging::take(&mut q, &deps.cursors);
        q.finish()?;
        let scope = scope(country, search.as_ref());
        let page = deps
            .store
            .list_roasters(&RoasterQuery {
                country,
                search: search.clone(),
                limit: paging.limit,
                after: paging.after(&scope)?,
            })
            .await?;
        paging.reply(ListPage::from(page), &scope, CachePolicy::CATALOGUE)
    })
    .await
}
