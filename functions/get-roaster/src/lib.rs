//! `GET /roasters/{roasterId}`: a roaster with the cafés it supplies.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::{CafeSummary, Roaster, RoasterId};
use shared::http::routes::GET_ROASTER;
use shared::http::{ApiError, CachePolicy, Query, Reply, serve};
use shared::ports::RoasterReader;
use shared::query::PageLimit;

/// Cafés embedded in the profile; the rest are one link away (`allCafesHref`).
pub const EMBEDDED_CAFES: u32 = 50;

/// What the handler needs: a roaster reader.
pub struct Deps<S> {
    pub store: S,
}

/// Response body: the roaster, the first cafés it supplies (by name) and where to find all.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoasterProfile {
    #[serde(flatten)]
    pub roaster: Roaster,
    pub cafes: Vec<CafeSummary>,
    /// True when the roaster supplies more cafés than `cafes` shows.
    pub more_cafes: bool,
    /// The paginated list of every café this roaster supplies.
    pub all_cafes_href: String,
}

/// Handles one request.
pub async fn handle<S: RoasterReader>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &GET_ROASTER, |info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let id = info.parse_path("roasterId", RoasterId::parse)?;
        let roaster = deps
            .store
            .get_roaster(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("roaster", &id))?;
        let limit = PageLimit::new(EMBEDDED_CAFES).unwrap_or_default();
        let cafes = deps.store.roaster_cafes(&id, limit).await?;
        Reply::json(
            &RoasterProfile {
                roaster,
                cafes: cafes.items,
                more_cafes: cafes.next.is_some(),
                all_cafes_href: format!("/cafes?roaster={id}"),
            },
            CachePolicy::CATALOGUE,
        )
    })
    .await
}
