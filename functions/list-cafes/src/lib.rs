//! `GET /cafes`: cafés filtered by city, country, brewing method, roaster or amenity, sorted by
//! rating, name or newest, one page at a time with a signed cursor; or, with `q`, the cafés
//! whose name, roasters, neighbourhood or city match the words of `q` (see `shared::search`),
//! best match first, with the same filters and cursors.

use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::{Amenity, CountryCode, RoasterId, Slug, known_brewing_method};
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

/// What a `city` value selects.
#[derive(Debug, PartialEq, Eq)]
enum CityKey {
    /// The cafés whose city has this slug.
    Slug(Slug),
    /// No city: the name has no letters or digits of the Latin script (`東京`, `Москва`), and
    /// café cities are keyed by their Latin-script slug, so no café can match.
    Unmatched,
}

/// The rule for `city`: any script, up to 100 characters, with at least one letter or digit. The name is slugged like café cities
/// are (accents folded: `São Paulo` → `sao-paulo`); a name without Latin letters or digits
/// matches no café, so the answer is an empty page rather than a 400.
fn city_key(raw: &str) -> Result<CityKey, String> {
    if raw.chars().count() > 100 {
        return Err("must be at most 100 characters".to_owned());
    }
    if !raw.chars().any(char::is_alphanumeric) {
        return Err("must contain a letter or digit (in any script)".to_owned());
    }
    Ok(Slug::from_text(raw).map_or(CityKey::Unmatched, CityKey::Slug))
}

/// Parses the query into a store request and the cursor scope (filters + sort); `None` when
/// no café can match.
fn parse(req: &Request, cursors: &CursorCodec) -> Result<Option<CafeQuery>, ApiError> {
    let mut q = Query::from_request(req, PARAMS);
    let search = q.take("q", SearchText::parse);
    let city = q.take("city", city_key);
    let country = q.take("country", CountryCode::parse);
    let brewing_method = q.take("brewingMethod", known_brewing_method);
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

    let city = match city {
        Some(CityKey::Unmatched) => return Ok(None),
        Some(CityKey::Slug(slug)) => Some(slug),
        None => None,
    };
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
    Ok(Some(CafeQuery {
        filter,
        search,
        sort,
        limit,
        after,
    }))
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
        let Some(query) = parse(&req, &deps.cursors)? else {
            let empty: ListBody<shared::domain::CafeSummary> = ListBody {
                items: Vec::new(),
                next_cursor: None,
            };
            return Reply::json(&empty, CachePolicy::CATALOGUE);
        };
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
