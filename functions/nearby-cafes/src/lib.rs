//! `GET /cafes/nearby`: cafés within `radiusM` metres of `lat`,`lng`, nearest first, each with
//! its great-circle distance and whether it is open; filters `brewingMethod`, `amenity`,
//! `minRating` and `openNow` (judged at `at`, or now, in each café's own time zone). The same
//! function serves `GET /me/nearby-cafes`, the signed-in twin: same parameters and page, behind
//! the JWT authorizer, never cached (`no-store`).
//!
//! The nearby-ranking experiment runs here (docs/experiments.md). Its unit is the device
//! (`X-Device-Id`) on `/cafes/nearby` and the caller's public user id on `/me/nearby-cafes`
//! (where `X-Device-Id` is ignored). An enrolled caller sees each page in its variant's order
//! (`distance`, or `blended` with rating and taste), learns the variant from the `experiments`
//! field, and its first exposure is stored. The blended taste is the `taste` parameter or, for a
//! signed-in caller without one, their profile's `tasteMethods`: one profile read, only in the
//! treatment, concurrent with the search. Reading flags or the profile, or storing the exposure,
//! never fails the search: flags fall back to the last known document or the defaults, a failed
//! profile read ranks without taste, and a failed exposure write is logged and the page
//! answered. Every request of an enrolled unit is also recorded with its variant, handler
//! latency and whether it was a 5xx (the experiment's guardrails, `xtask experiment report`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::cursor::CursorCodec;
use shared::domain::{
    CafeSummary, Coordinates, MAX_TASTE_METHODS, PublicUserId, Slug, known_brewing_method,
    taste_methods,
};
use shared::experiments::events::{EventRecorder, Exposure, ServedRequest};
use shared::experiments::nearby::{NEARBY_RANKING, Ranking, order};
use shared::experiments::{Context, FlagSource, Unit, Variant};
use shared::http::routes::{MY_NEARBY_CAFES, NEARBY_CAFES, RouteSpec, match_path};
use shared::http::{
    ApiError, CachePolicy, ListPage, Query, Reply, caller, device_unit, parse_amenity, parse_flag,
    parse_instant, parse_number_in, request_path, serve,
};
use shared::identity::UserKeys;
use shared::ports::{ExperimentEvents, NearbyReader, UserReader};
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
pub const MAX_TASTE: usize = MAX_TASTE_METHODS;

/// What the handler needs: the geo index and profile reader, the cursor codec, the flag
/// document, where experiment exposures go and the user-id hash (for `/me/nearby-cafes`).
pub struct Deps<S, E> {
    pub store: S,
    pub cursors: CursorCodec,
    pub flags: FlagSource,
    pub events: EventRecorder<E>,
    pub users: UserKeys,
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
    taste_methods(raw.split(','))
}

/// A parsed search: the query, whether `at` was explicit, and the `taste` parameter if given.
struct Search {
    query: NearbyQuery,
    explicit_at: bool,
    taste: Option<Vec<Slug>>,
}

/// Which of the function's two routes the request came by: `/me/nearby-cafes` (signed in) or
/// `/cafes/nearby`.
fn route_of(req: &Request) -> &'static RouteSpec {
    if match_path(MY_NEARBY_CAFES.path, &request_path(req)).is_some() {
        &MY_NEARBY_CAFES
    } else {
        &NEARBY_CAFES
    }
}

/// The blended ranking's taste: the `taste` parameter when given, else the signed-in caller's
/// profile taste (one read; a missing profile or a failed read is no taste, never an error).
async fn profile_taste<S: UserReader>(store: &S, user: Option<&PublicUserId>) -> Vec<Slug> {
    let Some(user) = user else {
        return Vec::new();
    };
    match store.get_profile(user).await {
        Ok(profile) => profile.map(|p| p.taste_methods).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "profile not read; ranking without its taste");
            Vec::new()
        }
    }
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
    let taste = q.take("taste", parse_taste);
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

/// Handles one request (either route).
pub async fn handle<S: NearbyReader + UserReader, E: ExperimentEvents>(
    deps: &Deps<S, E>,
    req: Request,
) -> Response<Body> {
    let started = std::time::Instant::now();
    let request_id = shared::http::request_id(&req);
    let route = route_of(&req);
    let signed_in = route.auth;
    // The enrolled unit and its variant, set by the handler for the guardrail record below.
    let enrolled: std::sync::Mutex<Option<(String, &'static str)>> = std::sync::Mutex::new(None);
    let enrolled_ref = &enrolled;
    let response = serve(req, route, |_info, req| async move {
        // Signed in: the public id (401 first, like every /me route), never the device.
        let user = if signed_in {
            Some(caller(&req, &deps.users)?)
        } else {
            None
        };
        let Search {
            query,
            explicit_at,
            taste,
        } = parse(&req, &deps.cursors)?;
        let unit = match &user {
            Some(user) => Some(Unit::User(user.clone())),
            None => device_unit(&req)?,
        };
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
        // The profile's taste is read only when the treatment will use it and no `taste` was
        // given, at the same time as the search (no extra round trip in a row).
        let read_profile = ranking != Ranking::control() && taste.is_none();
        let (page, taste) = tokio::join!(deps.store.nearby_cafes(&query), async {
            match taste {
                Some(taste) => taste,
                None if read_profile => profile_taste(&deps.store, user.as_ref()).await,
                None => Vec::new(),
            }
        });
        let mut page = page?;
        tracing::info!(
            radius_m = query.radius.metres(),
            queries = page.stats.queries,
            items_read = page.stats.items_read,
            in_radius = page.stats.in_radius,
            returned = page.items.len(),
            signed_in,
            profile_read = read_profile && user.is_some(),
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
        // Signed in: personal (variant and taste), so never stored by a browser or CloudFront.
        // Otherwise, without an explicit `at`, `openNow` changes with the clock: cache briefly.
        let cache = if signed_in {
            CachePolicy::NoStore
        } else if explicit_at {
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
