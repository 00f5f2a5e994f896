//! The goose attack: one scenario of three weighted transactions (browse 7, nearby 2, write 1),
//! each one request, all under goose's throttle so the whole run holds one fixed request rate.
//!
//! Which list, filter, id or user an iteration uses comes from a shared counter per scenario, so
//! every run asks the same things in the same proportions (no random numbers to seed).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use goose::config::GooseConfiguration;
use goose::metrics::GooseMetrics;
use goose::prelude::*;
use serde_json::json;

use crate::ledger::{Outcome, Write, WriteKind};
use crate::targets::pick;
use crate::{Options, Plan};

/// Where each scenario's next iteration is in its cycle.
#[derive(Debug, Default)]
pub struct Counters {
    browse: AtomicUsize,
    nearby: AtomicUsize,
    writes: AtomicUsize,
    reviews: AtomicUsize,
    stories: AtomicUsize,
    saves: AtomicUsize,
    retries: AtomicUsize,
}

fn next(counter: &AtomicUsize) -> usize {
    counter.fetch_add(1, Ordering::Relaxed)
}

/// Transaction weights: out of every 10 iterations of a client, 7 browse, 2 nearby, 1 write.
pub const BROWSE_WEIGHT: usize = 7;
pub const NEARBY_WEIGHT: usize = 2;
pub const WRITE_WEIGHT: usize = 1;

const SORTS: [&str; 3] = ["rating", "name", "newest"];
const QUERIES: [&str; 6] = [
    "espresso",
    "pour over",
    "roastery",
    "filter coffee",
    "pastry",
    "single origin",
];
const RADII_M: [u32; 4] = [500, 1_000, 2_000, 5_000];

/// A transaction calling `$body(plan, user)` with the shared plan.
macro_rules! with_plan {
    ($plan:expr, $body:ident) => {{
        let plan = $plan.clone();
        let function: TransactionFunction = Arc::new(move |user| {
            let plan = plan.clone();
            Box::pin(async move { $body(&plan, user).await })
        });
        Transaction::new(function).set_name(stringify!($body))
    }};
}

/// Runs the attack and returns goose's metrics (reports are written to `options.report_dir`).
pub async fn attack(options: &Options, plan: Arc<Plan>) -> anyhow::Result<GooseMetrics> {
    let html = options.report_dir.join("goose-report.html");
    let json = options.report_dir.join("goose-report.json");
    let log = options.report_dir.join("goose.log");
    let mut configuration = GooseConfiguration::default();
    configuration.report_file = vec![
        html.to_string_lossy().into_owned(),
        json.to_string_lossy().into_owned(),
    ];
    let attack = GooseAttack::initialize_with_config(configuration)?
        // One scenario whose transactions are weighted: every client runs browse, nearby and
        // write in the proportions of the mix, so slow writes cannot shrink their share.
        .register_scenario(
            scenario!("mix")
                .register_transaction(with_plan!(plan, browse).set_weight(BROWSE_WEIGHT)?)
                .register_transaction(with_plan!(plan, nearby).set_weight(NEARBY_WEIGHT)?)
                .register_transaction(with_plan!(plan, write).set_weight(WRITE_WEIGHT)?),
        )
        .set_default(GooseDefault::Host, options.host.as_str())?
        .set_default(GooseDefault::Users, options.clients)?
        // Every client starts within the first second; metrics restart once all have.
        .set_default(
            GooseDefault::IncreaseRate,
            options.clients.to_string().as_str(),
        )?
        .set_default(GooseDefault::RunTime, options.duration_secs)?
        .set_default(GooseDefault::ThrottleRequests, options.rate)?
        .set_default(GooseDefault::GooseLog, log.to_string_lossy().as_ref())?
        .set_default(GooseDefault::NoTelnet, true)?
        .set_default(GooseDefault::NoWebSocket, true)?;
    attack.execute().await.context("running the goose attack")
}

/// One read of a list or a detail page (lists and profiles).
async fn browse(plan: &Plan, user: &mut GooseUser) -> TransactionResult {
    let n = next(&plan.counters.browse);
    let t = &plan.targets;
    let round = n / 20;
    let (name, path) = match n % 20 {
        0 => ("/cafes", "/cafes".to_owned()),
        1 => (
            "/cafes?city&sort",
            format!(
                "/cafes?city={}&sort={}",
                pick(&t.cities, round),
                SORTS[round % SORTS.len()]
            ),
        ),
        2 => (
            "/cafes?filters",
            format!(
                "/cafes?country={}&brewingMethod={}&minRating=3.5",
                pick(&t.countries, round),
                pick(&t.brewing_methods, round)
            ),
        ),
        3 => (
            "/cafes?q",
            format!(
                "/cafes?q={}",
                QUERIES[round % QUERIES.len()].replace(' ', "+")
            ),
        ),
        4 => match &t.cafes_page_two {
            Some(cursor) => ("/cafes?cursor", format!("/cafes?limit=20&cursor={cursor}")),
            None => ("/cafes", "/cafes".to_owned()),
        },
        5..=8 => ("/cafes/{id}", format!("/cafes/{}", pick(&t.cafes, n))),
        9 | 10 => (
            "/cafes/{id}/reviews",
            format!("/cafes/{}/reviews", pick(&t.cafes, n)),
        ),
        11 => ("/roasters", "/roasters".to_owned()),
        12 => (
            "/roasters/{id}",
            format!("/roasters/{}", pick(&t.roasters, round)),
        ),
        13 => ("/stories", "/stories".to_owned()),
        14 => (
            "/stories/{id}",
            format!("/stories/{}", pick(&t.stories, round)),
        ),
        15 => ("/users/{id}", format!("/users/{}", pick(&t.people, round))),
        16 => (
            "/users/{id}/reviews",
            format!("/users/{}/reviews", pick(&t.people, round)),
        ),
        17 => ("/cities", "/cities".to_owned()),
        18 => ("/brewing-methods", "/brewing-methods".to_owned()),
        _ => (
            "/artisans/{id}",
            format!("/artisans/{}", pick(&t.artisans, round)),
        ),
    };
    let request = GooseRequest::builder()
        .path(path.as_str())
        .name(name)
        .build();
    user.request(request).await?;
    Ok(())
}

/// A nearby search around a café, a few hundred metres off, with one of four radii.
async fn nearby(plan: &Plan, user: &mut GooseUser) -> TransactionResult {
    let n = next(&plan.counters.nearby);
    let spots = &plan.targets.spots;
    let (lat, lng) = spots
        .get(n % spots.len().max(1))
        .copied()
        .unwrap_or_default();
    // Up to ±0.004° (about ±450 m) off the café, varying with each pass over the list.
    let pass = n / spots.len().max(1);
    let offset = ((pass % 5) as f64 - 2.0) * 0.002;
    let radius = RADII_M[(n / 3) % RADII_M.len()];
    let mut path = format!(
        "/cafes/nearby?lat={:.5}&lng={:.5}&radiusM={radius}",
        lat + offset,
        lng - offset
    );
    if n % 5 == 4 {
        path.push_str("&openNow=true");
    }
    let request = GooseRequest::builder()
        .path(path.as_str())
        .name("/cafes/nearby")
        .build();
    user.request(request).await?;
    Ok(())
}

/// One write by one of the many users: save a café (40 %), review a café (30 %), publish a
/// story (20 %), or retry an acknowledged review or story with its key and body (10 %).
async fn write(plan: &Plan, user: &mut GooseUser) -> TransactionResult {
    let n = next(&plan.counters.writes);
    let users = plan.users.len();
    let cafes = &plan.targets.cafes;
    let planned = match n % 10 {
        0..=3 => {
            let i = next(&plan.counters.saves);
            let who = i % users;
            // Each user walks the café list from its own offset: a new café every time.
            let cafe = pick(cafes, who * 13 + i / users).to_owned();
            Planned {
                kind: WriteKind::SaveCafe,
                who,
                method: GooseMethod::Put,
                path: format!("/me/saved-cafes/{cafe}"),
                name: "/me/saved-cafes/{id}",
                key: None,
                body: None,
                cafe: Some(cafe),
                retry_of: None,
            }
        }
        4..=6 => {
            let i = next(&plan.counters.reviews);
            let who = i % users;
            // One review per user and café: user `who`'s k-th review is of café `who * 7 + k`.
            let cafe = pick(cafes, who * 7 + i / users).to_owned();
            Planned {
                kind: WriteKind::CreateReview,
                who,
                method: GooseMethod::Post,
                path: format!("/cafes/{cafe}/reviews"),
                name: "/cafes/{id}/reviews",
                key: Some(format!("load-review-{i}")),
                body: Some(json!({
                    "rating": 1 + i % 5,
                    "text": format!("Load run review {i}: a steady espresso, a calm bar and a kind barista."),
                })),
                cafe: Some(cafe),
                retry_of: None,
            }
        }
        7 | 8 => {
            let i = next(&plan.counters.stories);
            let who = i % users;
            Planned {
                kind: WriteKind::PublishStory,
                who,
                method: GooseMethod::Post,
                path: "/stories".to_owned(),
                name: "/stories",
                key: Some(format!("load-story-{i}")),
                body: Some(json!({
                    "title": format!("Load run story {i}"),
                    "body": "Notes from a morning of cuppings: two washed Ethiopians and a natural Brazil.",
                    "tags": ["load-test"],
                    "cafeIds": [pick(cafes, i)],
                })),
                cafe: None,
                retry_of: None,
            }
        }
        _ => {
            let i = next(&plan.counters.retries);
            match plan.ledger.acknowledged_create(i) {
                Some(first) => Planned::retry_of(&first),
                // Nothing acknowledged yet: save a café instead.
                None => {
                    let who = i % users;
                    let cafe = pick(cafes, who * 13 + 997).to_owned();
                    Planned {
                        kind: WriteKind::SaveCafe,
                        who,
                        method: GooseMethod::Put,
                        path: format!("/me/saved-cafes/{cafe}"),
                        name: "/me/saved-cafes/{id}",
                        key: None,
                        body: None,
                        cafe: Some(cafe),
                        retry_of: None,
                    }
                }
            }
        }
    };
    planned.send(plan, user).await
}

/// A write about to be sent.
struct Planned {
    kind: WriteKind,
    who: usize,
    method: GooseMethod,
    path: String,
    name: &'static str,
    key: Option<String>,
    body: Option<serde_json::Value>,
    cafe: Option<String>,
    /// For a retry, the id the first attempt was acknowledged with.
    retry_of: Option<String>,
}

impl Planned {
    fn retry_of(first: &Write) -> Self {
        let (path, name) = match (&first.kind, &first.cafe) {
            (WriteKind::CreateReview, Some(cafe)) => (
                format!("/cafes/{cafe}/reviews"),
                "/cafes/{id}/reviews (retry)",
            ),
            _ => ("/stories".to_owned(), "/stories (retry)"),
        };
        Self {
            kind: WriteKind::Retry,
            who: first.user,
            method: GooseMethod::Post,
            path,
            name,
            key: first.key.clone(),
            body: first.body.clone(),
            cafe: first.cafe.clone(),
            retry_of: match &first.outcome {
                Outcome::Acknowledged { id } => Some(id.clone()),
                _ => None,
            },
        }
    }

    async fn send(self, plan: &Plan, user: &mut GooseUser) -> TransactionResult {
        let Some(who) = plan.users.get(self.who) else {
            return Ok(());
        };
        let mut builder = user
            .get_request_builder(&self.method, &self.path)?
            .header("authorization", who.authorization.as_str());
        if let Some(key) = &self.key {
            builder = builder.header("idempotency-key", key.as_str());
        }
        if let Some(body) = &self.body {
            builder = builder.json(body);
        }
        let request = GooseRequest::builder()
            .method(self.method)
            .path(self.path.as_str())
            .name(self.name)
            .set_request_builder(builder)
            .build();
        let goose = user.request(request).await?;
        let mut replayed = false;
        let outcome = match goose.response {
            Err(_) => Outcome::Unknown,
            Ok(response) => {
                let status = response.status().as_u16();
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(|l| l.rsplit('/').next().unwrap_or_default().to_owned());
                replayed = response.headers().contains_key("idempotent-replayed");
                match status {
                    200..=299 => Outcome::Acknowledged {
                        id: location.or_else(|| self.cafe.clone()).unwrap_or_default(),
                    },
                    429 => Outcome::Limited,
                    500..=599 => Outcome::ServerError { status },
                    _ => Outcome::Rejected { status },
                }
            }
        };
        plan.ledger.record(Write {
            kind: self.kind,
            user: self.who,
            cafe: self.cafe,
            key: self.key,
            body: self.body,
            outcome,
            replayed,
            retry_of: self.retry_of,
        });
        Ok(())
    }
}
