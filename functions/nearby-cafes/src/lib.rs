//! `GET /cafes/nearby`: cafés within `radiusM` metres of `lat`,`lng`, nearest first, each with
//! its great-circle distance and whether it is open; filters `brewingMethod`, `amenity`,
//! `minRating` and `openNow` (judged at `at`, or now, in each café's own time zone).
//!
//! The nearby-ranking experiment runs here (docs/experiments.md): a caller that sends
//! `X-Device-Id` and is enrolled by the `nearby-ranking` flag sees each page in its variant's
//! order (`distance`, or `blended` with rating and the `taste` methods), learns the variant from
//! the `experiments` field, and its first exposure is stored. Reading flags or storing the
//! exposure never fails the search: flags fall back to the last known document or the defaults,
//! and a failed exposure write is logged and the page answered. Every request of an enrolled
//! unit is also recorded with its variant, handler latency and whether it was a 5xx (the
//! experiment's guardrails, `xtask experiment report`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::cursor::CursorCodec;
use shared::domain::{CafeSummary, Coordinates, Slug, known_brewing_method};
use shared::experiments::events::{EventRecorder, Exposure, ServedRequest};
use shared::experiments::nearby::{NEARBY_RANKING, Ranking, order};
use shared::experiments::{Context, FlagSource, Variant};
use shared::http::routes::NEARBY_CAFES;
use shared::http::{
    ApiError, CachePolicy, ListPage, Query, Reply, device_unit, parse_amenity, parse_flag,
    parse_instant, parse_number_in, serve,
};
use shared::ports::{ExperimentEvents, NearbyReader};
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
    "taste",
];

/// Most brewing methods `taste` may name.
pub const MAX_TASTE: usize = 5;

/// What the handler needs: the geo index reader, the cursor codec, the flag document and where
/// experiment exposures go.
pub struct Deps<S, E> {
    pub store: S,
    pub cursors: CursorCodec,
    pub flags: FlagSource,
    pub events: EventRecorder<E>,
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
    /// The caller's variant of each experiment this response took part in (absent: none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    experiments: BTreeMap<&'static str, &'static str>,
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

/// `taste`: up to [`MAX_TASTE`] known brewing method slugs, comma-separated (the methods the
/// caller likes; only the blended ranking uses them).
fn parse_taste(raw: &str) -> Result<Vec<Slug>, String> {
    let mut out: Vec<Slug> = Vec::new();
    for part in raw.split(',') {
        let slug = known_brewing_method(part)?;
        if !out.contains(&slug) {
            out.push(slug);
        }
    }
    if out.len() > MAX_TASTE {
        return Err(format!("names at most {MAX_TASTE} brewing methods"));
    }
    Ok(out)
}

/// A parsed search: the query, whether `at` was explicit, and the caller's taste.
struct Search {
    query: NearbyQuery,
    explicit_at: bool,
    taste: Vec<Slug>,
}

/// Parses the query.
fn parse(req: &Request, cursors: &CursorCodec) -> Result<Search, ApiError> {
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
    let taste = q.take("taste", parse_taste).unwrap_or_default();
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
    Ok(Search {
        query,
        explicit_at,
        taste,
    })
}

/// Handles one request.
pub async fn handle<S: NearbyReader, E: ExperimentEvents>(
    deps: &Deps<S, E>,
    req: Request,
) -> Response<Body> {
    let started = std::time::Instant::now();
    let request_id = shared::http::request_id(&req);
    // The enrolled unit and its variant, set by the handler for the guardrail record below.
    let enrolled: std::sync::Mutex<Option<(String, &'static str)>> = std::sync::Mutex::new(None);
    let enrolled_ref = &enrolled;
    let response = serve(req, &NEARBY_CAFES, |_info, req| async move {
        let Search {
            query,
            explicit_at,
            taste,
        } = parse(&req, &deps.cursors)?;
        let unit = device_unit(&req)?;
        let assignment = match &unit {
            Some(unit) => {
                let flags = deps.flags.current().await;
                NEARBY_RANKING.assign(&flags, &Context::for_unit(unit.clone()))
            }
            None => None,
        };
        let ranking = assignment.map_or(Ranking::control(), |a| a.variant);
        // Set before the search, so a failed search counts as an error of this variant.
        if let (Some(unit), Some(a)) = (&unit, assignment)
            && let Ok(mut slot) = enrolled_ref.lock()
        {
            *slot = Some((unit.id(), a.variant.name()));
        }
        let mut page = deps.store.nearby_cafes(&query).await?;
        tracing::info!(
            radius_m = query.radius.metres(),
            queries = page.stats.queries,
            items_read = page.stats.items_read,
            in_radius = page.stats.in_radius,
            returned = page.items.len(),
            "nearby search"
        );
        if ranking != Ranking::control() {
            let shown: Vec<(&CafeSummary, f64)> =
                page.items.iter().map(|i| (&i.cafe, i.distance_m)).collect();
            let permutation = order(ranking, &shown, f64::from(query.radius.metres()), &taste);
            let mut slots: Vec<_> = page.items.into_iter().map(Some).collect();
            page.items = permutation
                .into_iter()
                .filter_map(|i| slots.get_mut(i).and_then(Option::take))
                .collect();
        }
        let mut experiments = BTreeMap::new();
        if let (Some(unit), Some(a)) = (&unit, assignment) {
            experiments.insert(NEARBY_RANKING.key, a.variant.name());
            let exposure = Exposure {
                experiment: NEARBY_RANKING.key.to_owned(),
                unit: unit.id(),
                variant: a.variant.name().to_owned(),
                at: shared::domain::time::now_millis(),
            };
            if let Err(e) = deps.events.exposed(&exposure).await {
                tracing::warn!(error = %e, experiment = NEARBY_RANKING.key, "exposure not stored");
            }
        }
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
            .map(|item| NearbyKey::new(item.distance_m, item.cafe.id.clone()).hinted(page.hint))
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
            &NearbyExtra {
                at: query.at,
                experiments,
            },
            cache,
        )
    })
    .await;
    let enrolled = enrolled
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((unit, variant)) = enrolled {
        let served = ServedRequest {
            experiment: NEARBY_RANKING.key.to_owned(),
            unit,
            variant: variant.to_owned(),
            request_id,
            latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
            error: response.status().is_server_error(),
            at: shared::domain::time::now_millis(),
        };
        if let Err(e) = deps.events.served(&served).await {
            tracing::warn!(error = %e, experiment = NEARBY_RANKING.key, "served request not stored");
        }
    }
    response
}
