//! `GET /me/experiments`: the signed-in caller's variant in every running experiment they are
//! enrolled in, so a client can match its UI before it calls the routes the experiments change.
//! The unit is the caller's public user id (never the token's `sub`); anonymous callers get 401
//! like every `/me` route (they learn their variant from the responses that carry it, e.g.
//! `GET /cafes/nearby`). Each answered variant counts as the unit's exposure (stored once, as
//! `GET /cafes/nearby` does); reading flags or storing an exposure never fails the request.

use std::collections::BTreeMap;

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::experiments::events::{EventRecorder, Exposure};
use shared::experiments::running::assignments;
use shared::experiments::{Context, FlagSource, Unit};
use shared::http::routes::GET_MY_EXPERIMENTS;
use shared::http::{CachePolicy, Query, Reply, caller, serve};
use shared::identity::UserKeys;
use shared::ports::ExperimentEvents;

/// What the handler needs: the user-id hash, the flag document and where exposures go.
pub struct Deps<E> {
    pub users: UserKeys,
    pub flags: FlagSource,
    pub events: EventRecorder<E>,
}

/// The response body.
#[derive(Serialize)]
struct MyExperiments {
    /// Experiment key to variant name; empty when enrolled in none.
    experiments: BTreeMap<&'static str, &'static str>,
}

/// Handles one request.
pub async fn handle<E: ExperimentEvents>(deps: &Deps<E>, req: Request) -> Response<Body> {
    serve(req, &GET_MY_EXPERIMENTS, |_info, req| async move {
        let user = caller(&req, &deps.users)?;
        Query::from_request(&req, &[]).finish()?;
        let unit = Unit::User(user);
        let flags = deps.flags.current().await;
        let experiments = assignments(&flags, &Context::for_unit(unit.clone()));
        let at = shared::domain::time::now_millis();
        for (experiment, variant) in &experiments {
            let exposure = Exposure {
                experiment: (*experiment).to_owned(),
                unit: unit.id(),
                variant: (*variant).to_owned(),
                at,
            };
            if let Err(e) = deps.events.exposed(&exposure).await {
                tracing::warn!(error = %e, experiment = *experiment, "exposure not stored");
            }
        }
        tracing::info!(enrolled = experiments.len(), "my experiments");
        Reply::json(&MyExperiments { experiments }, CachePolicy::NoStore)
    })
    .await
}
