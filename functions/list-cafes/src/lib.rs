//! `GET /cafes`: cafés filtered by city, country, brewing method, roaster, amenities (all of
//! them), price levels (any of them), minimum rating and `openNow` (judged at `at`, or now, in
//! each café's own time zone), sorted by rating, name or newest, one page at a time with a
//! signed cursor; or, with `q`, the cafés whose name, roasters, neighbourhood or city match
//! the words of `q` (see `shared::search`), best match first, with the same filters and cursors.

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::cursor::CursorCodec;
use shared::domain::{CountryCode, PriceLevel, RoasterId, Slug, known_brewing_method};
use shared::http::routes::LIST_CAFES;
use shared::http::{
    ApiError, CachePolicy, ListPage, Query, Reply, parse_amenity, parse_flag, parse_instant,
    parse_limit, parse_number_in, serve,
};
use shared::ports::CafeReader;
use shared::query::{CafeFilter, CafeQuery, CafeSort, Page, PageKey};
use shared::search::SearchText;

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &[
    "q",
    "city",
    "country",
    "brewingMethod",
    "roaster",
    "amenity",
    "priceLevel",
    "minRating",
    "openNow",
    "at",
    "sort",
    "limit",
    "cursor",
];

/// What the handler needs: a café reader and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// A cursor's position: after this list key, and for `openNow` the instant it was judged at,
/// so every page of one list answers for the same moment (as `GET /cafes/nearby` does).
#[derive(Serialize, Deserialize)]
struct Position {
    #[serde(flatten)]
    key: PageKey,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    at: Option<Timestamp>,
}

/// A parsed request: the store query, and whether `at` was given (else `openNow` means now).
struct Parsed {
    query: CafeQuery,
    explicit_at: bool,
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

/// The rule for `city`: any script, up to 100 characters, with at least one letter or digit.
/// The name is slugged like café cities are (accents folded: `São Paulo` → `sao-paulo`); a name
/// without Latin letters or digits matches no café, so the answer is an empty page rather than
/// a 400.
fn city_key(raw: &str) -> Result<CityKey, String> {
    if raw.chars().count() > 100 {
        return Err("must be at most 100 characters".to_owned());
    }
    if !raw.chars().any(char::is_alphanumeric) {
        return Err("must contain a letter or digit (in any script)".to_owned());
    }
    Ok(Slug::from_text(raw).map_or(CityKey::Unmatched, CityKey::Slug))
}

fn price_level(raw: &str) -> Result<PriceLevel, &'static str> {
    raw.parse::<u8>()
        .ok()
        .and_then(|n| PriceLevel::new(n).ok())
        .ok_or("must be an integer from 1 to 4")
}

/// Parses the query into a store request, checking the cursor against its scope; `None` when
/// no café can match (a city name in a script café cities are not keyed in).
fn parse(req: &Request, cursors: &CursorCodec) -> Result<Option<Parsed>, ApiError> {
    let mut q = Query::from_request(req, PARAMS);
    let search = q.take("q", SearchText::parse);
    let city = q.take("city", city_key);
    let country = q.take("country", CountryCode::parse);
    let brewing_method = q.take("brewingMethod", known_brewing_method);
    let roaster = q.take("roaster", RoasterId::parse);
    let amenities = q.take_all("amenity", parse_amenity);
    let price_levels = q.take_all("priceLevel", price_level);
    let min_rating = q.take("minRating", |v| parse_number_in(v, 0.0, 5.0));
    let open_now = q.take("openNow", parse_flag);
    // `openNow=false` is no filter (as on `/cafes/nearby`); `at` only says when to judge
    // `openNow=true`, so alone it would silently do nothing: refuse it.
    // (A bad `openNow` value is reported under its own name, not blamed on `at` too.)
    let at_is_moot = !q.has("openNow") || open_now == Some(false);
    let at = q.take("at", |v| {
        let at = parse_instant(v)?;
        if at_is_moot {
            return Err("applies only with openNow=true");
        }
        Ok(at)
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
    let explicit_at = at.is_some();
    let mut filter = CafeFilter {
        city,
        country,
        brewing_method,
        roaster,
        amenities,
        price_levels,
        min_rating,
        open_at: (open_now == Some(true))
            .then(|| at.unwrap_or_else(shared::domain::time::now_millis)),
    }
    .canonical();
    let mut after = None;
    if let Some(cursor) = cursor {
        let position: Position =
            cursors.decode(&scope(&filter, search.as_ref(), sort, explicit_at), &cursor)?;
        if filter.open_at.is_some() {
            // Same scope, so the cursor was minted for openNow=true and carries its instant.
            filter.open_at = position.at.or(filter.open_at);
        }
        after = Some(position.key);
    }
    Ok(Some(Parsed {
        query: CafeQuery {
            filter,
            search,
            sort,
            limit,
            after,
        },
        explicit_at,
    }))
}

/// Identifies a query for its cursors: every filter and the sort (or search words), whatever
/// the page size. An explicit `at` is part of it; an implicit one (now) travels in the cursor.
fn scope(
    filter: &CafeFilter,
    search: Option<&SearchText>,
    sort: CafeSort,
    explicit_at: bool,
) -> String {
    let opt = |v: Option<&str>| v.unwrap_or("").to_owned();
    let order = match search {
        Some(text) => format!("q={}", text.canonical()),
        None => sort.as_str().to_owned(),
    };
    let amenities: Vec<&str> = filter.amenities.iter().map(|a| a.as_str()).collect();
    let prices: Vec<String> = filter
        .price_levels
        .iter()
        .map(|p| p.get().to_string())
        .collect();
    let open = match filter.open_at {
        None => String::new(),
        Some(at) if explicit_at => at.to_string(),
        Some(_) => "now".to_owned(),
    };
    [
        "cafes".to_owned(),
        order,
        opt(filter.city.as_ref().map(Slug::as_str)),
        opt(filter.country.as_ref().map(CountryCode::as_str)),
        opt(filter.brewing_method.as_ref().map(Slug::as_str)),
        opt(filter.roaster.as_ref().map(RoasterId::as_str)),
        amenities.join(","),
        prices.join(","),
        filter.min_rating.map_or(String::new(), |r| r.to_string()),
        open,
    ]
    .join("|")
}

/// Handles one request.
pub async fn handle<S: CafeReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &LIST_CAFES, |_info, req| async move {
        let Some(Parsed { query, explicit_at }) = parse(&req, &deps.cursors)? else {
            let empty: Page<shared::domain::CafeSummary> = Page::empty();
            return Reply::list(
                ListPage::from(empty),
                |_| String::new(),
                CachePolicy::CATALOGUE,
            );
        };
        let page = deps.store.list_cafes(&query).await?;
        let scope = scope(
            &query.filter,
            query.search.as_ref(),
            query.sort,
            explicit_at,
        );
        let at = query.filter.open_at;
        let cursor = |key: &PageKey| {
            deps.cursors.encode(
                &scope,
                &Position {
                    key: key.clone(),
                    at,
                },
            )
        };
        // `openNow` without `at` changes with the clock: cache briefly.
        let cache = if query.filter.open_at.is_some() && !explicit_at {
            CachePolicy::LIVE
        } else {
            CachePolicy::CATALOGUE
        };
        Reply::list(ListPage::from(page), cursor, cache)
    })
    .await
}
