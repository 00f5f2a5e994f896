//! `xtask bench-nearby`: the nearby-search benchmark.
//!
//! Builds 100,000 cafés clustered around 26 real cities (normally distributed around each
//! centre, denser in the biggest coffee cities), writes them through the normal catalogue write
//! path into a file-backed embedded store, then reports:
//!
//! - p50/p99 latency of a 2 km search (limit 20) on the embedded store, from centres drawn where
//!   cafés are (users search where cafés are), beside a brute-force haversine scan over all
//!   cafés held in memory;
//! - for the DynamoDB layout (the same keys and the same range reads), Queries per search,
//!   Query requests once DynamoDB's 1 MB page limit is counted, items read and the ratio of items
//!   read to cafés inside the radius, for 1, 2, 5 and 50 km at each city's centre.
//!
//! Run it with `make bench-nearby` (a release build). Figures are written down in
//! docs/nearby.md.

use std::time::{Duration, Instant};

use anyhow::Context;
use shared::domain::{
    Amenity, Cafe, CafeId, Coordinates, LocalTime, OpeningHours, OpeningPeriod, RatingSummary,
    Slug, TimeZoneName, Weekday,
};
use shared::geo;
use shared::ports::{CatalogBatch, CatalogWriter, NearbyReader, StoreError};
use shared::query::{NearbyFilter, NearbyLimit, NearbyQuery, PageKey, Radius};
use shared::store::sqlite::SqliteStore;
use shared::store::{
    Item, ItemTable, RangeRead, SortIndex, StoredDoc, StoredItem, TransactError, Write,
};

/// Cafés in the benchmark world unless `--cafes N` says otherwise.
const CAFES: usize = 100_000;
/// Searches per radius in the cost-per-page table.
const COST_SEARCHES: usize = 500;
const WARM_UP: usize = 200;
const SEARCHES: usize = 2_000;
/// The fixed overhead the page-cost property test allows beyond 5 × `limit` entries.
const PAGE_OVERHEAD_ITEMS: usize = 60;
/// DynamoDB returns at most 1 MB per Query page.
const QUERY_PAGE_BYTES: usize = 1 << 20;

/// A city: name, centre, time zone, spread (σ, km) and relative weight.
struct City(&'static str, f64, f64, &'static str, f64, u32);

const CITIES: &[City] = &[
    City("London", 51.5074, -0.1278, "Europe/London", 6.0, 3),
    City("Tokyo", 35.6762, 139.6503, "Asia/Tokyo", 7.0, 3),
    City("New York", 40.7128, -74.0060, "America/New_York", 6.0, 3),
    City("Seoul", 37.5665, 126.9780, "Asia/Seoul", 6.0, 2),
    City(
        "Melbourne",
        -37.8136,
        144.9631,
        "Australia/Melbourne",
        5.0,
        2,
    ),
    City("Paris", 48.8566, 2.3522, "Europe/Paris", 4.0, 2),
    City("Berlin", 52.5200, 13.4050, "Europe/Berlin", 5.0, 2),
    City("São Paulo", -23.5505, -46.6333, "America/Sao_Paulo", 7.0, 2),
    City(
        "San Francisco",
        37.7749,
        -122.4194,
        "America/Los_Angeles",
        4.0,
        1,
    ),
    City("Seattle", 47.6062, -122.3321, "America/Los_Angeles", 5.0, 1),
    City("Toronto", 43.6532, -79.3832, "America/Toronto", 6.0, 1),
    City(
        "Mexico City",
        19.4326,
        -99.1332,
        "America/Mexico_City",
        6.0,
        1,
    ),
    City("Bogotá", 4.7110, -74.0721, "America/Bogota", 5.0, 1),
    City(
        "Buenos Aires",
        -34.6037,
        -58.3816,
        "America/Argentina/Buenos_Aires",
        6.0,
        1,
    ),
    City("Amsterdam", 52.3676, 4.9041, "Europe/Amsterdam", 3.0, 1),
    City("Oslo", 59.9139, 10.7522, "Europe/Oslo", 4.0, 1),
    City("Reykjavík", 64.1466, -21.9426, "Atlantic/Reykjavik", 3.0, 1),
    City("Lisbon", 38.7223, -9.1393, "Europe/Lisbon", 4.0, 1),
    City("Istanbul", 41.0082, 28.9784, "Europe/Istanbul", 7.0, 1),
    City("Taipei", 25.0330, 121.5654, "Asia/Taipei", 5.0, 1),
    City("Singapore", 1.3521, 103.8198, "Asia/Singapore", 5.0, 1),
    City("Sydney", -33.8688, 151.2093, "Australia/Sydney", 6.0, 1),
    City("Auckland", -36.8485, 174.7633, "Pacific/Auckland", 5.0, 1),
    City(
        "Cape Town",
        -33.9249,
        18.4241,
        "Africa/Johannesburg",
        5.0,
        1,
    ),
    City("Addis Ababa", 9.0301, 38.7401, "Africa/Addis_Ababa", 4.0, 1),
    City("Nairobi", -1.2921, 36.8219, "Africa/Nairobi", 5.0, 1),
];

/// splitmix64, so every run builds the same world.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal deviate (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(f64::MIN_POSITIVE);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A point `north_km`, `east_km` from `(lat, lng)` (flat-earth offset; fine for a city).
fn offset(lat: f64, lng: f64, north_km: f64, east_km: f64) -> (f64, f64) {
    let dlat = north_km / 111.195;
    let dlng = east_km / (111.195 * lat.to_radians().cos());
    (
        (lat + dlat).clamp(-90.0, 90.0),
        (lng + dlng + 540.0).rem_euclid(360.0) - 180.0,
    )
}

fn lean_template() -> anyhow::Result<Cafe> {
    let catalog = shared::demo::catalog().context("building the demo catalogue")?;
    let mut cafe = catalog
        .cafes
        .into_iter()
        .next()
        .context("demo catalogue has no cafés")?;
    cafe.techniques.clear();
    cafe.artisans.clear();
    cafe.beans.truncate(1);
    cafe.origins = "Opened by two baristas.".to_owned();
    cafe.philosophy = "Light roasts, clear water.".to_owned();
    Ok(cafe)
}

fn world(total: usize) -> anyhow::Result<Vec<Cafe>> {
    let template = lean_template()?;
    let methods = [
        "v60",
        "espresso",
        "aeropress",
        "chemex",
        "kalita-wave",
        "siphon",
    ];
    let histograms = [[0; 5], [0, 0, 1, 2, 1], [0, 0, 0, 3, 4], [0, 0, 0, 1, 6]];
    let total_weight: u32 = CITIES.iter().map(|c| c.5).sum();
    let mut rng = Rng(2026);
    let mut cafes = Vec::with_capacity(total);
    for (ci, city) in CITIES.iter().enumerate() {
        let share = if ci + 1 == CITIES.len() {
            total - cafes.len()
        } else {
            total * city.5 as usize / total_weight as usize
        };
        let tz = TimeZoneName::parse(city.3)?;
        for _ in 0..share {
            let n = cafes.len();
            let (north, east) = (rng.normal() * city.4, rng.normal() * city.4);
            let (lat, lng) = offset(
                city.1,
                city.2,
                north.clamp(-25.0, 25.0),
                east.clamp(-25.0, 25.0),
            );
            let mut cafe = template.clone();
            cafe.id = CafeId::from_entropy(1_000_000 + n as u128);
            cafe.name = format!("{} bench café {n}", city.0);
            cafe.location.city = city.0.to_owned();
            cafe.location.coordinates = Coordinates::new(lat, lng)?;
            cafe.brewing_methods = vec![Slug::parse(methods[(rng.next() % 6) as usize])?];
            cafe.amenities = vec![Amenity::ALL[(rng.next() % Amenity::ALL.len() as u64) as usize]];
            cafe.rating = RatingSummary::from_histogram(histograms[(rng.next() % 4) as usize]);
            let opens = LocalTime::hm(6 + (rng.next() % 4) as u16, 0)?;
            let closes = LocalTime::hm(15 + (rng.next() % 9) as u16, 30)?;
            cafe.hours = OpeningHours {
                time_zone: tz.clone(),
                periods: Weekday::ALL
                    .into_iter()
                    .map(|day| OpeningPeriod { day, opens, closes })
                    .collect(),
            };
            cafes.push(cafe);
        }
    }
    Ok(cafes)
}

/// Counts what nearby search asks of the store, as DynamoDB would bill it.
struct Counting<S> {
    inner: S,
    reads: std::sync::Mutex<Vec<(usize, usize)>>,
}

/// DynamoDB's item size: attribute names plus values.
fn dynamodb_size(doc: &StoredDoc, lpk: &str) -> usize {
    let attr = |name: &str, value: &str| name.len() + value.len();
    attr("PK", &doc.key.pk)
        + attr("SK", &doc.key.sk)
        + attr("LPK", lpk)
        + attr("SG", &doc.key.sort)
        + attr("doc", &doc.doc)
}

impl<S: ItemTable> ItemTable for Counting<S> {
    async fn get_doc(&self, pk: &str, sk: &str) -> Result<Option<String>, StoreError> {
        self.inner.get_doc(pk, sk).await
    }
    async fn query_index(
        &self,
        index: SortIndex,
        lpk: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        self.inner.query_index(index, lpk, after, limit).await
    }
    async fn query_range(
        &self,
        index: SortIndex,
        lpk: &str,
        from: &str,
        to: &str,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<Vec<StoredDoc>, StoreError> {
        let docs = self
            .inner
            .query_range(index, lpk, from, to, after, limit)
            .await?;
        let bytes = docs.iter().map(|d| dynamodb_size(d, lpk)).sum();
        if let Ok(mut reads) = self.reads.lock() {
            reads.push((docs.len(), bytes));
        }
        Ok(docs)
    }
    async fn query_ranges(&self, reads: Vec<RangeRead>) -> Result<Vec<Vec<StoredDoc>>, StoreError> {
        let lpks: Vec<String> = reads.iter().map(|r| r.lpk.clone()).collect();
        let batches = self.inner.query_ranges(reads).await?;
        if let Ok(mut counted) = self.reads.lock() {
            for (docs, lpk) in batches.iter().zip(&lpks) {
                let bytes = docs.iter().map(|d| dynamodb_size(d, lpk)).sum();
                counted.push((docs.len(), bytes));
            }
        }
        Ok(batches)
    }
    async fn get_docs(
        &self,
        keys: Vec<(String, String)>,
    ) -> Result<Vec<Option<String>>, StoreError> {
        self.inner.get_docs(keys).await
    }
    async fn replace_partition(&self, pk: &str, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.replace_partition(pk, items).await
    }
    async fn put_items(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.put_items(items).await
    }
    async fn get_item(&self, pk: &str, sk: &str) -> Result<Option<StoredItem>, StoreError> {
        self.inner.get_item(pk, sk).await
    }
    async fn query_prefix(&self, pk: &str, sk_prefix: &str) -> Result<Vec<StoredItem>, StoreError> {
        self.inner.query_prefix(pk, sk_prefix).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TransactError> {
        self.inner.transact(writes).await
    }
}

fn query(lat: f64, lng: f64, radius_m: u32, limit: u32) -> anyhow::Result<NearbyQuery> {
    Ok(NearbyQuery {
        centre: Coordinates::new(lat, lng)?,
        radius: Radius::new(radius_m).context("radius")?,
        filter: NearbyFilter::default(),
        at: jiff::Timestamp::now(),
        limit: NearbyLimit::new(limit).context("limit")?,
        after: None,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The baseline: every café's distance, keep those inside, sort, take the page.
fn brute_force(points: &[(f64, f64, u32)], lat: f64, lng: f64, radius: f64, limit: usize) -> usize {
    let mut hits: Vec<(f64, u32)> = points
        .iter()
        .filter_map(|&(a, o, i)| {
            let d = geo::haversine_m(lat, lng, a, o);
            (d <= radius).then_some((d, i))
        })
        .collect();
    hits.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    hits.truncate(limit);
    hits.len()
}

/// Runs the benchmark and prints the report. `--cafes N` sets the world's size (default
/// 100,000; the 1,000,000 run takes several minutes to write).
pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let mut total = CAFES;
    let mut kept: Option<std::path::PathBuf> = None;
    let mut rest = args;
    while let [flag, value, tail @ ..] = rest {
        match flag.as_str() {
            "--cafes" => total = value.parse().context("--cafes takes a number")?,
            "--db" => kept = Some(value.into()),
            _ => anyhow::bail!("usage: xtask bench-nearby [--cafes N] [--db DIR]"),
        }
        rest = tail;
    }
    anyhow::ensure!(
        rest.is_empty(),
        "usage: xtask bench-nearby [--cafes N] [--db DIR]"
    );
    anyhow::ensure!(
        total >= CITIES.len(),
        "--cafes must be at least {}",
        CITIES.len()
    );
    let started = Instant::now();
    let cafes = world(total)?;
    println!(
        "built {} cafés around {} cities in {:.1} s",
        cafes.len(),
        CITIES.len(),
        started.elapsed().as_secs_f64()
    );
    // `--db DIR` keeps the store (and reuses it when it already holds this world: writing
    // 1,000,000 cafés takes about ten minutes); otherwise a temporary directory is removed at
    // the end.
    let dir = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("craftbean-bench-nearby-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.sqlite3");
    let marker = dir.join("world");
    let written = std::fs::read_to_string(&marker).is_ok_and(|w| w.trim() == total.to_string());
    let store = Counting {
        inner: SqliteStore::open(&path)?,
        reads: std::sync::Mutex::new(Vec::new()),
    };
    let loading = Instant::now();
    let to_write: &[Cafe] = if written {
        println!(
            "reusing the {total} cafés already written to {}",
            path.display()
        );
        &[]
    } else {
        std::fs::remove_file(&marker).ok();
        &cafes
    };
    for chunk in to_write.chunks(10_000) {
        if loading.elapsed().as_secs() >= 5 && cafes.len() > CAFES {
            eprint!(".");
        }
        store
            .import(&CatalogBatch {
                cafes: chunk,
                ..CatalogBatch::default()
            })
            .await?;
    }
    if !written {
        std::fs::write(&marker, total.to_string())?;
        println!(
            "wrote them through the catalogue write path into {} in {:.1} s ({:.0} MB)",
            path.display(),
            loading.elapsed().as_secs_f64(),
            std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
        );
    }

    // Centres where cafés are: a random café's position, nudged by up to ~500 m.
    let mut rng = Rng(7);
    let centres: Vec<(f64, f64)> = (0..WARM_UP + SEARCHES)
        .map(|_| {
            let c = &cafes[(rng.next() % cafes.len() as u64) as usize];
            let at = c.location.coordinates;
            offset(at.lat(), at.lng(), rng.normal() * 0.3, rng.normal() * 0.3)
        })
        .collect();
    let mut index_times = Vec::with_capacity(SEARCHES);
    let mut in_radius = Vec::with_capacity(SEARCHES);
    for (i, &(lat, lng)) in centres.iter().enumerate() {
        let q = query(lat, lng, 2_000, 20)?;
        let t = Instant::now();
        let page = store.nearby_cafes(&q).await?;
        let elapsed = t.elapsed();
        if i >= WARM_UP {
            index_times.push(elapsed);
            in_radius.push(page.stats.in_radius);
        }
    }
    // The same searches again: their pages are now in the caches (SQLite's and the OS's), so
    // this pass is the CPU cost alone; the first is what a search of a cold area costs.
    let mut warm_times = Vec::with_capacity(SEARCHES);
    for &(lat, lng) in &centres[WARM_UP..] {
        let q = query(lat, lng, 2_000, 20)?;
        let t = Instant::now();
        std::hint::black_box(store.nearby_cafes(&q).await?);
        warm_times.push(t.elapsed());
    }
    warm_times.sort();
    let points: Vec<(f64, f64, u32)> = cafes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let at = c.location.coordinates;
            (at.lat(), at.lng(), i as u32)
        })
        .collect();
    let mut brute_times = Vec::with_capacity(SEARCHES);
    for (i, &(lat, lng)) in centres.iter().enumerate() {
        let t = Instant::now();
        let found = brute_force(&points, lat, lng, 2_000.0, 20);
        let elapsed = t.elapsed();
        std::hint::black_box(found);
        if i >= WARM_UP {
            brute_times.push(elapsed);
        }
    }
    index_times.sort();
    brute_times.sort();
    in_radius.sort_unstable();
    println!();
    println!(
        "## 2 km search, limit 20, {SEARCHES} searches after {WARM_UP} warm-up ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!("| method | p50 | p99 | max |");
    println!("|---|---|---|---|");
    println!(
        "| geo index, embedded store (file, WAL), whole port call incl. summaries | {} | {} | {} |",
        ms(percentile(&index_times, 0.5)),
        ms(percentile(&index_times, 0.99)),
        ms(percentile(&index_times, 1.0))
    );
    println!(
        "| the same searches again (pages cached) | {} | {} | {} |",
        ms(percentile(&warm_times, 0.5)),
        ms(percentile(&warm_times, 0.99)),
        ms(percentile(&warm_times, 1.0))
    );
    println!(
        "| brute force: haversine over all {} cafés in memory, sort, take 20 | {} | {} | {} |",
        cafes.len(),
        ms(percentile(&brute_times, 0.5)),
        ms(percentile(&brute_times, 0.99)),
        ms(percentile(&brute_times, 1.0))
    );
    println!();
    println!(
        "entries inside the bands the 2 km searches read: median {}, p99 {}, max {}",
        in_radius[in_radius.len() / 2],
        in_radius[in_radius.len() * 99 / 100],
        in_radius[in_radius.len() - 1]
    );

    println!();
    println!(
        "## Cost per page, expanding search, limit 20 ({COST_SEARCHES} searches per radius from the centres above; pages 2 and 3 follow the cursor)"
    );
    println!();
    println!(
        "| radius | page | rounds (median / max) | Queries per round (max) | items read (median / p99 / max) | pages over 5 × limit + {PAGE_OVERHEAD_ITEMS} |"
    );
    println!("|---|---|---|---|---|---|");
    for radius in [1_000u32, 2_000, 5_000, 50_000] {
        let mut rounds: [Vec<usize>; 3] = Default::default();
        let mut per_round = [0usize; 3];
        let mut read: [Vec<usize>; 3] = Default::default();
        for &(lat, lng) in centres.iter().skip(WARM_UP).take(COST_SEARCHES) {
            let mut q = query(lat, lng, radius, 20)?;
            for n in 0..3 {
                let page = store.nearby_cafes(&q).await?;
                per_round[n] = per_round[n].max(page.stats.max_round_queries);
                rounds[n].push(page.stats.rounds);
                read[n].push(page.stats.items_read);
                match page.next {
                    Some(next) => q.after = Some(next),
                    None => break,
                }
            }
        }
        let at = |v: &[usize], p: f64| {
            v.get(((v.len().max(1) - 1) as f64 * p).round() as usize)
                .copied()
                .unwrap_or(0)
        };
        for n in 0..3 {
            rounds[n].sort_unstable();
            read[n].sort_unstable();
            let over = read[n]
                .iter()
                .filter(|&&r| r > 5 * 20 + PAGE_OVERHEAD_ITEMS)
                .count();
            println!(
                "| {} km | {} | {} / {} | {} | {} / {} / {} | {} of {} |",
                radius / 1_000,
                n + 1,
                at(&rounds[n], 0.5),
                at(&rounds[n], 1.0),
                per_round[n],
                at(&read[n], 0.5),
                at(&read[n], 0.99),
                at(&read[n], 1.0),
                over,
                read[n].len(),
            );
        }
    }

    println!();
    println!("## DynamoDB layout at each city's centre, page 1 (same keys, same range reads)");
    println!();
    println!(
        "| radius | cafés inside (median / max over cities) | rounds (max) | Queries per round (max) | Query requests with 1 MB pages (max) | items read (median / max) | KB read (max) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for radius in [1_000u32, 2_000, 5_000, 50_000] {
        let mut rows = Vec::new();
        for city in CITIES {
            if let Ok(mut reads) = store.reads.lock() {
                reads.clear();
            }
            let page = store
                .nearby_cafes(&query(city.1, city.2, radius, 20)?)
                .await?;
            let reads = store.reads.lock().map(|r| r.clone()).unwrap_or_default();
            let requests: usize = reads
                .iter()
                .map(|(_, bytes)| bytes.div_ceil(QUERY_PAGE_BYTES).max(1))
                .sum();
            let kb = reads.iter().map(|(_, bytes)| bytes).sum::<usize>() as f64 / 1024.0;
            let inside = points
                .iter()
                .filter(|&&(a, o, _)| geo::haversine_m(city.1, city.2, a, o) <= f64::from(radius))
                .count();
            rows.push((
                inside,
                page.stats.rounds,
                page.stats.max_round_queries,
                requests,
                page.stats.items_read,
                kb,
            ));
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        let inside: Vec<f64> = rows.iter().map(|r| r.0 as f64).collect();
        let read: Vec<f64> = rows.iter().map(|r| r.4 as f64).collect();
        println!(
            "| {} km | {:.0} / {:.0} | {} | {} | {} | {:.0} / {:.0} | {:.0} |",
            radius / 1_000,
            median(inside.clone()),
            max(&inside),
            rows.iter().map(|r| r.1).max().unwrap_or(0),
            rows.iter().map(|r| r.2).max().unwrap_or(0),
            rows.iter().map(|r| r.3).max().unwrap_or(0),
            median(read.clone()),
            max(&read),
            rows.iter().map(|r| r.5).fold(0.0, f64::max),
        );
    }
    if kept.is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(())
}
