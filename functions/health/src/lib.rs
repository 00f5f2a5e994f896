//! `GET /health`: is this region serving? One bounded read of the local replica (the schema
//! marker, [`ReplicaProbe`]), answered with the region, the build's version and the replica's
//! status: `200` when the read answered within [`PROBE_TIMEOUT`], `503` otherwise. Route 53's
//! health checks probe it on each region's API domain (docs/deploy.md, "Routing and failover"),
//! so a region whose table stops answering stops receiving users.

use std::time::{Duration, Instant};

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::http::routes::HEALTH;
use shared::http::{CachePolicy, Query, Reply, serve};
use shared::ports::ReplicaProbe;

/// The build's version (the workspace's).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long the replica read may take. A Route 53 checker wants a 2xx or 3xx within 2 s of
/// connecting, so the function answers before that, either way.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

/// What the handler needs: the table (one read) and what it reports.
pub struct Deps<S> {
    pub store: S,
    /// The region serving (`AWS_REGION`).
    pub region: String,
    pub version: &'static str,
    /// Bound on the replica read ([`PROBE_TIMEOUT`] in Lambda).
    pub probe_timeout: Duration,
}

/// Response body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    pub region: String,
    pub version: &'static str,
    pub replica: Replica,
}

/// The local replica's answer to the probe.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replica {
    /// `ok`, `error` (the read failed) or `timeout` (no answer within the bound).
    pub status: &'static str,
    /// How long the read took (to the bound, on a timeout).
    pub latency_ms: u64,
}

/// Handles one request.
pub async fn handle<S: ReplicaProbe>(deps: &Deps<S>, req: Request) -> Response<Body> {
    serve(req, &HEALTH, |_info, req| async move {
        Query::from_request(&req, &[]).finish()?;
        let started = Instant::now();
        let outcome = tokio::time::timeout(deps.probe_timeout, deps.store.probe()).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let replica = match outcome {
            Ok(Ok(())) => "ok",
            Ok(Err(err)) => {
                tracing::error!(error = %err, source = ?std::error::Error::source(&err), "replica probe failed");
                "error"
            }
            Err(_) => {
                tracing::error!(latency_ms, "replica probe timed out");
                "timeout"
            }
        };
        let healthy = replica == "ok";
        let body = Health {
            status: if healthy { "ok" } else { "unavailable" },
            region: deps.region.clone(),
            version: deps.version,
            replica: Replica {
                status: replica,
                latency_ms,
            },
        };
        let reply = Reply::json(&body, CachePolicy::NoStore)?;
        Ok(if healthy {
            reply
        } else {
            reply.with_status(StatusCode::SERVICE_UNAVAILABLE)
        })
    })
    .await
}
