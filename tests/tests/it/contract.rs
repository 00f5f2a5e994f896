//! One contract suite per store port, run against every adapter: the embedded SQLite store and
//! the DynamoDB adapter talking HTTP to moto's server (`make test` starts it; these tests fail,
//! never skip, without it). Test names say which adapter ran: `embedded::…` and
//! `dynamodb_over_http_moto::…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use shared::domain::{
    Amenity, ArtisanId, Cafe, CafeId, City, CountryCode, CoverPhoto, LocalTime, OpeningHours,
    OpeningPeriod, PhotoId, PriceLevel, RatingSummary, Rendition, RoasterId, Slug, TimeZoneName,
    Weekday,
};
use shared::ports::{
    ArtisanReader, BrewingMethodReader, CafeReader, CatalogBatch, CatalogWriter, CityReader,
    CoverChange, CoverWriter, RoasterReader,
};
use shared::query::{CafeFilter, CafeQuery, CafeSort, PageLimit, RoasterQuery};
use shared::search::SearchText;
use shared::store::keys;
use shared::store::search_index::cafe_rank;
use tests::Rng;
use tests::fixtures::{Fixtures, fixtures, load};

/// Every capability, as both adapters provide it.
trait Store:
    CafeReader
    + RoasterReader
    + ArtisanReader
    + BrewingMethodReader
    + CatalogWriter
    + CityReader
    + CoverWriter
{
}
impl<
    T: CafeReader
        + RoasterReader
        + ArtisanReader
        + BrewingMethodReader
        + CatalogWriter
        + CityReader
        + CoverWriter,
> Store for T
{
}

async fn loaded<S: Store>(store: S) -> (S, Fixtures) {
    let f = fixtures();
    load(&store, &f).await;
    (store, f)
}

/// Reads every page with page size `limit`, asserting no page is empty unless it is the only one.
async fn all_names<S: CafeReader>(
    store: &S,
    filter: CafeFilter,
    sort: CafeSort,
    limit: u32,
) -> Vec<String> {
    let mut names = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let query = CafeQuery {
            filter: filter.clone(),
            search: None,
            sort,
            limit: PageLimit::new(limit).unwrap(),
            after: after.take(),
        };
        let page = store.list_cafes(&query).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= limit as usize, "page larger than limit");
        if page.next.is_some() {
            assert_eq!(
                page.items.len(),
                limit as usize,
                "a page followed by another is full"
            );
        }
        names.extend(page.items.into_iter().map(|c| c.name));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages < 100, "pagination does not terminate");
    }
    names
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

async fn gets_cafes_by_id<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    for cafe in &f.cafes {
        assert_eq!(store.get_cafe(&cafe.id).await.unwrap().as_ref(), Some(cafe));
    }
    assert_eq!(
        store.get_cafe(&CafeId::from_entropy(999)).await.unwrap(),
        None
    );
}

async fn lists_cafes_in_each_order_across_pages<S: Store>(store: S) {
    let (store, _) = loaded(store).await;
    let by_name = [
        "Árvore",
        "Bica Nova",
        "cafe Fjord",
        "Dock Street",
        "Elm & Ember",
    ];
    let by_rating = [
        "cafe Fjord",
        "Elm & Ember",
        "Árvore",
        "Bica Nova",
        "Dock Street",
    ];
    let by_newest = [
        "Dock Street",
        "Bica Nova",
        "Elm & Ember",
        "Árvore",
        "cafe Fjord",
    ];
    for limit in [1, 2, 3, 5, 100] {
        let f = CafeFilter::default();
        assert_eq!(
            all_names(&store, f.clone(), CafeSort::Name, limit).await,
            by_name,
            "name, limit {limit}"
        );
        assert_eq!(
            all_names(&store, f.clone(), CafeSort::Rating, limit).await,
            by_rating,
            "rating, limit {limit}"
        );
        assert_eq!(
            all_names(&store, f, CafeSort::Newest, limit).await,
            by_newest,
            "newest, limit {limit}"
        );
    }
}

async fn filters_cafes_alone_and_combined<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let kiln = f.roasters[0].id.clone();
    let cases: Vec<(CafeFilter, Vec<&str>)> = vec![
        (
            CafeFilter {
                city: Some(slug("sao-paulo")),
                ..Default::default()
            },
            vec!["Árvore", "Elm & Ember"],
        ),
        (
            CafeFilter {
                country: Some(CountryCode::parse("no").unwrap()),
                ..Default::default()
            },
            vec!["cafe Fjord", "Dock Street"],
        ),
        (
            CafeFilter {
                brewing_method: Some(slug("v60")),
                ..Default::default()
            },
            vec!["Árvore", "cafe Fjord", "Elm & Ember"],
        ),
        (
            CafeFilter {
                roaster: Some(kiln.clone()),
                ..Default::default()
            },
            vec!["Árvore", "Bica Nova", "Dock Street"],
        ),
        (
            CafeFilter {
                amenities: vec![Amenity::Wifi],
                ..Default::default()
            },
            vec!["Árvore", "Bica Nova", "Dock Street"],
        ),
        (
            CafeFilter {
                amenities: vec![Amenity::BikeParking],
                ..Default::default()
            },
            vec![],
        ),
        (
            CafeFilter {
                city: Some(slug("oslo")),
                roaster: Some(kiln.clone()),
                ..Default::default()
            },
            vec!["Dock Street"],
        ),
        (
            CafeFilter {
                brewing_method: Some(slug("v60")),
                amenities: vec![Amenity::OutdoorSeating],
                ..Default::default()
            },
            vec!["Elm & Ember"],
        ),
        (
            CafeFilter {
                country: Some(CountryCode::parse("BR").unwrap()),
                brewing_method: Some(slug("espresso")),
                roaster: Some(kiln),
                ..Default::default()
            },
            vec!["Árvore"],
        ),
        (
            CafeFilter {
                city: Some(slug("tokyo")),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        for limit in [1, 2, 20] {
            assert_eq!(
                all_names(&store, filter.clone(), CafeSort::Name, limit).await,
                expected,
                "{filter:?} limit {limit}"
            );
        }
    }
}

async fn replacing_a_cafe_moves_it_between_lists<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let mut moved = f.cafes[2].clone(); // cafe Fjord, Oslo
    moved.location.city = "Bergen".to_owned();
    moved.brewing_methods = vec![slug("chemex")];
    store.put_cafe(&moved).await.unwrap();
    let oslo = CafeFilter {
        city: Some(slug("oslo")),
        ..Default::default()
    };
    let bergen = CafeFilter {
        city: Some(slug("bergen")),
        ..Default::default()
    };
    let v60 = CafeFilter {
        brewing_method: Some(slug("v60")),
        ..Default::default()
    };
    assert_eq!(
        all_names(&store, oslo, CafeSort::Name, 10).await,
        vec!["Dock Street"]
    );
    assert_eq!(
        all_names(&store, bergen, CafeSort::Name, 10).await,
        vec!["cafe Fjord"]
    );
    assert_eq!(
        all_names(&store, v60, CafeSort::Name, 10).await,
        vec!["Árvore", "Elm & Ember"]
    );
    assert_eq!(
        all_names(&store, CafeFilter::default(), CafeSort::Name, 10)
            .await
            .len(),
        5,
        "no duplicates"
    );
    assert_eq!(store.get_cafe(&moved.id).await.unwrap(), Some(moved));
}

async fn lists_and_gets_roasters<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let page = store.list_roasters(&RoasterQuery::default()).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["Kiln", "Nordlys", "Torra"]);
    assert_eq!(page.next, None);

    let first = store
        .list_roasters(&RoasterQuery {
            limit: PageLimit::new(2).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = store
        .list_roasters(&RoasterQuery {
            limit: PageLimit::new(2).unwrap(),
            after: first.next,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        rest.items
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Torra"]
    );
    assert_eq!(rest.next, None);

    let norway = store
        .list_roasters(&RoasterQuery {
            country: Some(CountryCode::parse("NO").unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(norway.items, vec![f.roasters[1].clone()]);

    assert_eq!(
        store.get_roaster(&f.roasters[0].id).await.unwrap().as_ref(),
        Some(&f.roasters[0])
    );
    assert_eq!(
        store
            .get_roaster(&RoasterId::from_entropy(5))
            .await
            .unwrap(),
        None
    );

    let kiln_cafes = store
        .roaster_cafes(&f.roasters[0].id, PageLimit::new(2).unwrap())
        .await
        .unwrap();
    assert_eq!(
        kiln_cafes
            .items
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Árvore", "Bica Nova"]
    );
    assert!(kiln_cafes.next.is_some(), "Kiln supplies a third café");
}

async fn gets_artisans<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    for artisan in &f.artisans {
        assert_eq!(
            store.get_artisan(&artisan.id).await.unwrap().as_ref(),
            Some(artisan)
        );
    }
    assert_eq!(
        store
            .get_artisan(&ArtisanId::from_entropy(1))
            .await
            .unwrap(),
        None
    );
}

async fn lists_and_gets_brewing_methods<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let names: Vec<String> = store
        .list_brewing_methods()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, vec!["AeroPress", "Chemex", "Espresso", "V60"]);
    assert_eq!(
        store
            .get_brewing_method(&slug("v60"))
            .await
            .unwrap()
            .as_ref(),
        Some(&f.methods[0])
    );
    assert_eq!(
        store.get_brewing_method(&slug("siphon")).await.unwrap(),
        None
    );
}

async fn bulk_import_reads_like_entity_by_entity_writes<S: Store>(store: S) {
    let f = fixtures();
    store
        .import(&CatalogBatch {
            cafes: &f.cafes,
            roasters: &f.roasters,
            artisans: &f.artisans,
            brewing_methods: &f.methods,
        })
        .await
        .unwrap();
    let by_rating = [
        "cafe Fjord",
        "Elm & Ember",
        "Árvore",
        "Bica Nova",
        "Dock Street",
    ];
    assert_eq!(
        all_names(&store, CafeFilter::default(), CafeSort::Rating, 2).await,
        by_rating
    );
    let oslo = CafeFilter {
        city: Some(slug("oslo")),
        ..Default::default()
    };
    assert_eq!(
        all_names(&store, oslo, CafeSort::Name, 1).await,
        vec!["cafe Fjord", "Dock Street"]
    );
    assert_eq!(
        store.get_cafe(&f.cafes[0].id).await.unwrap().as_ref(),
        Some(&f.cafes[0])
    );
    assert_eq!(
        store.get_artisan(&f.artisans[0].id).await.unwrap().as_ref(),
        Some(&f.artisans[0])
    );
    assert_eq!(store.list_brewing_methods().await.unwrap().len(), 4);
    assert_eq!(
        store
            .list_roasters(&RoasterQuery::default())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
}

/// Zones either side of the date line, south and north, with and without daylight saving.
const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Oslo",
    "America/Sao_Paulo",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Pacific/Auckland",
];

fn time(raw: &str) -> LocalTime {
    LocalTime::parse(raw).unwrap()
}

fn instant(raw: &str) -> Timestamp {
    raw.parse().unwrap()
}

/// Daytime, overnight (past midnight into the next day) and round-the-clock periods.
fn varied_hours(rng: &mut Rng) -> OpeningHours {
    let shapes = [
        ("07:00", "17:00"),
        ("18:00", "02:00"),
        ("22:00", "06:00"),
        ("09:00", "09:00"),
        ("11:30", "23:30"),
    ];
    tests::random_hours(rng, &ZONES, &shapes, 0.7)
}

/// Sixty cafés with random cities, roasters, methods, amenities, price levels, ratings (some
/// unreviewed) and hours in several zones, from the fixture template.
fn varied_cafes(f: &Fixtures) -> Vec<Cafe> {
    let mut rng = Rng(2027);
    let cities = [
        ("Oslo", "NO"),
        ("Tokyo", "JP"),
        ("São Paulo", "BR"),
        ("Lisbon", "PT"),
    ];
    let methods = ["v60", "espresso", "aeropress", "chemex"];
    let histograms = [
        [0; 5],
        [0, 0, 1, 1, 0],
        [0, 0, 0, 2, 2],
        [0, 0, 0, 0, 3],
        [1, 0, 0, 0, 0],
        [0, 0, 0, 1, 1],
    ];
    let template = f.cafes[0].clone();
    (0..60u128)
        .map(|n| {
            let mut cafe = template.clone();
            cafe.id = CafeId::from_entropy(5_000 + n);
            cafe.name = format!("Filter café {n:02}");
            let (city, country) = *rng.pick(&cities);
            cafe.location.city = city.to_owned();
            cafe.location.country = CountryCode::parse(country).unwrap();
            cafe.brewing_methods = methods
                .iter()
                .filter(|_| rng.unit() < 0.5)
                .map(|m| slug(m))
                .collect();
            let roaster = rng.pick(&f.roasters);
            cafe.beans[0].roaster.id = roaster.id.clone();
            cafe.beans[0].roaster.name = roaster.name.clone();
            cafe.amenities = Amenity::ALL
                .into_iter()
                .take(5)
                .filter(|_| rng.unit() < 0.45)
                .collect();
            cafe.price_level = PriceLevel::new(1 + (rng.next_u64() % 4) as u8).unwrap();
            cafe.rating = RatingSummary::from_histogram(*rng.pick(&histograms));
            cafe.hours = varied_hours(&mut rng);
            cafe.created_at = instant("2020-01-01T00:00:00Z")
                + jiff::SignedDuration::from_hours(i64::try_from(n).unwrap() * 97);
            cafe
        })
        .collect()
}

async fn lists_artisans_by_name_across_pages<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let mut names = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_artisans(PageLimit::new(2).unwrap(), after.take())
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        names.extend(page.items.into_iter().map(|a| a.name));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<String> = f.artisans.iter().map(|a| a.name.clone()).collect();
    expected.sort_by_key(|n| shared::store::keys::name_key(n));
    assert_eq!(names, expected);
}

fn cities(list: &[City]) -> Vec<(String, String, &str, u32)> {
    list.iter()
        .map(|c| {
            (
                c.name.clone(),
                c.slug.to_string(),
                c.country.as_str(),
                c.cafe_count,
            )
        })
        .collect()
}

/// The brute-force answer: every condition written out again, independently of the store.
fn oracle(filter: &CafeFilter, cafe: &Cafe) -> bool {
    filter
        .city
        .as_ref()
        .is_none_or(|c| Slug::from_text(&cafe.location.city).unwrap() == *c)
        && filter.country.is_none_or(|c| cafe.location.country == c)
        && filter
            .brewing_method
            .as_ref()
            .is_none_or(|m| cafe.brewing_methods.contains(m))
        && filter
            .roaster
            .as_ref()
            .is_none_or(|r| cafe.beans.iter().any(|b| b.roaster.id == *r))
        && filter.amenities.iter().all(|a| cafe.amenities.contains(a))
        && (filter.price_levels.is_empty() || filter.price_levels.contains(&cafe.price_level))
        && filter.min_rating.is_none_or(|min| {
            if cafe.rating.count == 0 {
                min == 0.0
            } else {
                cafe.rating.average.is_some_and(|average| average >= min)
            }
        })
        && filter.open_at.is_none_or(|at| cafe.hours.is_open_at(at))
}

fn expected_ids(cafes: &[Cafe], filter: &CafeFilter, sort: CafeSort) -> Vec<String> {
    let mut hits: Vec<(String, String)> = cafes
        .iter()
        .filter(|c| oracle(filter, c))
        .map(|c| {
            let id = c.id.as_str();
            let key = match sort {
                CafeSort::Name => keys::by_name(&c.name, id),
                CafeSort::Rating => {
                    keys::by_rating(c.rating.average.unwrap_or(0.0), c.rating.count, &c.name, id)
                }
                CafeSort::Newest => keys::by_newest(c.created_at, id),
            };
            (key, c.id.to_string())
        })
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, id)| id).collect()
}

/// Every page of `query` with page size `limit`, as ids, checking each page's shape.
async fn all_ids<S: CafeReader>(store: &S, mut query: CafeQuery, limit: u32) -> Vec<String> {
    query.limit = PageLimit::new(limit).unwrap();
    let mut ids = Vec::new();
    for _ in 0..200 {
        let page = store.list_cafes(&query).await.unwrap();
        assert!(page.items.len() <= limit as usize, "page larger than limit");
        ids.extend(page.items.into_iter().map(|c| c.id.to_string()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return ids,
        }
    }
    panic!("pagination does not terminate");
}

/// Filter sets combining the new filters with each other and with the old ones.
fn new_filter_sets(f: &Fixtures) -> Vec<CafeFilter> {
    let instants = [
        // Monday 08:30 in Oslo, 16:30 in Tokyo, Sunday 23:30 in Los Angeles.
        instant("2026-11-23T07:30:00Z"),
        // Saturday 01:30 in Oslo (overnight periods from Friday), 21:30 Friday in São Paulo.
        instant("2026-11-28T00:30:00Z"),
        // Monday 03:00 in Auckland, Sunday 15:00 in Oslo.
        instant("2026-11-22T14:00:00Z"),
        // 02:30 twice in Oslo: its clocks go back from 03:00 to 02:00 at 01:00Z.
        instant("2026-10-25T00:30:00Z"),
        instant("2026-10-25T01:30:00Z"),
    ];
    let amenity_sets: [&[Amenity]; 4] = [
        &[],
        &[Amenity::Wifi],
        &[Amenity::OutdoorSeating, Amenity::Wifi],
        &[
            Amenity::Wifi,
            Amenity::PowerOutlets,
            Amenity::OutdoorSeating,
        ],
    ];
    let price_sets: [&[u8]; 3] = [&[], &[2], &[1, 4]];
    let ratings = [None, Some(0.0), Some(3.5), Some(4.5)];
    let mut out = Vec::new();
    let mut n = 0usize;
    for amenities in amenity_sets {
        for prices in price_sets {
            for min_rating in ratings {
                n += 1;
                let open_at = (!n.is_multiple_of(3)).then(|| instants[n % instants.len()]);
                out.push(
                    CafeFilter {
                        amenities: amenities.to_vec(),
                        price_levels: prices
                            .iter()
                            .map(|p| PriceLevel::new(*p).unwrap())
                            .collect(),
                        min_rating,
                        open_at,
                        ..CafeFilter::default()
                    }
                    .canonical(),
                );
            }
        }
    }
    // Each new filter alone, and with the old dimensions choosing the partition.
    for at in instants {
        out.push(CafeFilter {
            open_at: Some(at),
            ..CafeFilter::default()
        });
    }
    out.push(CafeFilter {
        city: Some(slug("oslo")),
        amenities: vec![Amenity::Wifi],
        open_at: Some(instants[0]),
        ..CafeFilter::default()
    });
    out.push(CafeFilter {
        country: Some(CountryCode::parse("JP").unwrap()),
        price_levels: vec![PriceLevel::new(3).unwrap()],
        min_rating: Some(4.0),
        ..CafeFilter::default()
    });
    out.push(CafeFilter {
        brewing_method: Some(slug("v60")),
        amenities: vec![Amenity::Wifi, Amenity::OutdoorSeating],
        open_at: Some(instants[1]),
        ..CafeFilter::default()
    });
    out.push(CafeFilter {
        roaster: Some(f.roasters[1].id.clone()),
        min_rating: Some(4.5),
        price_levels: vec![PriceLevel::new(1).unwrap(), PriceLevel::new(2).unwrap()],
        ..CafeFilter::default()
    });
    out
}

/// The store holding the fixture roasters and [`varied_cafes`].
async fn loaded_varied<S: Store>(store: S) -> (S, Fixtures, Vec<Cafe>) {
    let f = fixtures();
    let cafes = varied_cafes(&f);
    store
        .import(&CatalogBatch {
            cafes: &cafes,
            roasters: &f.roasters,
            ..CatalogBatch::default()
        })
        .await
        .unwrap();
    (store, f, cafes)
}

async fn new_filters_match_brute_force_across_pages<S: Store>(store: S) {
    let (store, f, cafes) = loaded_varied(store).await;
    let sorts = [CafeSort::Name, CafeSort::Rating, CafeSort::Newest];
    let mut non_empty = 0;
    for (n, filter) in new_filter_sets(&f).into_iter().enumerate() {
        let sort = sorts[n % sorts.len()];
        let expected = expected_ids(&cafes, &filter, sort);
        non_empty += usize::from(!expected.is_empty());
        for limit in [1, 3, 20] {
            let query = CafeQuery {
                filter: filter.clone(),
                sort,
                ..CafeQuery::default()
            };
            assert_eq!(
                all_ids(&store, query, limit).await,
                expected,
                "{filter:?} {sort:?} limit {limit}"
            );
        }
    }
    assert!(
        non_empty >= 30,
        "only {non_empty} filter sets matched anything"
    );
}

async fn new_filters_combine_with_search<S: Store>(store: S) {
    let (store, f, cafes) = loaded_varied(store).await;
    for (q, filter) in ["filter", "café oslo", "filt tokyo"]
        .into_iter()
        .cycle()
        .zip(new_filter_sets(&f))
    {
        let text = SearchText::parse(q).unwrap();
        let mut expected: Vec<(String, String)> = cafes
            .iter()
            .filter(|c| oracle(&filter, c))
            .filter_map(|c| {
                let rank = cafe_rank(&text, &CafeFilter::default(), &c.summary())?;
                Some((rank, c.id.to_string()))
            })
            .collect();
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
        for limit in [1, 3, 20] {
            let query = CafeQuery {
                filter: filter.clone(),
                search: Some(text.clone()),
                ..CafeQuery::default()
            };
            assert_eq!(
                all_ids(&store, query, limit).await,
                expected,
                "q={q} {filter:?} limit {limit}"
            );
        }
    }
}

/// `openNow` by hand, in zones where the instant falls on another local day: an overnight
/// period belongs to the day it starts on.
async fn open_now_is_judged_in_each_cafes_zone<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let hours = |zone: &str, day: Weekday, opens: &str, closes: &str| OpeningHours {
        time_zone: TimeZoneName::parse(zone).unwrap(),
        periods: vec![OpeningPeriod {
            day,
            opens: time(opens),
            closes: time(closes),
        }],
    };
    let mut tokyo_night = f.cafes[0].clone(); // Árvore
    tokyo_night.hours = hours("Asia/Tokyo", Weekday::Mon, "22:00", "02:00");
    let mut la_morning = f.cafes[1].clone(); // Bica Nova
    la_morning.hours = hours("America/Los_Angeles", Weekday::Mon, "07:00", "12:00");
    let mut oslo_day = f.cafes[2].clone(); // cafe Fjord
    oslo_day.hours = hours("Europe/Oslo", Weekday::Mon, "08:00", "16:00");
    for cafe in [&tokyo_night, &la_morning, &oslo_day] {
        store.put_cafe(cafe).await.unwrap();
    }
    let open_at = |at: &str| CafeFilter {
        open_at: Some(instant(at)),
        ..CafeFilter::default()
    };
    let cases = [
        // Tuesday 01:30 in Tokyo (Monday's overnight period), Monday 17:30 in Oslo, 08:30 in LA.
        ("2026-11-23T16:30:00Z", vec!["Árvore", "Bica Nova"]),
        // Monday 23:00 in Tokyo, 15:00 in Oslo, 06:00 in LA (not yet open).
        // The fixture cafés open Monday 08:00–16:00 UTC.
        (
            "2026-11-23T14:00:00Z",
            vec!["Árvore", "cafe Fjord", "Dock Street", "Elm & Ember"],
        ),
        // Tuesday 02:00 in Tokyo: closing time is exclusive.
        ("2026-11-23T17:00:00Z", vec!["Bica Nova"]),
        // Monday 01:00 in Tokyo: Sunday had no period.
        ("2026-11-22T16:00:00Z", vec![]),
    ];
    for (at, expected) in cases {
        for limit in [1, 20] {
            assert_eq!(
                all_names(&store, open_at(at), CafeSort::Name, limit).await,
                expected,
                "at {at}, limit {limit}"
            );
        }
    }
}

async fn city_counts_follow_cafe_writes<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let s = |v: &str| v.to_owned();
    let list = store.list_cities().await.unwrap();
    assert_eq!(
        cities(&list),
        vec![
            (s("Lisbon"), s("lisbon"), "PT", 1),
            (s("Oslo"), s("oslo"), "NO", 2),
            (s("São Paulo"), s("sao-paulo"), "BR", 2),
        ]
    );
    // Bica Nova moves from Lisbon to Oslo: Lisbon has no café left and disappears.
    let mut moved = f.cafes[1].clone();
    moved.location.city = "Oslo".to_owned();
    moved.location.country = CountryCode::parse("NO").unwrap();
    store.put_cafe(&moved).await.unwrap();
    let list = store.list_cities().await.unwrap();
    assert_eq!(
        cities(&list),
        vec![
            (s("Oslo"), s("oslo"), "NO", 3),
            (s("São Paulo"), s("sao-paulo"), "BR", 2),
        ]
    );
    // A rewrite of an unmoved café changes no count.
    store.put_cafe(&f.cafes[0]).await.unwrap();
    assert_eq!(store.list_cities().await.unwrap(), list);
    // The maintenance tally replaces the whole list.
    store
        .put_cities(&City::tally(f.cafes.iter().map(|c| &c.location)))
        .await
        .unwrap();
    assert_eq!(
        store
            .list_cities()
            .await
            .unwrap()
            .iter()
            .map(|c| (c.slug.to_string(), c.cafe_count))
            .collect::<Vec<_>>(),
        vec![(s("lisbon"), 1), (s("oslo"), 2), (s("sao-paulo"), 2)]
    );
}

async fn import_writes_the_city_and_artisan_lists<S: Store>(store: S) {
    let f = fixtures();
    store
        .import(&CatalogBatch {
            cafes: &f.cafes,
            roasters: &f.roasters,
            artisans: &f.artisans,
            brewing_methods: &f.methods,
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .list_cities()
            .await
            .unwrap()
            .iter()
            .map(|c| (c.slug.to_string(), c.cafe_count))
            .collect::<Vec<_>>(),
        vec![
            ("lisbon".to_owned(), 1),
            ("oslo".to_owned(), 2),
            ("sao-paulo".to_owned(), 2)
        ]
    );
    let artisans = store.list_artisans(PageLimit::max(), None).await.unwrap();
    assert_eq!(artisans.items.len(), f.artisans.len());
}

fn cover(n: u128, year: i16) -> CoverPhoto {
    CoverPhoto {
        photo_id: PhotoId::from_entropy(n),
        renditions: vec![Rendition {
            size: 320,
            width: 320,
            height: 240,
            format: "webp".to_owned(),
            url: format!("https://cdn.example/media/{n}.webp"),
        }],
        created_at: jiff::civil::date(year, 1, 1)
            .at(0, 0, 0, 0)
            .in_tz("UTC")
            .unwrap()
            .timestamp(),
    }
}

/// The cover as the profile and every list entry show it.
async fn shown_covers<S: Store>(store: &S, cafe: &shared::domain::Cafe) -> Vec<Option<PhotoId>> {
    let profile = store.get_cafe(&cafe.id).await.unwrap().unwrap();
    let mut shown = vec![profile.cover_photo.map(|c| c.photo_id)];
    let city = CafeFilter {
        city: Some(Slug::from_text(&cafe.location.city).unwrap()),
        ..Default::default()
    };
    for filter in [CafeFilter::default(), city] {
        let page = store
            .list_cafes(&CafeQuery {
                filter,
                limit: PageLimit::max(),
                ..Default::default()
            })
            .await
            .unwrap();
        let summary = page.items.into_iter().find(|c| c.id == cafe.id).unwrap();
        shown.push(summary.cover_photo.map(|c| c.photo_id));
    }
    shown
}

async fn the_newest_ready_photo_is_the_cover<S: Store>(store: S) {
    let (store, f) = loaded(store).await;
    let cafe = &f.cafes[0];
    let (old, new) = (cover(1, 2024), cover(2, 2025));
    let id = |c: &CoverPhoto| Some(c.photo_id.clone());
    assert_eq!(shown_covers(&store, cafe).await, vec![None, None, None]);

    assert_eq!(
        store.offer_cover(&cafe.id, &new).await.unwrap(),
        CoverChange::Changed
    );
    // The older photo finishes late: it never replaces the newer cover.
    assert_eq!(
        store.offer_cover(&cafe.id, &old).await.unwrap(),
        CoverChange::Unchanged
    );
    assert_eq!(shown_covers(&store, cafe).await, vec![id(&new); 3]);
    // Offering the same cover again (a redelivered message) changes nothing.
    assert_eq!(
        store.offer_cover(&cafe.id, &new).await.unwrap(),
        CoverChange::Unchanged
    );
    // A catalogue rewrite of the café (which carries no cover) keeps it.
    store.put_cafe(cafe).await.unwrap();
    assert_eq!(shown_covers(&store, cafe).await, vec![id(&new); 3]);

    // Withdrawing a photo that is not the cover changes nothing.
    assert_eq!(
        store
            .withdraw_cover(&cafe.id, &old.photo_id, None)
            .await
            .unwrap(),
        CoverChange::Unchanged
    );
    // Withdrawing the cover falls back to the next photo, then to none.
    assert_eq!(
        store
            .withdraw_cover(&cafe.id, &new.photo_id, Some(old.clone()))
            .await
            .unwrap(),
        CoverChange::Changed
    );
    assert_eq!(shown_covers(&store, cafe).await, vec![id(&old); 3]);
    store
        .withdraw_cover(&cafe.id, &old.photo_id, None)
        .await
        .unwrap();
    assert_eq!(shown_covers(&store, cafe).await, vec![None, None, None]);

    assert_eq!(
        store
            .offer_cover(&CafeId::from_entropy(999), &new)
            .await
            .unwrap(),
        CoverChange::NoCafe
    );
}

tests::contract_suite!(
    new_filters_match_brute_force_across_pages,
    new_filters_combine_with_search,
    open_now_is_judged_in_each_cafes_zone,
    lists_artisans_by_name_across_pages,
    city_counts_follow_cafe_writes,
    import_writes_the_city_and_artisan_lists,
    the_newest_ready_photo_is_the_cover,
    gets_cafes_by_id,
    lists_cafes_in_each_order_across_pages,
    filters_cafes_alone_and_combined,
    replacing_a_cafe_moves_it_between_lists,
    lists_and_gets_roasters,
    gets_artisans,
    lists_and_gets_brewing_methods,
    bulk_import_reads_like_entity_by_entity_writes,
);
