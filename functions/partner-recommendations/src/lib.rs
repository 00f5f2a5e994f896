//! `GET /partner/v1/users/{partnerUserId}/recommendations?lat=&lng=&radiusM=&limit=`: ranked
//! cafés, roasters and beans for one user who consented to the calling partner, each with a
//! machine-readable reason. Behind the partner gate (`serve_partner_with`: key, limits, metering).
//!
//! Bounded reads: one `GetItem` of the consent (by the partner's pseudonym; none → 404, so a
//! withdrawal is effective on the next call) and one of the user's precomputed recommendations
//! (`shared::reco`, stored by the job), then the location filter in memory.

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::time::now_millis;
use shared::domain::{Coordinates, PartnerUserId};
use shared::emf::EmfSink;
use shared::http::partner::{PARTNER_RECOMMENDATIONS, serve_partner_with};
use shared::http::{ApiError, CachePolicy, Query, Reply, parse_number_in};
use shared::ports::{ConsentStore, Meter, PartnerStore, RecommendationStore};
use shared::reco::{BeanPick, CafePick, RoasterPick};

/// Query parameters.
pub const PARAMS: &[&str] = &["lat", "lng", "radiusM", "limit"];
/// Items per list: default and most.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;
/// The radius around `lat`,`lng`: default, least and most (metres).
pub const DEFAULT_RADIUS_M: u32 = 25_000;
pub const MIN_RADIUS_M: u32 = 500;
pub const MAX_RADIUS_M: u32 = 100_000;

/// What the handler needs: partners and keys (the gate), the meter, consents and the stored
/// recommendations, and where the gate's EMF metrics go.
pub struct Deps<S> {
    pub store: S,
    pub metrics: EmfSink,
}

/// A recommended café as the partner sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CafeItem<'a> {
    #[serde(flatten)]
    pub pick: &'a CafePick,
    /// Metres from `lat`,`lng` (`null` without a location).
    pub distance_m: Option<u64>,
}

/// Response body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer<'a> {
    pub partner_user_id: &'a PartnerUserId,
    /// When the job computed these (`null`: not yet computed; the lists are empty).
    #[serde(with = "shared::domain::time::option_rfc3339_millis")]
    pub computed_at: Option<Timestamp>,
    pub cafes: Vec<CafeItem<'a>>,
    pub roasters: &'a [RoasterPick],
    pub beans: &'a [BeanPick],
}

struct Params {
    at: Option<Coordinates>,
    radius_m: u32,
    limit: usize,
}

fn parse(req: &Request) -> Result<Params, ApiError> {
    let mut q = Query::from_request(req, PARAMS);
    let lat = q.take("lat", |v| parse_number_in(v, -90.0, 90.0));
    let lng = q.take("lng", |v| parse_number_in(v, -180.0, 180.0));
    let radius_m = q
        .take("radiusM", |v| match v.parse::<u32>() {
            Ok(r) if (MIN_RADIUS_M..=MAX_RADIUS_M).contains(&r) => Ok(r),
            _ => Err(format!(
                "must be an integer from {MIN_RADIUS_M} to {MAX_RADIUS_M} (metres)"
            )),
        })
        .unwrap_or(DEFAULT_RADIUS_M);
    let limit = q
        .take("limit", |v| match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!("must be an integer from 1 to {MAX_LIMIT}")),
        })
        .unwrap_or(DEFAULT_LIMIT);
    let lat_sent = q.has("lat");
    let lng_sent = q.has("lng");
    q.finish()?;
    let at = match (lat, lng) {
        (Some(lat), Some(lng)) => Some(
            Coordinates::new(lat, lng)
                .map_err(|e| ApiError::query_param("lat", format!("with lng: {e}")))?,
        ),
        (None, None) if !lat_sent && !lng_sent => None,
        (None, _) => return Err(ApiError::query_param("lat", "is required with lng")),
        (_, None) => return Err(ApiError::query_param("lng", "is required with lat")),
    };
    Ok(Params {
        at,
        radius_m,
        limit,
    })
}

/// Handles one request at the current time.
pub async fn handle<S>(deps: &Deps<S>, req: Request) -> Response<Body>
where
    S: PartnerStore + Meter + ConsentStore + RecommendationStore,
{
    handle_at(deps, req, now_millis()).await
}

/// Handles one request as if at `now`.
pub async fn handle_at<S>(deps: &Deps<S>, req: Request, now: Timestamp) -> Response<Body>
where
    S: PartnerStore + Meter + ConsentStore + RecommendationStore,
{
    serve_partner_with(
        &deps.store,
        &deps.metrics,
        req,
        &PARTNER_RECOMMENDATIONS,
        now,
        |caller, info, req| async move {
            let pseudonym = info.parse_path("partnerUserId", PartnerUserId::parse)?;
            let params = parse(&req)?;
            // No consent (never given, or withdrawn): the user does not exist for this partner.
            let Some(consent) = deps
                .store
                .consent_of(&caller.partner.id, &pseudonym)
                .await?
            else {
                return Err(ApiError::not_found("user", &pseudonym));
            };
            let recs = deps.store.recommendations_of(&consent.user_id).await?;
            let (computed_at, cafes, roasters, beans) = match &recs {
                Some(r) => {
                    let cafes = match params.at {
                        Some(at) => r
                            .near(at, f64::from(params.radius_m), params.limit)
                            .into_iter()
                            .map(|(pick, d)| CafeItem {
                                pick,
                                distance_m: Some(d.round() as u64),
                            })
                            .collect(),
                        None => r
                            .cafes
                            .iter()
                            .take(params.limit)
                            .map(|pick| CafeItem {
                                pick,
                                distance_m: None,
                            })
                            .collect(),
                    };
                    let roasters = &r.roasters[..r.roasters.len().min(params.limit)];
                    let beans = &r.beans[..r.beans.len().min(params.limit)];
                    (Some(r.computed_at), cafes, roasters, beans)
                }
                None => (None, Vec::new(), &[][..], &[][..]),
            };
            tracing::info!(
                cafes = cafes.len(),
                computed = computed_at.is_some(),
                "recommendations served"
            );
            Reply::json(
                &Answer {
                    partner_user_id: &pseudonym,
                    computed_at,
                    cafes,
                    roasters,
                    beans,
                },
                CachePolicy::NoStore,
            )
        },
    )
    .await
}
