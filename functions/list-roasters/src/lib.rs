//! `GET /roasters`: roasters by name, optionally in one country, one page at a time.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::CountryCode;
use shared::http::routes::LIST_ROASTERS;
use shared::http::{CachePolicy, ListBody, Query, Reply, parse_limit, serve};
use shared::ports::RoasterReader;
use shared::query::RoasterQuery;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["country", "limit", "cursor"];

/// What the handler needs: a roaster reader and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

fn scope(country: Option<CountryCode>) -> String {
    format!(
        "roasters|{}",
        country.as_ref().map_or("", CountryCode::as_str)
    )
}

/// Handles one request.
pub async fn handle<S: RoasterReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_ROASTERS, |_info, req| async move {
        let mut q = Query::from_request(&req, PARAMS);
        let country = q.take("country", CountryCode::parse);
        let limit = q.take("limit", parse_limit).unwrap_or_default();
        let cursor = q.take("cursor", |v| Ok::<_, String>(v.to_owned()));
        q.finish()?;
        let after = cursor
            .map(|c| deps.cursors.decode(&scope(country), &c))
            .transpose()?;
        let page = deps
            .store
            .list_roasters(&RoasterQuery {
                country,
                limit,
                after,
            })
            .await?;
        let next_cursor = page
            .next
            .map(|key| deps.cursors.encode(&scope(country), &key));
        Reply::json(
            &ListBody {
                items: page.items,
                next_cursor,
            },
            CachePolicy::CATALOGUE,
        )
    })
    .await
}
