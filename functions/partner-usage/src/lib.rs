//! `GET /partner/v1/usage?from=&to=`: the calling partner's metered usage, one row per UTC day,
//! key and route (billed requests, and the 4xx and 5xx among them), with totals. Behind the
//! partner gate (`shared::http::partner::serve_partner`); the request itself is settled after
//! this answer, so it is not in it.

use jiff::Timestamp;
use jiff::civil::Date;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::partner::{RollupRow, Tier, UsageRow, utc_day};
use shared::domain::time::now_millis;
use shared::emf::EmfSink;
use shared::http::partner::{PARTNER_USAGE, serve_partner_with};
use shared::http::{ApiError, CachePolicy, InvalidParam, Query, Reply};
use shared::ports::{Meter, PartnerStore};

/// Most days one request may span (one `Query` per calendar month: at most four).
pub const MAX_DAYS: i32 = 92;

/// What the handler needs: the partner store (key check) and the meter (admission, usage),
/// and where the gate's EMF metrics go.
pub struct Deps<S> {
    pub store: S,
    pub metrics: EmfSink,
}

/// Sums of the rows.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub billed: u64,
    pub client_errors: u64,
    pub server_errors: u64,
}

/// Response body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub partner_id: String,
    pub tier: Tier,
    pub from: Date,
    pub to: Date,
    pub totals: Totals,
    pub days: Vec<UsageRow>,
    /// Per UTC day and route: requests, errors and latency percentiles (the daily rollup).
    pub rollup: Vec<RollupRow>,
}

fn parse_day(raw: &str) -> Result<Date, &'static str> {
    match raw.parse::<Date>() {
        Ok(day) if raw.len() == 10 => Ok(day),
        _ => Err("must be a date written YYYY-MM-DD"),
    }
}

/// Handles one request at the current time.
pub async fn handle<S: PartnerStore + Meter>(deps: &Deps<S>, req: Request) -> Response<Body> {
    handle_at(deps, req, now_millis()).await
}

/// Handles one request as if at `now` (tests: billing days and quotas depend on it).
pub async fn handle_at<S: PartnerStore + Meter>(
    deps: &Deps<S>,
    req: Request,
    now: Timestamp,
) -> Response<Body> {
    serve_partner_with(
        &deps.store,
        &deps.metrics,
        req,
        &PARTNER_USAGE,
        now,
        |caller, _info, req| async move {
            let today = utc_day(now);
            let mut q = Query::from_request(&req, &["from", "to"]);
            let from = q.take("from", parse_day);
            let to = q.take("to", parse_day);
            q.finish()?;
            let to = to.unwrap_or(today);
            let from = from.unwrap_or_else(|| to.first_of_month());
            let span = to.since(from).map(|s| s.get_days()).unwrap_or(i32::MAX);
            if from > to {
                return Err(ApiError::InvalidParameters(vec![InvalidParam::query(
                    "from",
                    "must not be after to",
                )]));
            }
            if span >= MAX_DAYS {
                return Err(ApiError::InvalidParameters(vec![InvalidParam::query(
                    "to",
                    format!("must be less than {MAX_DAYS} days after from"),
                )]));
            }
            let days = deps.store.usage(&caller.partner.id, from, to).await?;
            let rollup = deps.store.rollup(&caller.partner.id, from, to).await?;
            let mut totals = Totals::default();
            for row in &days {
                totals.billed += row.billed;
                totals.client_errors += row.client_errors;
                totals.server_errors += row.server_errors;
            }
            Reply::json(
                &Usage {
                    partner_id: caller.partner.id.to_string(),
                    tier: caller.partner.tier,
                    from,
                    to,
                    totals,
                    days,
                    rollup,
                },
                CachePolicy::NoStore,
            )
        },
    )
    .await
}
