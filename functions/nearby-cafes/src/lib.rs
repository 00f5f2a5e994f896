//! `GET /cafes/nearby`: cafés within `radiusM` metres of `lat`,`lng`, nearest first, each with
//! its great-circle distance and whether it is open; filters `brewingMethod`, `amenity`,
//! `minRating` and `openNow` (judged at `at`, or now, in each café's own time zone).

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::cursor::CursorCodec;
use shared::domain::{CafeSummary, Coordinates, Slug, known_brewing_method};
use shared::http::routes::NEARBY_CAFES;
use shared::http::{
    ApiError, CachePolicy, ListPage, Query, Reply, parse_amenity, parse_flag, parse_instant,
    parse_number_in, serve,
};
use shared::ports::NearbyReader;
use shared::query::{
    MAX_NEARBY_LIMIT, MAX_RADIUS_M, MIN_LIMIT, MIN_RADIUS_M, NearbyFilter, NearbyKey, NearbyLimit,
    NearbyQuery, Radius,
};

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &[
    "lat",
    "lng",
    "radiusM",
    "limit",
    "cursor",
    "openNow",
    "at",
    "brewingMethod",
    "minRating",
    "amenity",
];

/// What the handler needs: the geo index reader and the cursor codec.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
}

/// One result: the café's list view plus distance and opening state.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NearbyItem {
    #[serde(flatten)]
    cafe: CafeSummary,
    /// Metres, rounded to the nearest metre.
    distance_m: u32,
    open_now: bool,
}

/// What a nearby page adds after `items` and `nextCursor`.
#[derive(Serialize)]
struct NearbyExtra {
    /// The instant `openNow` was judged at.
    #[serde(with = "shared::domain::time::rfc3339_millis")]
    at: Timestamp,
}

/// A cursor's position: after this distance and id, judged at this instant (so every page of
/// one search answers `openNow` for the same moment).
#[derive(Serialize, Deserialize)]
struct Position {
    #[serde(flatten)]
    key: NearbyKey,
    #[serde(rename = "t")]
    at: Timestamp,
}

/// Identifies a search for its cursors: everything but the page size and the cursor.
fn scope(q: &NearbyQuery, explicit_at: bool) -> String {
    let f = &q.filter;
    [
        "nearby".to_owned(),
        q.centre.lat().to_bits().to_string(),
        q.centre.lng().to_bits().to_string(),
        q.radius.metres().to_string(),
        f.brewing_method
            .as_ref()
            .map_or("", Slug::as_str)
            .to_owned(),
        f.amenity.map_or("", |a| a.as_str()).to_owned(),
        f.min_rating
            .map_or(String::new(), |r| r.to_bits().to_string()),
        f.open_now.to_string(),
        if explicit_at {
            q.at.to_string()
        } else {
            String::new()
        },
    ]
    .join("|")
}

/// Parses the query; `Ok((query, explicit_at))`.
fn parse(req: &Request, cursors: &CursorCodec) -> Result<(NearbyQuery, bool), ApiError> {
    let mut q = Query::from_request(req, PARAMS);
    let lat = q.require("lat", |v| parse_number_in(v, -90.0, 90.0));
    let lng = q.require("lng", |v| parse_number_in(v, -180.0, 180.0));
    let radius = q
        .take("radiusM", |v| {
            v.parse::<u32>().ok().and_then(Radius::new).ok_or_else(|| {
                format!("must be an integer from {MIN_RADIUS_M} to {MAX_RADIUS_M} (metres)")
            })
        })
        .unwrap_or_default();
    let limit = q
        .take("limit", |v| {
            v.parse::<u32>()
                .ok()
                .and_then(NearbyLimit::new)
                .ok_or_else(|| format!("must be an integer from {MIN_LIMIT} to {MAX_NEARBY_LIMIT}"))
        })
        .unwrap_or_default();
    let open_now = q.take("openNow", parse_flag).unwrap_or(false);
    let at = q.take("at", parse_instant);
    let brewing_method = q.take("brewingMethod", known_brewing_method);
    let min_rating = q.take("minRating", |v| parse_number_in(v, 0.0, 5.0));
    let amenity = q.take("amenity", parse_amenity);
    let cursor = q.take("cursor", |v| Ok::<_, String>(v.to_owned()));
    q.finish()?;

    // Both were checked above; a missing one has already failed `finish`.
    let (Some(lat), Some(lng)) = (lat, lng) else {
        return Err(ApiError::query_param("lat", "is required"));
    };
    let centre = Coordinates::new(lat, lng)
        .map_err(|e| ApiError::query_param("lat", format!("with lng: {e}")))?;
    let explicit_at = at.is_some();
    let mut query = NearbyQuery {
        centre,
        radius,
        filter: NearbyFilter {
            brewing_method,
            amenity,
            min_rating,
            open_now,
        },
        at: at.unwrap_or_else(shared::domain::time::now_millis),
        limit,
        after: None,
    };
    if let Some(cursor) = cursor {
        let position: Position = cursors.decode(&scope(&query, explicit_at), &cursor)?;
        query.at = position.at;
        query.after = Some(position.key);
    }
    Ok((query, explicit_at))
}

/// Handles one request.
pub async fn handle<S: NearbyReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &NEARBY_CAFES, |_info, req| async move {
        let (query, explicit_at) = parse(&req, &deps.cursors)?;
        let page = deps.store.nearby_cafes(&query).await?;
        tracing::info!(
            radius_m = query.radius.metres(),
            queries = page.stats.queries,
            items_read = page.stats.items_read,
            in_radius = page.stats.in_radius,
            returned = page.items.len(),
            "nearby search"
        );
        let scope = scope(&query, explicit_at);
        let cursor = |key: &NearbyKey| {
            deps.cursors.encode(
                &scope,
                &Position {
                    key: key.clone(),
                    at: query.at,
                },
            )
        };
        let keys = page
            .items
            .iter()
            .map(|item| NearbyKey::new(item.distance_m, item.cafe.id.clone()))
            .collect();
        let items = page
            .items
            .into_iter()
            .map(|item| NearbyItem {
                cafe: item.cafe,
                // At most 50 km, so the rounded value fits easily.
                distance_m: item.distance_m.round().clamp(0.0, f64::from(u32::MAX)) as u32,
                open_now: item.open_now,
            })
            .collect();
        // Without an explicit `at`, `openNow` changes with the clock: cache briefly.
        let cache = if explicit_at {
            CachePolicy::CATALOGUE
        } else {
            CachePolicy::LIVE
        };
        Reply::list_with(
            ListPage::new(items, keys, page.next),
            cursor,
            &NearbyExtra { at: query.at },
            cache,
        )
    })
    .await
}
