//! `GET /cafes`: cafés filtered by city, country, brewing method, roaster or amenity, sorted by
//! rating, name or newest, one page at a time with a signed cursor; or, with `q`, the cafés
//! whose name, roasters, neighbourhood or city match the words of `q` (see `shared::search`),
//! best match first, with the same filters and cursors.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::{Amenity, CountryCode, RoasterId, Slug};
use shared::http::routes::LIST_CAFES;
use shared::http::{ApiError, CachePolicy, ListBody, Query, Reply, parse_limit, serve};
use shared::ports::CafeReader;
use shared::query::{CafeFilter, CafeQuery, CafeSort};
use shared::search::SearchText;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &[
    "q",
    "city",
    "country",
    "brewingMethod",
    "roaster",
    "amenity",
    "sort",
    "limit",
    "cursor",
];

/// What the handler needs: a café reader and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

fn amenity_reason() -> String {
    let names: Vec<&str> = Amenity::ALL.iter().map(|a| a.as_str()).collect();
    format!("must be one of: {}", names.join(", "))
}

/// Parses the query into a store request and the cursor scope (filters + sort).
fn parse(req: &Request, cursors: &CursorCodec) -> Result<CafeQuery, ApiError> {
    let mut q = Query::from_request(req, PARAMS);
    let search = q.take("q", SearchText::parse);
    let city = q.take("city", |v| {
        Slug::from_text(v).map_err(|_| "must contain letters or digits")
    });
    let country = q.take("country", CountryCode::parse);
    let brewing_method = q.take("brewingMethod", Slug::parse);
    let roaster = q.take("roaster", RoasterId::parse);
    let amenity = q.take("amenity", |v| {
        Amenity::parse(v).map_err(|_| amenity_reason())
    });
    let searching = q.has("q");
    let sort = q
        .take("sort", |v| {
            if searching {
                return Err("cannot be combined with q: search results are ordered by relevance");
            }
            CafeSort::parse(v).ok_or("must be one of: rating, name, newest")
        })
        .unwrap_or_default();
    let limit = q.take("limit", parse_limit).unwrap_or_default();
    let cursor = q.take("cursor", |v| Ok::<_, String>(v.to_owned()));
    q.finish()?;

    let filter = CafeFilter {
        city,
        country,
        brewing_method,
        roaster,
        amenity,
    };
    let after = cursor
        .map(|c| cursors.decode(&scope(&filter, search.as_ref(), sort), &c))
        .transpose()?;
    Ok(CafeQuery {
        filter,
        search,
        sort,
        limit,
        after,
    })
}

/// Identifies a query for its cursors: the same filters and sort (or search words), whatever
/// the page size.
fn scope(filter: &CafeFilter, search: Option<&SearchText>, sort: CafeSort) -> String {
    let opt = |v: Option<&str>| v.unwrap_or("").to_owned();
    let order = match search {
        Some(text) => format!("q={}", text.canonical()),
        None => sort.as_str().to_owned(),
    };
    [
        "cafes".to_owned(),
        order,
        opt(filter.city.as_ref().map(Slug::as_str)),
        opt(filter.country.as_ref().map(CountryCode::as_str)),
        opt(filter.brewing_method.as_ref().map(Slug::as_str)),
        opt(filter.roaster.as_ref().map(RoasterId::as_str)),
        opt(filter.amenity.map(|a| a.as_str())),
    ]
    .join("|")
}

/// Handles one request.
pub async fn handle<S: CafeReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_CAFES, |_info, req| async move {
        let query = parse(&req, &deps.cursors)?;
        let page = deps.store.list_cafes(&query).await?;
        let next_cursor = page.next.map(|key| {
            let scope = scope(&query.filter, query.search.as_ref(), query.sort);
            deps.cursors.encode(&scope, &key)
        });
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
