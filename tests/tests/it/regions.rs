//! Three regions in one test: each an embedded store behind the real review handlers, joined by
//! an asynchronous replicator that behaves like a DynamoDB global table (every item change
//! captured with a timestamp, shipped to the other regions after a random lag, so changes arrive
//! out of order, and applied last-writer-wins per item on that timestamp; a region that is down
//! or cut off keeps its changes until it is back). Clients talk to the nearest region that is up
//! and fail over to the next; a lost response is retried with the same `Idempotency-Key`.
//!
//! Scenarios: concurrent reviews, edits and deletes in all three; a region that dies with
//! unreplicated writes and comes back; a partition that heals; a client whose retry goes through
//! another region. After healing, every region holds the same items, every acknowledged write is
//! there, no review exists twice, cursors issued in one region page on in another, and each
//! region's rating summary equals the histogram of the surviving reviews exactly, in every
//! scenario: a write executed in two regions before either replicated counts once, because each
//! region runs the real stream consumer (`refresh_ratings::handle`) on every author marker change
//! the replicator applies there, and hands back what it counted for a version of its own that
//! another region's version replaced (docs/reviews.md, "Across regions"). Figures (printed with
//! `--nocapture`) are in docs/deploy.md, "Routing and failover".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::cursor::CursorCodec;
use shared::domain::{CafeId, RatingSummary};
use shared::http::WriteGuard;
use shared::ports::{CatalogWriter, ReviewReader};
use shared::store::reviews::ReviewStore;
use shared::store::sqlite::{RawRow, SqliteStore};
use shared::store::{Condition, ItemTable, Write};
use shared::testing::json_body;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const CURSOR_SECRET: &str = "the-same-cursor-secret-in-every-region";

type Key = (String, String);
/// When and where an item version was written: (logical time, region index). Compared as a
/// tuple: the later write wins, the region breaks ties (DynamoDB's rule is also deterministic).
type Stamp = (u64, usize);

/// An item change on its way to one region.
#[derive(Clone, Debug)]
struct Change {
    key: Key,
    row: Option<RawRow>,
    stamp: Stamp,
    deliver_at: u64,
}

struct Region {
    table: SqliteStore,
    up: bool,
    /// The rows as last captured or applied, to find what a request changed.
    snapshot: BTreeMap<Key, RawRow>,
    /// The stamp of each key's current version (deletes included, as tombstones).
    stamps: BTreeMap<Key, Stamp>,
}

/// What the replicator did (the simulation's figures).
#[derive(Debug, Default)]
struct Figures {
    captured: usize,
    applied: usize,
    /// Arrived after a newer version of the same item: dropped by last-writer-wins.
    discarded_older: usize,
    /// Applied although a later change from the same region had already been applied.
    reordered: usize,
    /// The most changes waiting for delivery at once.
    max_in_flight: usize,
    /// Author marker changes the regions' stream consumers saw arrive by replication.
    marker_records: usize,
    /// Stars given back by a region whose marker version another region's replaced.
    released: usize,
    /// Reviews deleted because the winning marker names another review of their author.
    removed_reviews: usize,
}

struct Sim {
    regions: Vec<Region>,
    clock: u64,
    rng: tests::Rng,
    max_lag: u64,
    /// Per destination region.
    in_flight: Vec<Vec<Change>>,
    /// `link[a][b]`: changes flow between regions a and b.
    link: [[bool; 3]; 3],
    last_applied_from: Vec<Vec<u64>>,
    figures: Figures,
}

fn key_of(row: &RawRow) -> Key {
    (row.pk.clone(), row.sk.clone())
}

async fn rows(table: &SqliteStore) -> BTreeMap<Key, RawRow> {
    table
        .export_rows()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (key_of(&r), r))
        .collect()
}

impl Sim {
    /// Three regions holding the same `cafes` (written before the regions diverge).
    async fn new(seed: u64, max_lag: u64, cafes: &[shared::domain::Cafe]) -> Self {
        let mut regions = Vec::new();
        // Written once and replicated, as a global table would: the cafés' items (their
        // last-change stamps included) are the same in every region.
        let origin = SqliteStore::in_memory().unwrap();
        for cafe in cafes {
            origin.put_cafe(cafe).await.unwrap();
        }
        let written = origin.export_rows().await.unwrap();
        for _ in REGIONS {
            let table = SqliteStore::in_memory().unwrap();
            table.import_rows(written.clone()).await.unwrap();
            let snapshot = rows(&table).await;
            let stamps = snapshot.keys().map(|k| (k.clone(), (0, 0))).collect();
            regions.push(Region {
                table,
                up: true,
                snapshot,
                stamps,
            });
        }
        Self {
            regions,
            clock: 1,
            rng: tests::Rng(seed),
            max_lag,
            in_flight: vec![Vec::new(), Vec::new(), Vec::new()],
            link: [[true; 3]; 3],
            last_applied_from: vec![vec![0; 3]; 3],
            figures: Figures::default(),
        }
    }

    /// Records what region `r`'s last request changed, stamped now, and ships it.
    async fn capture(&mut self, r: usize) {
        self.clock += 1;
        let stamp = (self.clock, r);
        let now = rows(&self.regions[r].table).await;
        let before = std::mem::take(&mut self.regions[r].snapshot);
        let mut changes = Vec::new();
        for (key, row) in &now {
            if before.get(key) != Some(row) {
                changes.push((key.clone(), Some(row.clone())));
            }
        }
        for key in before.keys().filter(|k| !now.contains_key(*k)) {
            changes.push((key.clone(), None));
        }
        self.regions[r].snapshot = now;
        for (key, row) in changes {
            self.figures.captured += 1;
            self.regions[r].stamps.insert(key.clone(), stamp);
            for d in (0..REGIONS.len()).filter(|d| *d != r) {
                let lag = 1 + self.rng.next_u64() % self.max_lag.max(1);
                self.in_flight[d].push(Change {
                    key: key.clone(),
                    row: row.clone(),
                    stamp,
                    deliver_at: self.clock + lag,
                });
            }
        }
        let waiting: usize = self.in_flight.iter().map(Vec::len).sum();
        self.figures.max_in_flight = self.figures.max_in_flight.max(waiting);
    }

    fn deliverable(&self, d: usize, change: &Change, until: u64) -> bool {
        let from = change.stamp.1;
        change.deliver_at <= until
            && self.regions[d].up
            && self.regions[from].up
            && self.link[from][d]
    }

    /// Delivers every change due by now (in arrival order, which is not write order).
    async fn tick(&mut self) {
        self.clock += 1;
        self.deliver_until(self.clock).await;
    }

    async fn deliver_until(&mut self, until: u64) {
        for d in 0..REGIONS.len() {
            let queue = std::mem::take(&mut self.in_flight[d]);
            let (mut due, later): (Vec<Change>, Vec<Change>) = queue
                .into_iter()
                .partition(|c| self.deliverable(d, c, until));
            self.in_flight[d] = later;
            due.sort_by_key(|c| (c.deliver_at, c.stamp));
            for change in due {
                self.apply(d, change).await;
            }
        }
    }

    /// Last writer wins: a change older than the version there is dropped.
    async fn apply(&mut self, d: usize, change: Change) {
        let region = &mut self.regions[d];
        let old = region.snapshot.get(&change.key).cloned();
        if region
            .stamps
            .get(&change.key)
            .is_some_and(|s| *s > change.stamp)
        {
            self.figures.discarded_older += 1;
            return;
        }
        let from = change.stamp.1;
        if self.last_applied_from[d][from] > change.stamp.0 {
            self.figures.reordered += 1;
        }
        self.last_applied_from[d][from] = self.last_applied_from[d][from].max(change.stamp.0);
        match &change.row {
            Some(row) => {
                region.table.import_rows(vec![row.clone()]).await.unwrap();
                region.snapshot.insert(change.key.clone(), row.clone());
            }
            None => {
                let delete = Write::Delete {
                    pk: change.key.0.clone(),
                    sk: change.key.1.clone(),
                    condition: Condition::Always,
                };
                region.table.transact(vec![delete]).await.unwrap();
                region.snapshot.remove(&change.key);
            }
        }
        region.stamps.insert(change.key.clone(), change.stamp);
        self.figures.applied += 1;
        self.stream_consumer(d, &change.key, old, change.row).await;
    }

    /// What region `d`'s stream consumer does with the record of a replicated change: the real
    /// handler on a `NEW_AND_OLD_IMAGES` record of an author marker (the only kind that can
    /// need settling; shards refresh café items, which the simulation leaves out). Whatever it
    /// writes is captured and replicated like any other write.
    async fn stream_consumer(
        &mut self,
        d: usize,
        key: &Key,
        old: Option<RawRow>,
        new: Option<RawRow>,
    ) {
        if shared::store::keys::marker_owner(&key.0, &key.1).is_none() {
            return;
        }
        self.figures.marker_records += 1;
        let image = |row: &Option<RawRow>| match row {
            Some(row) => json!({"PK": {"S": key.0}, "SK": {"S": key.1}, "doc": {"S": row.doc}}),
            None => json!({}),
        };
        let record = json!({
            "eventID": format!("sim-{}", self.clock),
            "eventName": "MODIFY",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGIONS[d],
            "eventSourceARN": format!("arn:aws:dynamodb:{}:123456789012:table/craftbean/stream/sim", REGIONS[d]),
            "dynamodb": {
                "ApproximateCreationDateTime": 1_795_428_000 + self.clock,
                "SizeBytes": 200,
                "Keys": {"PK": {"S": key.0}, "SK": {"S": key.1}},
                "OldImage": image(&old),
                "NewImage": image(&new),
                "SequenceNumber": format!("{}", self.clock),
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        });
        let event: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(json!({"Records": [record]})).unwrap();
        let table = self.regions[d].table.clone();
        let deps = refresh_ratings::Deps {
            store: table.clone(),
            markers: ReviewStore::new(table, REGIONS[d]),
        };
        let done = refresh_ratings::handle(&deps, event).await;
        assert!(done.response.batch_item_failures.is_empty());
        self.figures.released += done.released;
        self.figures.removed_reviews += done.removed_reviews;
        if done.released + done.removed_reviews > 0 {
            self.capture(d).await;
        }
    }

    /// Everything up, every link restored, every change delivered.
    async fn heal(&mut self) {
        for region in &mut self.regions {
            region.up = true;
        }
        self.link = [[true; 3]; 3];
        // What the consumers write on delivery is shipped in turn.
        while !self.in_flight.iter().all(Vec::is_empty) {
            self.deliver_until(u64::MAX).await;
        }
    }

    /// Acknowledged writes of region `r` that no other region holds yet: what its loss would
    /// cost now (the RPO window, counted in item changes).
    fn unreplicated_from(&self, r: usize) -> usize {
        self.in_flight
            .iter()
            .flatten()
            .filter(|c| c.stamp.1 == r)
            .map(|c| &c.key)
            .collect::<BTreeSet<_>>()
            .len()
    }

    async fn execute(&mut self, r: usize, request: Request, kind: Op) -> Response<Body> {
        let table = self.regions[r].table.clone();
        let guard = WriteGuard::new(
            table.clone(),
            shared::config::WriteLimits::all_per_hour(1000),
        );
        let reviews = ReviewStore::new(table.clone(), REGIONS[r]);
        let users = shared::testing::user_keys();
        let response = match kind {
            Op::Create(_) => {
                let deps = create_review::Deps {
                    catalog: table,
                    reviews,
                    users,
                    guard,
                };
                create_review::handle(&deps, request).await
            }
            Op::Edit(_) => {
                let deps = update_review::Deps {
                    catalog: table,
                    reviews,
                    users,
                    guard,
                };
                update_review::handle(&deps, request).await
            }
            Op::Delete => {
                let deps = delete_review::Deps {
                    catalog: table,
                    reviews,
                    users,
                    guard,
                };
                delete_review::handle(&deps, request).await
            }
        };
        self.capture(r).await;
        response
    }
}

/// A client's write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Create(i64),
    Edit(i64),
    Delete,
}

fn request(sub: &str, cafe: &CafeId, review: Option<&str>, op: Op, key: &str) -> Request {
    let (fixture, method, path, body) = match op {
        Op::Create(stars) => (
            "create-review",
            "POST",
            format!("/cafes/{cafe}/reviews"),
            json!({ "rating": stars, "text": "A bright washed Kenyan, carefully poured." }),
        ),
        Op::Edit(stars) => (
            "update-review",
            "PUT",
            format!("/reviews/{}", review.unwrap()),
            json!({ "rating": stars, "text": "Went back: the espresso is even better now." }),
        ),
        Op::Delete => (
            "delete-review",
            "DELETE",
            format!("/reviews/{}", review.unwrap()),
            Value::Null,
        ),
    };
    let text =
        std::fs::read_to_string(tests::repo_root().join(format!("events/{fixture}.json"))).unwrap();
    let mut event: Value = serde_json::from_str(&text).unwrap();
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!(sub);
    event["headers"]["idempotency-key"] = json!(key);
    event["pathParameters"] = match review {
        Some(id) => json!({ "reviewId": id }),
        None => json!({ "cafeId": cafe.as_str() }),
    };
    event["body"] = if body.is_null() {
        Value::Null
    } else {
        json!(body.to_string())
    };
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

/// One person: their nearest regions in order, the café they review, what the API last
/// acknowledged, and every write they had executed (region by region).
struct Client {
    sub: String,
    prefs: [usize; 3],
    cafe: CafeId,
    review: Option<String>,
    /// The acknowledged state: the review's stars, or none.
    acked: Option<i64>,
    writes: u32,
}

/// What a write did to the histogram, per region that executed it (not a replay).
#[derive(Default)]
struct Ledger {
    acknowledged: usize,
    /// Writes executed in more than one region (a retry that ran again elsewhere before the
    /// first execution replicated): each still counts once.
    executed_twice: usize,
    failovers: usize,
    retries: usize,
}

fn bucket(stars: i64) -> usize {
    usize::try_from(stars - 1).unwrap()
}

/// Sends `op` for `client` to its nearest region that is up, retrying with the same key (at most
/// 8 attempts, the replicator ticking in between) when the response is lost (`lose_first`) or
/// the answer says to retry; fails over when a region is down. `after_execute` runs after the
/// first execution (a region dying then, before it replicates).
async fn send(
    sim: &mut Sim,
    client: &mut Client,
    op: Op,
    ledger: &mut Ledger,
    lose_first: bool,
    kill_after_first: bool,
) -> bool {
    client.writes += 1;
    let key = format!("{}-w{}", client.sub, client.writes);
    let mut executed_in = BTreeSet::new();
    let mut lose = lose_first;
    let mut lost_at = None;
    for attempt in 0..8 {
        let Some(&r) = client.prefs.iter().find(|r| sim.regions[**r].up) else {
            return false;
        };
        if r != client.prefs[0] {
            ledger.failovers += 1;
        }
        if attempt > 0 {
            ledger.retries += 1;
        }
        let req = request(
            &client.sub,
            &client.cafe,
            client.review.as_deref(),
            op,
            &key,
        );
        let response = sim.execute(r, req, op).await;
        let status = response.status().as_u16();
        let replayed = response.headers().contains_key("idempotent-replayed");
        if (200..300).contains(&status) && !replayed {
            executed_in.insert(r);
        }
        if kill_after_first && attempt == 0 {
            sim.regions[r].up = false;
        }
        if lose {
            lose = false;
            lost_at = Some(r);
            sim.tick().await;
            continue;
        }
        // A retried DELETE whose first attempt went through here answers 404 (deletes are not
        // replayed): in the same region that means it is gone.
        let gone = op == Op::Delete && status == 404 && lost_at == Some(r);
        match if gone { 204 } else { status } {
            200..=299 => {
                if let Op::Create(_) = op {
                    client.review = Some(json_body(&response)["id"].as_str().unwrap().to_owned());
                }
                if executed_in.len() > 1 {
                    ledger.executed_twice += 1;
                }
                client.acked = match op {
                    Op::Create(s) | Op::Edit(s) => Some(s),
                    Op::Delete => None,
                };
                if op == Op::Delete {
                    client.review = None;
                }
                ledger.acknowledged += 1;
                return true;
            }
            // In progress elsewhere (a claim replicated before its result), throttled, or the
            // review not replicated here yet: wait for the replicator and try again.
            404 | 409 | 429 | 503 => sim.tick().await,
            other => panic!("{op:?} answered {other}: {}", json_body(&response)),
        }
    }
    false
}

fn clients(cafes: &[CafeId], n: usize) -> Vec<Client> {
    (0..n)
        .map(|i| {
            let home = i % 3;
            Client {
                sub: format!("person-{i}"),
                prefs: [home, (home + 1) % 3, (home + 2) % 3],
                cafe: cafes[i % cafes.len()].clone(),
                review: None,
                acked: None,
                writes: 0,
            }
        })
        .collect()
}

fn demo_cafes(n: usize) -> Vec<shared::domain::Cafe> {
    shared::demo::catalog()
        .unwrap()
        .cafes
        .into_iter()
        .take(n)
        .collect()
}

/// Every review of `cafe` in region `r`, paged through the list-reviews handler, each page
/// asked of the next region (a cursor issued by one region must work in the others).
async fn reviews_paged_across_regions(sim: &Sim, cafe: &CafeId, start: usize) -> Vec<Value> {
    let cursors = CursorCodec::new(CURSOR_SECRET.as_bytes()).unwrap();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut r = start;
    loop {
        let deps = list_reviews::Deps {
            catalog: sim.regions[r].table.clone(),
            cursors: cursors.clone(),
        };
        let text =
            std::fs::read_to_string(tests::repo_root().join("events/list-reviews.json")).unwrap();
        let mut event: Value = serde_json::from_str(&text).unwrap();
        let path = format!("/cafes/{cafe}/reviews");
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
        event["pathParameters"] = json!({ "cafeId": cafe.as_str() });
        let mut query = json!({ "limit": "2" });
        if let Some(c) = &cursor {
            query["cursor"] = json!(c);
        }
        event["rawQueryString"] = json!(match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".to_owned(),
        });
        event["queryStringParameters"] = query;
        let response = list_reviews::handle(
            &deps,
            lambda_http::request::from_str(&event.to_string()).unwrap(),
        )
        .await;
        assert_eq!(response.status(), 200, "{}", json_body(&response));
        let body = json_body(&response);
        out.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
        r = (r + 1) % REGIONS.len();
    }
}

/// The checks every scenario ends with, after healing: the same items in every region; in each,
/// exactly the acknowledged reviews (one per person and café, paged with cursors issued by the
/// other regions), and a rating summary exactly equal to their histogram.
async fn assert_converged(sim: &Sim, clients: &[Client], cafes: &[CafeId]) {
    let first = rows(&sim.regions[0].table).await;
    for region in &sim.regions[1..] {
        assert!(
            rows(&region.table).await == first,
            "regions hold different items"
        );
    }
    for (r, region) in sim.regions.iter().enumerate() {
        for cafe in cafes {
            let listed = reviews_paged_across_regions(sim, cafe, r).await;
            let mut authors = BTreeSet::new();
            let mut histogram = [0u32; 5];
            for review in &listed {
                assert!(
                    authors.insert(review["author"]["id"].as_str().unwrap().to_owned()),
                    "one review per person and café"
                );
                histogram[bucket(review["rating"].as_i64().unwrap())] += 1;
            }
            let mut expected = [0u32; 5];
            for client in clients.iter().filter(|c| &c.cafe == cafe) {
                if let Some(stars) = client.acked {
                    expected[bucket(stars)] += 1;
                }
                let found = listed
                    .iter()
                    .find(|v| Some(v["id"].as_str().unwrap()) == client.review.as_deref());
                assert_eq!(
                    found.map(|v| v["rating"].as_i64().unwrap()),
                    client.acked,
                    "{}'s acknowledged review in {}",
                    client.sub,
                    REGIONS[r]
                );
            }
            assert_eq!(histogram, expected, "{}: the reviews of {cafe}", REGIONS[r]);
            assert_eq!(
                region.table.rating_summary(cafe).await.unwrap(),
                RatingSummary::from_histogram(histogram),
                "{}: the rating of {cafe} counts each surviving review once",
                REGIONS[r]
            );
        }
    }
}

fn print_figures(scenario: &str, sim: &Sim, ledger: &Ledger, extra: &str) {
    println!(
        "{scenario}: {} acknowledged writes ({} retries, {} failovers); {} item changes captured, \
         {} applied, {} reordered, {} older versions dropped by last-writer-wins, at most {} in \
         flight; {} writes executed in two regions; {} replicated marker changes, {} stars given \
         back, {} losing reviews removed; {extra}",
        ledger.acknowledged,
        ledger.retries,
        ledger.failovers,
        sim.figures.captured,
        sim.figures.applied,
        sim.figures.reordered,
        sim.figures.discarded_older,
        sim.figures.max_in_flight,
        ledger.executed_twice,
        sim.figures.marker_records,
        sim.figures.released,
        sim.figures.removed_reviews,
    );
}

/// Every client's write in turn (so all three regions write while earlier writes are still in
/// flight), `tick`ing the replicator between rounds.
async fn round(
    sim: &mut Sim,
    clients: &mut [Client],
    ledger: &mut Ledger,
    pick: impl Fn(usize, &Client) -> Option<Op>,
) {
    for (i, client) in clients.iter_mut().enumerate() {
        let Some(op) = pick(i, client) else {
            continue;
        };
        let lose = sim.rng.next_u64().is_multiple_of(4);
        let acked = send(sim, client, op, ledger, lose, false).await;
        assert!(acked, "{} {op:?} was never acknowledged", client.sub);
    }
    sim.tick().await;
}

fn stars(i: usize, salt: usize) -> i64 {
    i64::try_from((i * 7 + salt) % 5 + 1).unwrap()
}

#[tokio::test]
async fn concurrent_reviews_edits_and_deletes_in_three_regions_converge() {
    let cafes = demo_cafes(3);
    let ids: Vec<CafeId> = cafes.iter().map(|c| c.id.clone()).collect();
    let mut sim = Sim::new(7, 6, &cafes).await;
    let mut clients = clients(&ids, 36);
    let mut ledger = Ledger::default();

    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        Some(Op::Create(stars(i, 0)))
    })
    .await;
    // The edits and deletes go to the region that holds the review (each person's nearest).
    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        (i % 3 == 0).then(|| Op::Edit(stars(i, 3)))
    })
    .await;
    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        (i % 5 == 0).then_some(Op::Delete)
    })
    .await;
    round(&mut sim, &mut clients, &mut ledger, |i, c| {
        (i % 10 == 0 && c.acked.is_none()).then(|| Op::Create(stars(i, 1)))
    })
    .await;
    sim.heal().await;

    assert_eq!(ledger.executed_twice, 0, "no write ran in two regions");
    assert!(
        sim.figures.reordered > 0,
        "the replicator reordered changes"
    );
    assert_converged(&sim, &clients, &ids).await;
    print_figures("concurrent", &sim, &ledger, "");
}

#[tokio::test]
async fn a_region_that_dies_with_unreplicated_writes_loses_nothing_once_back() {
    let cafes = demo_cafes(2);
    let ids: Vec<CafeId> = cafes.iter().map(|c| c.id.clone()).collect();
    // Slow replication: the dying region's last writes are still in flight.
    let mut sim = Sim::new(11, 40, &cafes).await;
    let mut clients = clients(&ids, 24);
    let mut ledger = Ledger::default();

    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        Some(Op::Create(stars(i, 2)))
    })
    .await;
    let unreplicated = sim.unreplicated_from(0);
    sim.regions[0].up = false;
    // While us-east-1 is away, what it acknowledged is missing from the others.
    let mut missing = 0;
    for client in clients.iter().filter(|c| c.prefs[0] == 0) {
        let id = shared::domain::ReviewId::parse(client.review.as_deref().unwrap()).unwrap();
        if sim.regions[1]
            .table
            .get_review(&id)
            .await
            .unwrap()
            .is_none()
        {
            missing += 1;
        }
    }
    assert!(
        missing > 0,
        "the outage hides acknowledged reviews until the region is back"
    );
    // Everyone carries on through the next region; people whose review is in the dead region
    // cannot edit it yet (404 until it replicates): those edits are not acknowledged.
    let mut refused = 0;
    for (i, client) in clients.iter_mut().enumerate().filter(|(i, _)| i % 2 == 0) {
        if !send(
            &mut sim,
            client,
            Op::Edit(stars(i, 4)),
            &mut ledger,
            false,
            false,
        )
        .await
        {
            refused += 1;
        }
    }
    sim.heal().await;

    assert_eq!(ledger.executed_twice, 0);
    assert!(ledger.failovers > 0 || refused > 0);
    assert_converged(&sim, &clients, &ids).await;
    print_figures(
        "region outage",
        &sim,
        &ledger,
        &format!(
            "{unreplicated} item changes of us-east-1 unreplicated when it died, {missing} acknowledged reviews invisible elsewhere during the outage, {refused} edits refused meanwhile"
        ),
    );
}

#[tokio::test]
async fn a_partition_heals_into_one_history() {
    let cafes = demo_cafes(2);
    let ids: Vec<CafeId> = cafes.iter().map(|c| c.id.clone()).collect();
    let mut sim = Sim::new(23, 4, &cafes).await;
    let mut clients = clients(&ids, 30);
    let mut ledger = Ledger::default();

    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        Some(Op::Create(stars(i, 0)))
    })
    .await;
    // us-east-1 is cut off from the other two; both sides keep writing.
    sim.link[0][1] = false;
    sim.link[1][0] = false;
    sim.link[0][2] = false;
    sim.link[2][0] = false;
    for _ in 0..5 {
        sim.tick().await;
    }
    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        (i % 2 == 0).then(|| Op::Edit(stars(i, 1)))
    })
    .await;
    round(&mut sim, &mut clients, &mut ledger, |i, _| {
        (i % 7 == 0).then_some(Op::Delete)
    })
    .await;
    let held = sim.in_flight.iter().map(Vec::len).sum::<usize>();
    sim.heal().await;

    assert_eq!(ledger.executed_twice, 0);
    assert_converged(&sim, &clients, &ids).await;
    print_figures(
        "partition",
        &sim,
        &ledger,
        &format!("{held} changes held by the partition"),
    );
}

#[tokio::test]
async fn a_retry_through_another_region_names_the_same_review() {
    let cafes = demo_cafes(2);
    let ids: Vec<CafeId> = cafes.iter().map(|c| c.id.clone()).collect();
    let mut sim = Sim::new(5, 30, &cafes).await;
    let mut clients = clients(&ids, 12);
    let mut ledger = Ledger::default();

    // Six people: their create commits in us-east-1, the response is lost and the region dies
    // before replicating it; the client retries with the same key in eu-west-1, which runs it
    // again under the same derived id. The region comes back after each.
    for client in clients.iter_mut().filter(|c| c.prefs[0] == 0) {
        let op = Op::Create(if client.sub.ends_with('0') { 5 } else { 3 });
        assert!(send(&mut sim, client, op, &mut ledger, true, true).await);
        sim.regions[0].up = true;
    }
    // The others retry after their first region's write has replicated: the retry is a replay.
    for client in clients.iter_mut().filter(|c| c.prefs[0] != 0) {
        sim.max_lag = 1;
        assert!(send(&mut sim, client, Op::Create(4), &mut ledger, true, false).await);
    }
    sim.heal().await;

    let twice = ledger.executed_twice;
    assert_eq!(
        twice, 4,
        "each retry that ran in a second region before replication"
    );
    // One review per person, under the id both regions derived: no duplicate resource; and each
    // counted once: the region whose marker version lost gave its star back.
    assert_eq!(sim.figures.released, twice);
    assert_eq!(
        sim.figures.removed_reviews, 0,
        "both executions named the same review"
    );
    assert_converged(&sim, &clients, &ids).await;
    print_figures(
        "retry through another region",
        &sim,
        &ledger,
        &format!("{twice} creates executed in two regions (one review each, counted once)"),
    );
}

/// The documented rule for one person's two *different* reviews of a café, written in two
/// regions within the replication window (two devices, two keys): the last writer of the author
/// marker keeps its review; the other region's consumer sees its marker version lose, gives its
/// star back and deletes its review, so every region ends with one review, counted once, and a
/// marker naming it.
#[tokio::test]
async fn two_devices_reviewing_in_two_regions_at_once_keep_the_last_writers_review_counted_once() {
    let cafes = demo_cafes(1);
    let ids: Vec<CafeId> = cafes.iter().map(|c| c.id.clone()).collect();
    let mut sim = Sim::new(3, 30, &cafes).await;
    let mut ledger = Ledger::default();
    let device = |prefs: [usize; 3], tag: &str| Client {
        sub: "two-devices".to_owned(),
        prefs,
        cafe: ids[0].clone(),
        review: None,
        acked: None,
        writes: if tag == "phone" { 0 } else { 100 },
    };
    let mut phone = device([0, 1, 2], "phone");
    let mut laptop = device([1, 0, 2], "laptop");
    assert!(
        send(
            &mut sim,
            &mut phone,
            Op::Create(2),
            &mut ledger,
            false,
            false
        )
        .await
    );
    assert!(
        send(
            &mut sim,
            &mut laptop,
            Op::Create(5),
            &mut ledger,
            false,
            false
        )
        .await
    );
    assert_ne!(phone.review, laptop.review, "two keys, two ids");
    sim.heal().await;

    assert_eq!((sim.figures.released, sim.figures.removed_reviews), (1, 1));
    let author = shared::testing::public_id("two-devices");
    let marker = (
        shared::store::keys::ratings_pk(&ids[0]),
        shared::store::keys::reviewer_sk(&author),
    );
    let first = rows(&sim.regions[0].table).await;
    for (r, region) in sim.regions.iter().enumerate() {
        assert!(
            rows(&region.table).await == first,
            "regions hold different items"
        );
        let listed = reviews_paged_across_regions(&sim, &ids[0], r).await;
        let found: Vec<&str> = listed.iter().map(|v| v["id"].as_str().unwrap()).collect();
        assert_eq!(
            found,
            [laptop.review.as_deref().unwrap()],
            "{}: the later writer's review survives, alone",
            REGIONS[r]
        );
        let summary = region.table.rating_summary(&ids[0]).await.unwrap();
        assert_eq!(summary.histogram, [0, 0, 0, 0, 1], "counted once");
        let named = region
            .table
            .get_item(&marker.0, &marker.1)
            .await
            .unwrap()
            .and_then(|i| i.doc)
            .and_then(|doc| shared::ports::ReviewMarker::parse(&doc))
            .unwrap();
        assert_eq!(
            Some(named.review_id.as_str()),
            laptop.review.as_deref(),
            "{}: the marker names the later write's review",
            REGIONS[r]
        );
        assert_eq!(named.region.as_deref(), Some(REGIONS[1]));
    }
}
