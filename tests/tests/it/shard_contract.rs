//! Sharded café lists merged on read (issue 17, docs/capacity.md), on both adapters: every list
//! is spread over its hash shards, pages concatenate to exactly the brute-force order for every
//! sort and list (uneven and empty shards, cursors resumed mid-shard), a page reads about its
//! share of each shard, and a store written before sharding reads whole before, during and
//! after `xtask reindex` moves it.

use std::collections::BTreeMap;

use shared::domain::{Amenity, Cafe, CafeId, CountryCode, RatingSummary, Slug};
use shared::ports::{CafeReader, CatalogBatch, CatalogWriter, CityReader};
use shared::query::{CafeFilter, CafeQuery, CafeSort, PageLimit};
use shared::store::{Item, ItemTable, SortIndex, SortKeys, keys};
use tests::Rng;
use tests::counting::Counting;
use tests::fixtures::fixtures;

const SORTS: [CafeSort; 3] = [CafeSort::Name, CafeSort::Rating, CafeSort::Newest];

/// 48 cafés in three cities and one with two cafés (so its 4 shards include empty ones),
/// with clashing names and ratings (the ids break the ties).
fn cafes() -> Vec<Cafe> {
    let f = fixtures();
    let mut rng = Rng(1717);
    let cities = [("Oslo", "NO"), ("Tokyo", "JP"), ("Lisbon", "PT")];
    let histograms = [[0; 5], [0, 0, 1, 1, 0], [0, 0, 0, 2, 2], [0, 0, 0, 0, 3]];
    let template = f.cafes[0].clone();
    (0..48u128)
        .map(|n| {
            let mut cafe = template.clone();
            cafe.id = CafeId::from_entropy(17_000 + n);
            cafe.name = format!("Shard café {:02}", rng.next_u64() % 40);
            let (city, country) = if n < 2 {
                ("Bergen", "NO")
            } else {
                *rng.pick(&cities)
            };
            cafe.location.city = city.to_owned();
            cafe.location.country = CountryCode::parse(country).unwrap();
            cafe.amenities = if rng.unit() < 0.5 {
                vec![Amenity::Wifi]
            } else {
                Vec::new()
            };
            cafe.rating = RatingSummary::from_histogram(*rng.pick(&histograms));
            cafe.created_at =
                jiff::Timestamp::from_second(1_600_000_000 + (n as i64 % 30) * 3_600).unwrap();
            cafe
        })
        .collect()
}

fn sort_key(cafe: &Cafe, sort: CafeSort) -> String {
    let id = cafe.id.as_str();
    match sort {
        CafeSort::Name => keys::by_name(&cafe.name, id),
        CafeSort::Rating => keys::by_rating(
            cafe.rating.average.unwrap_or(0.0),
            cafe.rating.count,
            &cafe.name,
            id,
        ),
        CafeSort::Newest => keys::by_newest(cafe.created_at, id),
    }
}

/// The brute-force answer: every café of the filter, sorted by the list's sort key.
fn expected(cafes: &[Cafe], filter: &CafeFilter, sort: CafeSort) -> Vec<String> {
    let mut hits: Vec<(String, String)> = cafes
        .iter()
        .filter(|c| keys::cafe_matches(filter, &c.summary()))
        .map(|c| (sort_key(c, sort), c.id.to_string()))
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, id)| id).collect()
}

/// Every page of the list with page size `limit`, as ids; each page but the last is full.
async fn paged<S: CafeReader>(
    store: &S,
    filter: &CafeFilter,
    sort: CafeSort,
    limit: u32,
) -> Vec<String> {
    let mut query = CafeQuery {
        filter: filter.clone(),
        sort,
        limit: PageLimit::new(limit).unwrap(),
        ..CafeQuery::default()
    };
    let mut ids = Vec::new();
    for _ in 0..200 {
        let page = store.list_cafes(&query).await.unwrap();
        if page.next.is_some() {
            assert_eq!(
                page.items.len(),
                limit as usize,
                "a page followed by another is full"
            );
        }
        ids.extend(page.items.into_iter().map(|c| c.id.to_string()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return ids,
        }
    }
    panic!("pagination does not end");
}

/// The lists the tests page through: everything, a big city, the two-café city, a country, an
/// amenity.
fn filters() -> Vec<CafeFilter> {
    let slug = |s: &str| Slug::parse(s).unwrap();
    vec![
        CafeFilter::default(),
        CafeFilter {
            city: Some(slug("oslo")),
            ..CafeFilter::default()
        },
        CafeFilter {
            city: Some(slug("bergen")),
            ..CafeFilter::default()
        },
        CafeFilter {
            country: Some(CountryCode::parse("NO").unwrap()),
            ..CafeFilter::default()
        },
        CafeFilter {
            amenities: vec![Amenity::Wifi],
            ..CafeFilter::default()
        },
    ]
}

/// Pages through each of `filters` in every order with each page size of `limits`, against
/// the brute-force answer. (Each page is 9 Queries; moto answers each by walking the table, so
/// the suite keeps the pages few.)
async fn assert_lists_read_exactly<S: CafeReader>(
    store: &S,
    cafes: &[Cafe],
    filters: &[CafeFilter],
    limits: &[u32],
) {
    for filter in filters {
        for sort in SORTS {
            let want = expected(cafes, filter, sort);
            assert!(!want.is_empty(), "{filter:?}");
            for &limit in limits {
                assert_eq!(
                    paged(store, filter, sort, limit).await,
                    want,
                    "{filter:?} {sort:?} limit {limit}"
                );
            }
        }
    }
}

async fn loaded<S: CatalogWriter>(store: S) -> (S, Vec<Cafe>) {
    let f = fixtures();
    let cafes = cafes();
    store
        .import(&CatalogBatch {
            cafes: &cafes,
            roasters: &f.roasters,
            ..CatalogBatch::default()
        })
        .await
        .unwrap();
    (store, cafes)
}

/// Every entry is in its hash shard and nowhere else; shards are uneven and some are empty;
/// pages concatenate to the brute-force order in every sort, for page sizes that end pages
/// in the middle of every shard.
async fn sharded_lists_merge_to_the_brute_force_order<S: ItemTable + CatalogWriter + CafeReader>(
    store: S,
) {
    let (store, cafes) = loaded(store).await;
    let mut sizes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for dim in [
        keys::ALL.to_owned(),
        keys::city_dim(&Slug::parse("bergen").unwrap()),
    ] {
        let shards = keys::cafe_list_shards(&dim);
        assert!(shards > 1, "{dim}");
        for k in 0..shards {
            let lpk = keys::cafe_list_shard_lpk(&dim, k);
            let docs = store
                .query_index(SortIndex::ByName, &lpk, None, 1_000)
                .await
                .unwrap();
            let mut held: Vec<String> = docs.iter().map(|d| d.key.pk.clone()).collect();
            held.sort();
            let mut want: Vec<String> = cafes
                .iter()
                .filter(|c| keys::cafe_dims(&c.summary()).contains(&dim))
                .filter(|c| keys::list_shard(c.id.as_str(), shards) == k)
                .map(|c| keys::cafe_pk(&c.id))
                .collect();
            want.sort();
            assert_eq!(held, want, "{lpk}");
            sizes.entry(dim.clone()).or_default().push(held.len());
        }
        let unsharded = store
            .query_index(SortIndex::ByName, &keys::cafes_lpk(&dim), None, 10)
            .await
            .unwrap();
        assert!(unsharded.is_empty(), "nothing is written unsharded");
    }
    let all = &sizes[keys::ALL];
    assert!(all.iter().min() < all.iter().max(), "uneven: {all:?}");
    assert!(
        sizes.values().flatten().any(|&n| n == 0),
        "an empty shard: {sizes:?}"
    );
    // Pages of 7 end in the middle of shards (6 cafés each on average in `ALL`, fewer in the
    // others); a page of 100 holds every café.
    assert_lists_read_exactly(&store, &cafes, &filters(), &[7]).await;
    assert_lists_read_exactly(&store, &cafes, &filters()[..2], &[2, 100]).await;
}

/// A page reads about its share of each shard, not a page from each: for `limit` 20 over the
/// 8 shards of `CAFES#ALL` (48 cafés), at most 8 + 16 items from any shard (the first chunk
/// and, rarely, one more), one round of Queries on most pages, never more than two.
async fn a_page_reads_its_share_of_each_shard<S: ItemTable + CatalogWriter + CafeReader>(store: S) {
    let (store, cafes) = loaded(store).await;
    let counted = Counting::new(store);
    let sources = keys::cafe_list_sources(keys::ALL);
    let mut query = CafeQuery {
        limit: PageLimit::new(20).unwrap(),
        ..CafeQuery::default()
    };
    let mut ids = Vec::new();
    let mut one_round = 0;
    let mut pages = 0;
    loop {
        let page = counted.list_cafes(&query).await.unwrap();
        let tally = counted.take();
        pages += 1;
        let queries = tally.calls.get("Query").copied().unwrap_or(0);
        assert!(
            queries >= sources.len() && queries <= 2 * sources.len(),
            "{tally:?}"
        );
        one_round += usize::from(queries == sources.len());
        for (lpk, read) in &tally.read_from {
            assert!(sources.contains(lpk), "{lpk}");
            assert!(*read <= 8 + 16, "{lpk}: {read} items for a page of 20");
        }
        let total: usize = tally.read_from.values().sum();
        assert!(total <= 8 * 8 + 16, "{total} items for a page of 20");
        ids.extend(page.items.into_iter().map(|c| c.id.to_string()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        ids,
        expected(&cafes, &CafeFilter::default(), CafeSort::Name)
    );
    assert!(
        one_round * 2 >= pages,
        "{one_round} of {pages} pages in one round"
    );
}

/// The list layout before sharding: every list entry of `cafe` moved back to its unsharded
/// partition `CAFES#<dim>` (what an older release wrote).
async fn unshard<S: ItemTable>(store: &S, cafe: &Cafe) {
    let pk = keys::cafe_pk(&cafe.id);
    let entries = store.query_prefix(&pk, &keys::list_sk("")).await.unwrap();
    assert!(!entries.is_empty());
    let sort = SortKeys::one(SortIndex::ByName, sort_key(cafe, CafeSort::Name))
        .with(SortIndex::ByRating, sort_key(cafe, CafeSort::Rating))
        .with(SortIndex::ByNewest, sort_key(cafe, CafeSort::Newest));
    let items = entries
        .into_iter()
        .map(|e| {
            let dim = e.sk.strip_prefix(&keys::list_sk("")).unwrap().to_owned();
            Item {
                lpk: Some(keys::cafes_lpk(&dim)),
                sort: sort.clone(),
                ..Item::plain(pk.clone(), e.sk, e.doc.unwrap())
            }
        })
        .collect();
    store.put_items(items).await.unwrap();
}

/// A store written before sharding (every entry unsharded), then one half-moved (as a reindex
/// in progress leaves it), reads whole in every list and order; the reindex moves everything,
/// says so, and the lists still read whole, with the city counts unchanged.
async fn an_unsharded_store_reads_whole_while_reindex_moves_it<
    S: ItemTable + CatalogWriter + CafeReader + CityReader,
>(
    store: S,
) {
    // Readers merge the unsharded partition while the migration lasts.
    assert!(keys::cafe_list_sources(keys::ALL).contains(&keys::cafes_lpk(keys::ALL)));
    let (store, cafes) = loaded(store).await;
    let cities = store.list_cities().await.unwrap();
    for cafe in &cafes {
        unshard(&store, cafe).await;
    }
    assert!(
        shared::maintenance::unsharded_cafe_lists_remain(&store)
            .await
            .unwrap()
    );
    let lists = &filters()[..3];
    assert_lists_read_exactly(&store, &cafes, lists, &[7]).await;
    // Half moved, as a reindex that stopped halfway leaves it.
    for cafe in cafes.iter().step_by(2) {
        store.put_cafe(cafe).await.unwrap();
    }
    assert_lists_read_exactly(&store, &cafes, lists, &[5]).await;
    assert_eq!(
        store.list_cities().await.unwrap(),
        cities,
        "counts read both layouts"
    );

    let report = shared::maintenance::rewrite_catalog(&store).await.unwrap();
    assert_eq!(report.cafes, cafes.len());
    assert!(!report.unsharded_left);
    for dim in [
        keys::ALL.to_owned(),
        keys::city_dim(&Slug::parse("oslo").unwrap()),
    ] {
        let left = store
            .query_index(SortIndex::ByName, &keys::cafes_lpk(&dim), None, 10)
            .await
            .unwrap();
        assert!(left.is_empty(), "{dim} still holds unsharded entries");
    }
    assert_lists_read_exactly(&store, &cafes, lists, &[7]).await;
    assert_eq!(store.list_cities().await.unwrap(), cities);
}

tests::contract_suite!(
    sharded_lists_merge_to_the_brute_force_order,
    a_page_reads_its_share_of_each_shard,
    an_unsharded_store_reads_whole_while_reindex_moves_it,
);
