//! Contract suite for nearby search, run against both adapters (`embedded::…` and
//! `dynamodb_over_http_moto::…`): results equal a brute-force haversine scan over every café,
//! across the antimeridian, near the poles, at the equator and on cell boundaries; filters,
//! `openNow` and paging behave; the geo index follows every write.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::{
    Amenity, Cafe, CafeId, Coordinates, LocalTime, OpeningHours, OpeningPeriod, RatingSummary,
    Slug, TimeZoneName, Weekday,
};
use shared::geo;
use shared::ports::{CafeReader, CatalogBatch, CatalogWriter, NearbyReader};
use shared::query::{NearbyFilter, NearbyLimit, NearbyQuery, Radius};
use shared::store::{Condition, ItemTable, Write, keys};
use tests::Rng;
use tests::fixtures::fixtures;

trait Store: NearbyReader + CatalogWriter {}
impl<T: NearbyReader + CatalogWriter> Store for T {}

/// Positions that break naive geo code, plus ordinary ones and one dense cluster.
fn tricky_positions(rng: &mut Rng) -> Vec<(f64, f64)> {
    let mut out = vec![
        (90.0, 0.0),
        (-90.0, 0.0),
        (0.0, 180.0),
        (0.0, -180.0),
        (0.0, 0.0),
        (45.0, 45.0),
        (-45.0, -135.0),
    ];
    for _ in 0..40 {
        out.push((rng.range(-90.0, 90.0), rng.range(-180.0, 180.0)));
    }
    for _ in 0..40 {
        // Either side of the antimeridian.
        let lng = if rng.unit() < 0.5 {
            rng.range(179.8, 180.0)
        } else {
            rng.range(-180.0, -179.8)
        };
        out.push((rng.range(-65.0, 65.0), lng));
    }
    for _ in 0..40 {
        // Near the poles, where cells are thin slivers.
        let lat = if rng.unit() < 0.6 {
            rng.range(89.4, 90.0)
        } else {
            rng.range(-90.0, -89.6)
        };
        out.push((lat, rng.range(-180.0, 180.0)));
    }
    for _ in 0..30 {
        out.push((rng.range(-0.05, 0.05), rng.range(-0.2, 0.2)));
    }
    // Exactly on (and a hair either side of) cell edges of precisions 1, 3 and 5.
    let steps = [45.0, 1.406_25, 0.043_945_312_5];
    for _ in 0..40 {
        let step = *rng.pick(&steps);
        let lat = ((rng.range(-80.0, 80.0) / step).round() * step).clamp(-90.0, 90.0);
        let lng = ((rng.range(-179.0, 179.0) / step).round() * step).clamp(-180.0, 180.0);
        let nudge = *rng.pick(&[0.0, 1e-9, -1e-9]);
        out.push((
            (lat + nudge).clamp(-90.0, 90.0),
            (lng - nudge).clamp(-180.0, 180.0),
        ));
    }
    // A dense neighbourhood in Oslo.
    for _ in 0..50 {
        out.push((
            59.91 + rng.range(-0.03, 0.03),
            10.75 + rng.range(-0.05, 0.05),
        ));
    }
    out
}

fn hours(rng: &mut Rng) -> OpeningHours {
    let zones = [
        "Europe/Oslo",
        "America/Sao_Paulo",
        "Pacific/Auckland",
        "Pacific/Fiji",
        "Antarctica/McMurdo",
        "UTC",
    ];
    let shapes = [("07:00", "17:00"), ("18:00", "02:00"), ("09:00", "09:00")];
    tests::random_hours(rng, &zones, &shapes, 0.8)
}

/// A catalogue of cafés at the tricky positions, each with random methods, amenities,
/// ratings and hours.
fn world(seed: u64) -> Vec<Cafe> {
    let mut rng = Rng(seed);
    let template = fixtures().cafes[0].clone();
    let methods = ["v60", "espresso", "aeropress", "chemex"];
    let histograms = [[0; 5], [0, 0, 1, 1, 0], [0, 0, 0, 2, 2], [0, 0, 0, 0, 3]];
    tricky_positions(&mut rng)
        .into_iter()
        .enumerate()
        .map(|(n, (lat, lng))| {
            let mut cafe = template.clone();
            cafe.id = CafeId::from_entropy(10_000 + n as u128);
            cafe.name = format!("Geo café {n}");
            cafe.location.coordinates = Coordinates::new(lat, lng).unwrap();
            cafe.brewing_methods = methods
                .iter()
                .filter(|_| rng.unit() < 0.5)
                .map(|m| Slug::parse(m).unwrap())
                .collect();
            cafe.amenities = Amenity::ALL
                .into_iter()
                .filter(|_| rng.unit() < 0.3)
                .collect();
            cafe.rating = RatingSummary::from_histogram(*rng.pick(&histograms));
            cafe.hours = hours(&mut rng);
            cafe
        })
        .collect()
}

async fn loaded<S: Store>(store: S, cafes: &[Cafe]) -> S {
    store
        .import(&CatalogBatch {
            cafes,
            ..CatalogBatch::default()
        })
        .await
        .unwrap();
    store
}

fn query(centre: (f64, f64), radius: u32, filter: NearbyFilter, at: Timestamp) -> NearbyQuery {
    NearbyQuery {
        centre: Coordinates::new(centre.0, centre.1).unwrap(),
        radius: Radius::new(radius).unwrap(),
        filter,
        at,
        limit: NearbyLimit::new(15).unwrap(),
        after: None,
    }
}

/// Every page of a search, as `(id, distance, open)`, checking each page's shape on the way.
async fn all_pages<S: NearbyReader>(store: &S, mut query: NearbyQuery) -> Vec<(String, f64, bool)> {
    let mut out = Vec::new();
    for _ in 0..200 {
        let page = store.nearby_cafes(&query).await.unwrap();
        assert!(page.stats.max_round_queries <= geo::MAX_QUERIES);
        assert!(page.stats.rounds >= 1);
        assert!(page.stats.queries <= page.stats.rounds * geo::MAX_QUERIES);
        assert!(page.items.len() <= query.limit.get());
        if page.next.is_some() {
            assert_eq!(
                page.items.len(),
                query.limit.get(),
                "short page before the end"
            );
        }
        out.extend(
            page.items
                .into_iter()
                .map(|i| (i.cafe.id.to_string(), i.distance_m, i.open_now)),
        );
        match page.next {
            Some(next) => query.after = Some(next),
            None => return out,
        }
    }
    panic!("paging does not end");
}

/// What a scan of every café says the search should return.
fn brute_force(cafes: &[Cafe], q: &NearbyQuery) -> Vec<(String, f64, bool)> {
    let r = f64::from(q.radius.metres());
    let mut hits: Vec<(String, f64, bool)> = cafes
        .iter()
        .filter(|c| {
            let f = &q.filter;
            f.brewing_method
                .as_ref()
                .is_none_or(|m| c.brewing_methods.contains(m))
                && f.amenity.is_none_or(|a| c.amenities.contains(&a))
                && f.min_rating.is_none_or(|m| c.rating.average_or_zero() >= m)
                && (!f.open_now || c.hours.is_open_at(q.at))
        })
        .map(|c| {
            (
                c.id.to_string(),
                geo::distance_m(q.centre, c.location.coordinates),
                c.hours.is_open_at(q.at),
            )
        })
        .filter(|(_, d, _)| *d <= r)
        .collect();
    hits.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    hits
}

fn instant(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

/// `cases` searches with deterministic random centres, radii and filters.
async fn matches_brute_force_at_tricky_places<S: Store>(store: S, cases: i64) {
    let cafes = world(7);
    let store = loaded(store, &cafes).await;
    let mut rng = Rng(99);
    let radii = [1, 40, 900, 2_000, 12_000, 50_000];
    let positions: Vec<(f64, f64)> = cafes
        .iter()
        .map(|c| (c.location.coordinates.lat(), c.location.coordinates.lng()))
        .collect();
    let mut non_empty = 0;
    for case in 0..cases {
        let radius = if case % 4 == 3 {
            rng.range(1.0, 50_000.0) as u32
        } else {
            *rng.pick(&radii)
        };
        // Centre on a café, or near one (within the radius, so most searches find something).
        let (lat, lng) = *rng.pick(&positions);
        let spread = f64::from(radius) / 111_195.0;
        let centre = if case % 3 == 0 {
            (lat, lng)
        } else {
            (
                (lat + spread * rng.range(-0.7, 0.7)).clamp(-90.0, 90.0),
                (lng + spread * rng.range(-0.7, 0.7) + 540.0).rem_euclid(360.0) - 180.0,
            )
        };
        let filter = match case % 5 {
            0 => NearbyFilter {
                brewing_method: Some(Slug::parse("v60").unwrap()),
                ..NearbyFilter::default()
            },
            1 => NearbyFilter {
                min_rating: Some(4.0),
                amenity: Some(Amenity::Wifi),
                ..NearbyFilter::default()
            },
            2 => NearbyFilter {
                open_now: true,
                ..NearbyFilter::default()
            },
            _ => NearbyFilter::default(),
        };
        let at = instant("2026-11-23T07:30:00Z") + jiff::SignedDuration::from_hours(case * 5);
        let q = query(centre, radius, filter, at);
        let expected = brute_force(&cafes, &q);
        let got = all_pages(&store, q.clone()).await;
        assert_eq!(got, expected, "case {case}: {q:?}");
        if !expected.is_empty() {
            non_empty += 1;
        }
    }
    assert!(
        non_empty * 3 >= cases * 2,
        "only {non_empty} of {cases} searches found anything"
    );
}

async fn rejects_nothing_at_the_poles_and_the_antimeridian<S: Store>(store: S) {
    let cafes = world(11);
    let store = loaded(store, &cafes).await;
    let at = instant("2026-06-01T12:00:00Z");
    for centre in [
        (90.0, 0.0),
        (90.0, 123.0),
        (-90.0, 0.0),
        (0.0, 180.0),
        (0.0, -180.0),
        (12.0, 179.9999),
        (-33.0, -179.9999),
    ] {
        for radius in [1, 5_000, 50_000] {
            let q = query(centre, radius, NearbyFilter::default(), at);
            assert_eq!(
                all_pages(&store, q.clone()).await,
                brute_force(&cafes, &q),
                "{q:?}"
            );
        }
    }
}

async fn the_index_follows_writes<S: Store>(store: S) {
    let f = fixtures();
    let store = loaded(store, &f.cafes).await;
    let at = instant("2026-11-23T12:00:00Z");
    let mut cafe = f.cafes[0].clone();
    let old = (10.0, 20.0);
    let new = (-33.8688, 151.2093);
    let ids =
        |page: Vec<(String, f64, bool)>| page.into_iter().map(|(id, _, _)| id).collect::<Vec<_>>();

    let near_old = ids(all_pages(&store, query(old, 100, NearbyFilter::default(), at)).await);
    assert!(near_old.contains(&cafe.id.to_string()));

    // Moving the café moves its index entries (no stale entry is left behind).
    cafe.location.coordinates = Coordinates::new(new.0, new.1).unwrap();
    store.put_cafe(&cafe).await.unwrap();
    let near_old = ids(all_pages(&store, query(old, 100, NearbyFilter::default(), at)).await);
    assert!(!near_old.contains(&cafe.id.to_string()));
    assert_eq!(near_old.len(), f.cafes.len() - 1);
    let near_new = ids(all_pages(&store, query(new, 100, NearbyFilter::default(), at)).await);
    assert_eq!(near_new, vec![cafe.id.to_string()]);

    // A new rating reaches the index, so minRating sees it.
    let min_five = NearbyFilter {
        min_rating: Some(5.0),
        ..NearbyFilter::default()
    };
    assert!(ids(all_pages(&store, query(new, 100, min_five.clone(), at)).await).is_empty());
    cafe.rating = RatingSummary::from_histogram([0, 0, 0, 0, 9]);
    store.put_cafe(&cafe).await.unwrap();
    assert_eq!(
        ids(all_pages(&store, query(new, 100, min_five, at)).await),
        vec![cafe.id.to_string()]
    );

    // New hours reach the index, so openNow sees them.
    let open_now = NearbyFilter {
        open_now: true,
        ..NearbyFilter::default()
    };
    cafe.hours = OpeningHours {
        time_zone: TimeZoneName::parse("Australia/Sydney").unwrap(),
        periods: vec![],
    };
    store.put_cafe(&cafe).await.unwrap();
    assert!(ids(all_pages(&store, query(new, 100, open_now.clone(), at)).await).is_empty());
    cafe.hours.periods = Weekday::ALL
        .into_iter()
        .map(|day| OpeningPeriod {
            day,
            opens: LocalTime::parse("00:00").unwrap(),
            closes: LocalTime::parse("00:00").unwrap(),
        })
        .collect();
    store.put_cafe(&cafe).await.unwrap();
    assert_eq!(
        ids(all_pages(&store, query(new, 100, open_now, at)).await),
        vec![cafe.id.to_string()]
    );
}

async fn results_carry_summaries_and_distances<S: Store>(store: S) {
    let cafes = world(3);
    let store = loaded(store, &cafes).await;
    let centre = (59.91, 10.75);
    let q = NearbyQuery {
        limit: NearbyLimit::new(50).unwrap(),
        ..query(centre, 3_000, NearbyFilter::default(), Timestamp::now())
    };
    let page = store.nearby_cafes(&q).await.unwrap();
    assert!(!page.items.is_empty());
    assert!(page.stats.items_read >= page.stats.in_radius);
    assert!(page.stats.in_radius >= page.items.len());
    for item in &page.items {
        let cafe = cafes.iter().find(|c| c.id == item.cafe.id).unwrap();
        assert_eq!(item.cafe, cafe.summary());
        assert_eq!(
            item.distance_m,
            geo::distance_m(q.centre, cafe.location.coordinates)
        );
        assert!(item.distance_m <= 3_000.0);
    }
}

/// Geo entries carry their café's summary; ones written before they did (no `s`) still give
/// complete results, read from the list entries; and the summary follows the café's writes.
async fn results_come_with_current_summaries_with_or_without_one_in_the_geo_entry<
    S: Store + ItemTable + CafeReader + Clone,
>(
    store: S,
) {
    let cafes = world(5);
    let store = loaded(store, &cafes).await;
    // The same store, counting the requests a search makes.
    let counted = tests::counting::Counting::new(store.clone());
    let centre = (59.91, 10.75);
    let q = || NearbyQuery {
        limit: NearbyLimit::new(50).unwrap(),
        ..query(centre, 3_000, NearbyFilter::default(), Timestamp::now())
    };
    let found = |page: &shared::query::NearbyPage| {
        page.items
            .iter()
            .map(|item| (item.cafe.clone(), item.distance_m))
            .collect::<Vec<_>>()
    };
    let before = counted.nearby_cafes(&q()).await.unwrap();
    assert!(!before.items.is_empty());
    // The index reads alone: no second read for the summaries.
    let calls = counted.take().calls;
    assert!(!calls.contains_key("BatchGetItem"), "{calls:?}");
    for item in &before.items {
        let cafe = cafes.iter().find(|c| c.id == item.cafe.id).unwrap();
        assert_eq!(item.cafe, cafe.summary());
    }
    // Strip the summary from every geo entry of every café found, as entries written before
    // it existed are.
    for item in &before.items {
        let cafe = cafes.iter().find(|c| c.id == item.cafe.id).unwrap();
        let pk = keys::cafe_pk(&cafe.id);
        let at = cafe.location.coordinates;
        let mut writes = Vec::new();
        for level in geo::LEVELS {
            let doc = store
                .get_doc(&pk, &keys::geo_sk(level))
                .await
                .unwrap()
                .unwrap();
            let mut doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
            assert!(doc.as_object_mut().unwrap().remove("s").is_some(), "{doc}");
            let item = shared::store::Item {
                lpk: Some(keys::geo_lpk(&geo::cell_key(at, level))),
                sort: shared::store::SortKeys::one(
                    shared::store::SortIndex::ByCell,
                    keys::by_cell(&geo::cell_key(at, geo::KEY_PRECISION), cafe.id.as_str()),
                ),
                ..shared::store::Item::plain(pk.clone(), keys::geo_sk(level), doc.to_string())
            };
            writes.push(Write::Put {
                item,
                condition: Condition::Always,
            });
        }
        store.transact(writes).await.unwrap();
    }
    let stripped = counted.nearby_cafes(&q()).await.unwrap();
    assert_eq!(found(&stripped), found(&before));
    assert_eq!(counted.take().calls.get("BatchGetItem"), Some(&1));
    // A café's rename and new rating reach the summary nearby returns.
    let mut cafe = cafes
        .iter()
        .find(|c| c.id == before.items[0].cafe.id)
        .unwrap()
        .clone();
    cafe.name = format!("{} (renamed)", cafe.name);
    cafe.rating = RatingSummary::from_histogram([0, 0, 0, 1, 3]);
    store.put_cafe(&cafe).await.unwrap();
    let after = store.nearby_cafes(&q()).await.unwrap();
    let item = after.items.iter().find(|i| i.cafe.id == cafe.id).unwrap();
    assert_eq!(item.cafe, cafe.summary());
}

// moto answers a Query by walking every item, so the DynamoDB run checks fewer random searches;
// the embedded run and the property test below check many more.
mod embedded_random_searches {
    #[tokio::test]
    async fn matches_brute_force_at_tricky_places() {
        super::matches_brute_force_at_tricky_places(tests::embedded_store(), 64).await;
    }
}

mod dynamodb_over_http_moto_random_searches {
    #[tokio::test]
    async fn matches_brute_force_at_tricky_places() {
        super::matches_brute_force_at_tricky_places(tests::dynamodb_store().await, 16).await;
    }
}

async fn rewriting_cafes_rebuilds_missing_geo_entries<S: Store + ItemTable + CafeReader>(store: S) {
    let f = fixtures();
    let store = loaded(store, &f.cafes).await;
    let at = instant("2026-11-23T12:00:00Z");
    let everything = || query((10.0, 20.0), 1_000, NearbyFilter::default(), at);
    assert_eq!(all_pages(&store, everything()).await.len(), f.cafes.len());
    // Cafés written before the geo index existed have no geo entries.
    for cafe in &f.cafes {
        let writes = geo::LEVELS
            .iter()
            .map(|level| Write::Delete {
                pk: keys::cafe_pk(&cafe.id),
                sk: keys::geo_sk(*level),
                condition: Condition::Always,
            })
            .collect();
        store.transact(writes).await.unwrap();
    }
    assert!(all_pages(&store, everything()).await.is_empty());
    assert_eq!(
        shared::maintenance::rewrite_cafes(&store).await.unwrap(),
        f.cafes.len()
    );
    assert_eq!(all_pages(&store, everything()).await.len(), f.cafes.len());
    // Running it again changes nothing.
    assert_eq!(
        shared::maintenance::rewrite_cafes(&store).await.unwrap(),
        f.cafes.len()
    );
    assert_eq!(all_pages(&store, everything()).await.len(), f.cafes.len());
}

/// Eight cafés spread thinly around a centre, and a dense cluster (400 cafés in a square
/// kilometre) 4–5 km away: the rings that reach the cluster are sized by the sparse density seen
/// before it, so their range reads hit the per-range limit and the search goes on with the
/// unread remainders.
fn cluster_world() -> Vec<Cafe> {
    let mut rng = Rng(23);
    let template = fixtures().cafes[0].clone();
    let (lat0, lng0): (f64, f64) = (48.2082, 16.3738);
    let per_km_lng = 111.195 * lat0.to_radians().cos();
    let sparse = (0..8).map(|_| {
        let (bearing, km) = (rng.range(0.0, std::f64::consts::TAU), rng.range(0.3, 3.5));
        (km * bearing.cos(), km * bearing.sin())
    });
    let mut rng = Rng(29);
    let dense: Vec<(f64, f64)> = (0..400)
        .map(|_| (4.5 + rng.range(-0.5, 0.5), 1.0 + rng.range(-0.5, 0.5)))
        .collect();
    sparse
        .collect::<Vec<_>>()
        .into_iter()
        .chain(dense)
        .enumerate()
        .map(|(n, (north_km, east_km))| {
            let mut cafe = template.clone();
            cafe.id = CafeId::from_entropy(90_000 + n as u128);
            cafe.name = format!("Cluster café {n}");
            cafe.location.coordinates =
                Coordinates::new(lat0 + north_km / 111.195, lng0 + east_km / per_km_lng).unwrap();
            cafe
        })
        .collect()
}

/// Searches from the sparse centre into the cluster, page by page against brute force, for
/// several limits: each page is the brute-force slice it stands for, some range reads reach
/// their limit (the case this checks), and no page reads more than 5 × `limit` + 60 entries.
async fn reads_cut_by_their_limit_go_on_exactly<S: Store>(store: S) {
    let cafes = cluster_world();
    let store = loaded(store, &cafes).await;
    let at = instant("2026-11-30T09:00:00Z");
    let mut cut = 0;
    for (limit, radius) in [(1, 6_000), (15, 10_000), (50, 8_000)] {
        let mut q = NearbyQuery {
            limit: NearbyLimit::new(limit).unwrap(),
            ..query((48.2082, 16.3738), radius, NearbyFilter::default(), at)
        };
        let expected = brute_force(&cafes, &q);
        let limit = limit as usize;
        for (n, want) in expected.chunks(limit).take(12).enumerate() {
            let page = store.nearby_cafes(&q).await.unwrap();
            let got: Vec<(String, f64, bool)> = page
                .items
                .iter()
                .map(|i| (i.cafe.id.to_string(), i.distance_m, i.open_now))
                .collect();
            assert_eq!(got, want, "limit {limit}, page {n}");
            assert!(page.stats.max_round_queries <= geo::MAX_QUERIES);
            assert!(
                page.stats.items_read <= 5 * limit + 60,
                "limit {limit}, page {n}: {:?}",
                page.stats
            );
            cut += page.stats.cut_reads;
            match page.next {
                Some(next) => q.after = Some(next),
                None => {
                    assert_eq!(expected.len(), n * limit + got.len());
                    break;
                }
            }
        }
    }
    assert!(cut > 0, "no range read reached its limit");
}

tests::contract_suite!(
    results_come_with_current_summaries_with_or_without_one_in_the_geo_entry,
    rewriting_cafes_rebuilds_missing_geo_entries,
    reads_cut_by_their_limit_go_on_exactly,
    rejects_nothing_at_the_poles_and_the_antimeridian,
    the_index_follows_writes,
    results_carry_summaries_and_distances,
);

mod embedded_properties {
    use proptest::prelude::*;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Random worlds and random searches on the embedded store: always the brute-force
        /// answer.
        #[test]
        fn any_search_equals_brute_force(
            seed in any::<u64>(),
            centres in proptest::collection::vec(
                (prop_oneof![
                    -90.0..=90.0f64,
                    89.0..=90.0f64,
                    -90.0..=-89.0f64,
                    -0.1..=0.1f64,
                    -65.0..=65.0f64,
                ], prop_oneof![
                    -180.0..=180.0f64,
                    179.5..=180.0f64,
                    -180.0..=-179.5f64,
                    10.6..=10.9f64,
                ], 1u32..=50_000),
                6,
            ),
        ) {
            let cafes = world(seed);
            runtime().block_on(async {
                let store = loaded(tests::embedded_store(), &cafes).await;
                for (lat, lng, radius) in centres {
                    let q = query((lat, lng), radius, NearbyFilter::default(), Timestamp::now());
                    let got = all_pages(&store, q.clone()).await;
                    assert_eq!(got, brute_force(&cafes, &q), "{q:?}");
                }
            });
        }
    }
}

mod embedded_cursor_hints {
    use proptest::prelude::*;
    use shared::query::NearbyHint;

    use super::*;

    fn hint() -> impl Strategy<Value = Option<u64>> {
        prop_oneof![
            Just(None),
            Just(Some(0)),
            Just(Some(u64::MAX)),
            (1u64..=100).prop_map(Some),
            (1u64..=100_000_000_000).prop_map(Some),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// A cursor's density hint only steers what the next page reads: any hint, however
        /// wrong (zero, huge, absent as in cursors issued before hints), gives the brute-force
        /// pages.
        #[test]
        fn any_cursor_hint_gives_the_brute_force_pages(
            seed in any::<u64>(),
            lat in prop_oneof![-90.0..=90.0f64, 59.88..=59.94f64],
            lng in prop_oneof![-180.0..=180.0f64, 10.70..=10.80f64],
            radius in 1u32..=50_000,
            limit in 1u32..=10,
            hints in proptest::collection::vec((hint(), hint()), 1..8),
        ) {
            let cafes = world(seed);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let store = loaded(tests::embedded_store(), &cafes).await;
                let mut q = NearbyQuery {
                    limit: NearbyLimit::new(limit).unwrap(),
                    ..query((lat, lng), radius, NearbyFilter::default(), Timestamp::now())
                };
                let expected = brute_force(&cafes, &q);
                let mut got = Vec::new();
                for n in 0.. {
                    let page = store.nearby_cafes(&q).await.unwrap();
                    got.extend(page.items.into_iter().map(|i| (i.cafe.id.to_string(), i.distance_m, i.open_now)));
                    let Some(next) = page.next else { break };
                    let (a, e) = hints[n % hints.len()];
                    q.after = Some(next.hinted(NearbyHint {
                        area_per_result_m2: a,
                        area_per_entry_m2: e,
                    }));
                    assert!(n < 500, "paging does not end");
                }
                assert_eq!(got, expected, "{q:?}");
            });
        }
    }
}

/// What a page may read beyond 5 × `limit` index entries: the cells a round reads whole
/// although they straddle its ring (see docs/nearby.md, "Expanding search").
const PAGE_OVERHEAD_ITEMS: usize = 60;

/// A city-like world: a dense centre (σ ≈ 3 km), suburbs (σ ≈ 15 km) and a sparse region
/// around it, so pages at every radius meet every density.
fn city_world(seed: u64, cafes: usize) -> Vec<Cafe> {
    let mut rng = Rng(seed);
    let template = fixtures().cafes[0].clone();
    let (lat0, lng0) = (52.52, 13.405);
    let normal = |rng: &mut Rng| {
        let u = rng.unit().max(f64::MIN_POSITIVE);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * rng.unit()).cos()
    };
    (0..cafes)
        .map(|n| {
            let (north_km, east_km) = match n % 5 {
                0..=2 => (normal(&mut rng) * 3.0, normal(&mut rng) * 3.0),
                3 => (normal(&mut rng) * 15.0, normal(&mut rng) * 15.0),
                _ => (rng.range(-80.0, 80.0), rng.range(-80.0, 80.0)),
            };
            let lat = lat0 + north_km / 111.195;
            let lng = lng0 + east_km / (111.195 * lat0.to_radians().cos());
            let mut cafe = template.clone();
            cafe.id = CafeId::from_entropy(50_000 + n as u128);
            cafe.name = format!("City café {n}");
            cafe.location.coordinates = Coordinates::new(lat, lng).unwrap();
            cafe
        })
        .collect()
}

mod embedded_page_cost {
    use std::cell::RefCell;
    use std::hash::{BuildHasher, Hasher};

    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use shared::store::sqlite::SqliteStore;

    use super::*;

    /// The seed the property used before it drew a random one (its 32 seed bytes all 17), and
    /// its 400 cases, kept so those cases run every time.
    const FIXED_SEED: u64 = 0x1111_1111_1111_1111;
    const FIXED_CASES: u32 = 400;

    /// One page as the property saw it: `counted` is what its budget counts (the entries it
    /// read, or with a filter the entries it read that passed it).
    #[derive(Clone, Copy, Debug)]
    struct PageCost {
        counted: usize,
        items_read: usize,
        bound: usize,
        rounds: usize,
    }

    /// The embedded store holding `cafes`.
    fn loaded_store(cafes: &[Cafe]) -> SqliteStore {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(loaded(tests::embedded_store(), cafes))
    }

    /// The run's random seed and number of cases: `PAGE_COST_SEED` (a new random seed when
    /// unset) and `PAGE_COST_CASES` (`default` when unset).
    fn seed_and_cases(default: u32) -> (u64, u32) {
        let cases = std::env::var("PAGE_COST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default);
        let seed = std::env::var("PAGE_COST_SEED")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| {
                std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish()
            });
        (seed, cases)
    }

    /// The `p`-th quantile (nearest rank) of `values`, which are sorted.
    fn quantile(values: &[usize], p: f64) -> usize {
        let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len().max(1));
        values.get(rank - 1).copied().unwrap_or(0)
    }

    /// Runs `cases` cases drawn from `seed` over the city world and returns every page read:
    /// each case pages (the first three pages, following cursors) with `filter` and
    /// checks every page against brute force and its rounds against the Query budget.
    fn run_cases(
        store: &SqliteStore,
        cafes: &[Cafe],
        seed: u64,
        cases: u32,
        filter: &NearbyFilter,
    ) -> Vec<PageCost> {
        let filtered = *filter != NearbyFilter::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let positions: Vec<(f64, f64)> = cafes
            .iter()
            .map(|c| (c.location.coordinates.lat(), c.location.coordinates.lng()))
            .collect();
        let mut seed_bytes = [0u8; 32];
        for chunk in seed_bytes.chunks_mut(8) {
            chunk.copy_from_slice(&seed.to_le_bytes());
        }
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
        );
        // A centre near a café, or on the city's sparse edge: 8–40 km from its middle.
        let centre = prop_oneof![
            3 => (0..positions.len(), -0.01..=0.01f64, -0.01..=0.01f64)
                .prop_map(move |(at, dlat, dlng)| (positions[at].0 + dlat, positions[at].1 + dlng)),
            1 => (0.0..std::f64::consts::TAU, 8.0..=40.0f64).prop_map(|(bearing, km)| {
                let lat = 52.52 + km * bearing.cos() / 111.195;
                let lng = 13.405 + km * bearing.sin() / (111.195 * 52.52f64.to_radians().cos());
                (lat, lng)
            }),
        ];
        let strategy = (
            centre,
            prop_oneof![1u32..=2_000, 2_000u32..=10_000, 10_000u32..=50_000],
            prop_oneof![Just(1u32), Just(20u32), Just(50u32), 1u32..=50],
        );
        let pages: RefCell<Vec<PageCost>> = RefCell::new(Vec::new());
        let outcome = runner.run(&strategy, |(centre, radius, limit)| {
            let mut q = NearbyQuery {
                limit: NearbyLimit::new(limit).unwrap(),
                ..query(centre, radius, filter.clone(), Timestamp::now())
            };
            let expected = brute_force(cafes, &q);
            let bound = 5 * limit as usize + PAGE_OVERHEAD_ITEMS;
            let mut got = Vec::new();
            let mut ended = false;
            runtime.block_on(async {
                for _ in 0..3 {
                    let page = store.nearby_cafes(&q).await.unwrap();
                    prop_assert!(page.stats.max_round_queries <= geo::MAX_QUERIES);
                    pages.borrow_mut().push(PageCost {
                        counted: if filtered {
                            page.stats.matched
                        } else {
                            page.stats.items_read
                        },
                        items_read: page.stats.items_read,
                        bound,
                        rounds: page.stats.rounds,
                    });
                    got.extend(
                        page.items
                            .iter()
                            .map(|i| (i.cafe.id.to_string(), i.distance_m)),
                    );
                    match page.next {
                        Some(next) => q.after = Some(next),
                        None => {
                            ended = true;
                            break;
                        }
                    }
                }
                Ok(())
            })?;
            if ended {
                prop_assert_eq!(got.len(), expected.len());
            }
            let want: Vec<(String, f64)> = expected
                .into_iter()
                .take(got.len())
                .map(|(id, d, _)| (id, d))
                .collect();
            prop_assert_eq!(got, want);
            Ok(())
        });
        if let Err(failure) = outcome {
            panic!("seed {seed} (replay with PAGE_COST_SEED={seed}): {failure}");
        }
        pages.into_inner()
    }

    /// Checks the bound on every page of `pages` and prints what they cost.
    fn assert_bounded(seed: u64, pages: &[PageCost]) {
        let over: Vec<&PageCost> = pages.iter().filter(|p| p.counted > p.bound).collect();
        let worst = pages
            .iter()
            .map(|p| p.counted as f64 / p.bound as f64)
            .fold(0.0, f64::max);
        let mut rounds: Vec<usize> = pages.iter().map(|p| p.rounds).collect();
        rounds.sort_unstable();
        eprintln!(
            "seed {seed}: {} pages, {} over 5 × limit + {PAGE_OVERHEAD_ITEMS}, worst {worst:.2}× \
             the bound; rounds per page median {} / p99 {} / max {} (mean {:.2})",
            pages.len(),
            over.len(),
            quantile(&rounds, 0.5),
            quantile(&rounds, 0.99),
            rounds.last().copied().unwrap_or(0),
            rounds.iter().sum::<usize>() as f64 / rounds.len().max(1) as f64,
        );
        assert!(
            over.is_empty(),
            "seed {seed} (replay with PAGE_COST_SEED={seed}): {} of {} pages over the bound: \
             {over:?}",
            over.len(),
            pages.len()
        );
    }

    /// Property: with a filter that keeps about one café in four (a brewing method only every
    /// fourth café of the city world offers), every page is still exactly the brute-force
    /// answer, and the entries it reads that pass the filter stay within 5 × `limit` +
    /// [`PAGE_OVERHEAD_ITEMS`]: a filtered page's budget counts matches, so its cost in entries
    /// read grows with how few cafés match (printed: entries read per match), not without
    /// bound. `PAGE_COST_SEED` and `PAGE_COST_CASES` work as for the unfiltered property (which
    /// draws 400 cases; this one 150).
    #[test]
    fn filtered_pages_read_a_bounded_number_of_matches() {
        let rare = Slug::parse("siphon").unwrap();
        let cafes: Vec<Cafe> = city_world(5, 6_000)
            .into_iter()
            .enumerate()
            .map(|(n, mut cafe)| {
                cafe.brewing_methods.retain(|m| *m != rare);
                // About every fourth café, by a hash of its number (the world picks a café's part of
                // the city by its number modulo 5, so a plain modulo would follow it).
                if (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 62 == 0 {
                    cafe.brewing_methods.push(rare.clone());
                }
                cafe
            })
            .collect();
        let matching = cafes
            .iter()
            .filter(|c| c.brewing_methods.contains(&rare))
            .count();
        assert!(
            (1_200..=1_800).contains(&matching),
            "about a quarter match: {matching}"
        );
        let store = loaded_store(&cafes);
        let (seed, cases) = seed_and_cases(150);
        let filter = NearbyFilter {
            brewing_method: Some(rare),
            ..NearbyFilter::default()
        };
        eprintln!(
            "filtered page cost: seed {seed} (PAGE_COST_SEED={seed} replays it), {cases} cases"
        );
        let pages = run_cases(&store, &cafes, seed, cases, &filter);
        assert!(pages.len() >= cases as usize, "every case reads a page");
        let (read, matched) = pages
            .iter()
            .fold((0, 0), |(r, m), p| (r + p.items_read, m + p.counted));
        eprintln!(
            "filtered page cost: {read} entries read for {matched} matches ({:.2} per match)",
            read as f64 / matched.max(1) as f64
        );
        assert!(matched > 0, "the filter matched nothing: {pages:?}");
        assert_bounded(seed, &pages);
    }

    /// Property: without filters, every page (the first three, following cursors) reads at
    /// most 5 × `limit` + [`PAGE_OVERHEAD_ITEMS`] index entries at radii up to 50 km, from
    /// centres where cafés are and from the sparse edge of the city (where the first rounds
    /// find nothing and a later one reaches the dense part); every page uses rounds of at
    /// most 9 Queries and is exactly the brute-force answer. Each run draws its cases from a
    /// new random seed, printed on failure (`PAGE_COST_SEED=N` replays one; `PAGE_COST_CASES=N`
    /// draws more cases than the default 400), after the fixed seeds that once found pages
    /// over the bound.
    #[test]
    fn items_read_per_page_are_bounded_by_the_page() {
        let cafes = city_world(5, 6_000);
        let store = loaded_store(&cafes);
        let (seed, cases) = seed_and_cases(400);
        for (seed, cases) in [(FIXED_SEED, FIXED_CASES), (seed, cases)] {
            eprintln!("page cost: seed {seed} (PAGE_COST_SEED={seed} replays it), {cases} cases");
            let pages = run_cases(&store, &cafes, seed, cases, &NearbyFilter::default());
            assert!(pages.len() >= cases as usize, "every case reads a page");
            assert_bounded(seed, &pages);
        }
    }
}
