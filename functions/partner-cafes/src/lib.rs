//! `GET /partner/v1/cafes?updatedSince=&cursor=&limit=`: catalogue sync. The cafés changed at or
//! after `updatedSince` (every café without it), ascending by `(updatedAt, id)`, each as the
//! consumer API's café profile shows it plus `updatedAt`, one page per request with a signed
//! cursor. A partner mirrors the catalogue by paging to the end, then asking again from the
//! last `updatedAt` it saw (docs/partners.md "Catalogue sync"). Behind the partner gate
//! (`shared::http::partner::serve_partner_with`): metered like every partner route. One merged
//! round of index `Query`s per page, one per shard of the sync list (`CAFES#UPDATED#S<k>`, which
//! holds the profiles themselves; docs/capacity.md).

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use shared::cursor::CursorCodec;
use shared::domain::time::now_millis;
use shared::emf::EmfSink;
use shared::http::partner::{PARTNER_CAFES, serve_partner_with};
use shared::http::{CachePolicy, ListPage, Paging, Query, parse_instant};
use shared::ports::{CafeSync, Meter, PartnerStore};
use shared::query::{PageKey, PageLimit};

/// Query parameters this route accepts.
pub const PARAMS: &[&str] = &["updatedSince", "cursor", "limit"];

/// Page size without `limit` (1–100 accepted).
pub const DEFAULT_LIMIT: u32 = 50;

/// What the handler needs: the store (key check, metering, the sync list), the cursor codec,
/// and where the gate's EMF metrics go.
pub struct Deps<S> {
    pub store: S,
    pub cursors: CursorCodec,
    pub metrics: EmfSink,
}

/// The cursor scope: a cursor is only accepted with the `updatedSince` it was made under.
fn scope(since: Timestamp) -> String {
    format!("partner-cafes|{}", since.as_microsecond())
}

/// Handles one request at the current time.
pub async fn handle<S: PartnerStore + Meter + CafeSync>(
    deps: &Deps<S>,
    req: Request,
) -> Response<Body> {
    handle_at(deps, req, now_millis()).await
}

/// Handles one request as if at `now` (tests: billing days and quotas depend on it).
pub async fn handle_at<S: PartnerStore + Meter + CafeSync>(
    deps: &Deps<S>,
    req: Request,
    now: Timestamp,
) -> Response<Body> {
    serve_partner_with(
        &deps.store,
        &deps.metrics,
        req,
        &PARTNER_CAFES,
        now,
        |_caller, _info, req| async move {
            let mut q = Query::from_request(&req, PARAMS);
            let since = q.take("updatedSince", parse_instant);
            let limited = q.has("limit");
            let mut paging = Paging::take(&mut q, &deps.cursors);
            q.finish()?;
            if !limited && let Some(limit) = PageLimit::new(DEFAULT_LIMIT) {
                paging.limit = limit;
            }
            let since = since.unwrap_or(Timestamp::UNIX_EPOCH);
            let scope = scope(since);
            let after: Option<PageKey> = paging.after(&scope)?;
            let page = deps
                .store
                .cafes_changed_since(since, after.as_ref(), paging.limit)
                .await?;
            paging.reply(ListPage::from(page), &scope, CachePolicy::NoStore)
        },
    )
    .await
}
