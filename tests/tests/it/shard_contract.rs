//! Sharded café lists merged on read (issue 17, docs/capacity.md), on both adapters: every list
//! is spread over its hash shards, pages concatenate to exactly the brute-force order for every
//! sort and list (uneven and empty shards, cursors resumed mid-shard), a page reads about its
//! share of each shard, and a store written before sharding reads whole before, during and
//! after `xtask reindex` moves it. The same for the partner sync list (`CAFES#UPDATED#S<k>`,
//! `CafeSync`): every page is checked against the brute-force order of the profiles read by key,
//! also while cafés are edited between pages and while profiles sit in the old partition.

use std::collections::BTreeMap;
use std::ops::Bound;

use jiff::Timestamp;
use shared::domain::{Amenity, Cafe, CafeId, CountryCode, RatingSummary, Slug};
use shared::ports::{CafeReader, CafeSync, CatalogBatch, CatalogWriter, CityReader};
use shared::query::{CafeFilter, CafeQuery, CafeSort, PageKey, PageLimit};
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
    loaded_first(store, usize::MAX).await
}

/// The first `n` of [`cafes`], imported together. (The sync tests use fewer: moto walks the
/// whole table for every Query.)
async fn loaded_first<S: CatalogWriter>(store: S, n: usize) -> (S, Vec<Cafe>) {
    let f = fixtures();
    let cafes: Vec<Cafe> = cafes().into_iter().take(n).collect();
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

// ---- The partner sync list ----

/// The brute-force sync order: each café's `SN` built from its profile's `updatedAt`, read by
/// key (never through an index), `SN` → id.
type SyncModel = BTreeMap<String, String>;

async fn stamp<S: ItemTable>(store: &S, id: &CafeId) -> String {
    let doc = store
        .get_doc(&keys::cafe_pk(id), keys::PROFILE_SK)
        .await
        .unwrap()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let at: Timestamp = doc["updatedAt"].as_str().unwrap().parse().unwrap();
    keys::by_updated(at, id.as_str())
}

async fn sync_model<S: ItemTable>(store: &S, cafes: &[Cafe]) -> SyncModel {
    let mut model = SyncModel::new();
    for cafe in cafes {
        model.insert(stamp(store, &cafe.id).await, cafe.id.to_string());
    }
    assert_eq!(model.len(), cafes.len());
    model
}

/// Re-reads `id`'s place after a change to it.
async fn restamp<S: ItemTable>(store: &S, model: &mut SyncModel, id: &CafeId) {
    model.retain(|_, v| v != id.as_str());
    model.insert(stamp(store, id).await, id.to_string());
}

/// Lets the clock move past the last change (stamps are to the millisecond).
async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
}

/// One sync page from `after` (or from `since`), checked against the model: exactly the next
/// `limit` cafés after the cursor in `SN` order, each with its `SN` as its key, and a cursor at
/// the last one exactly when more follow. Returns the ids and the cursor.
async fn sync_page_exact<S: CafeSync>(
    store: &S,
    model: &SyncModel,
    since: Timestamp,
    after: Option<&PageKey>,
    limit: u32,
) -> (Vec<String>, Option<PageKey>) {
    let page = store
        .cafes_changed_since(since, after, PageLimit::new(limit).unwrap())
        .await
        .unwrap();
    let floor = keys::updated_floor(since);
    let rest: Vec<(&String, &String)> = match after {
        Some(a) => model
            .range::<String, _>((Bound::Excluded(&a.sort), Bound::Unbounded))
            .collect(),
        None => model
            .range::<String, _>((Bound::Included(&floor), Bound::Unbounded))
            .collect(),
    };
    assert_eq!(page.items.len(), page.keys.len());
    let got: Vec<(String, String)> = page
        .keys
        .iter()
        .zip(&page.items)
        .map(|(k, c)| (k.sort.clone(), c.cafe.id.to_string()))
        .collect();
    let want: Vec<(String, String)> = rest
        .iter()
        .take(limit as usize)
        .map(|(sort, id)| ((*sort).clone(), (*id).clone()))
        .collect();
    assert_eq!(got, want, "after {:?}", after.map(|a| &a.sort));
    assert_eq!(page.next.is_some(), rest.len() > limit as usize);
    if let Some(next) = &page.next {
        assert_eq!(Some(&next.sort), want.last().map(|(sort, _)| sort));
    }
    let ids = page.items.iter().map(|c| c.cafe.id.to_string()).collect();
    (ids, page.next)
}

/// Every page from `since`, each checked by [`sync_page_exact`]; the ids in order.
async fn sync_all_exact<S: CafeSync>(
    store: &S,
    model: &SyncModel,
    since: Timestamp,
    limit: u32,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<PageKey> = None;
    for _ in 0..200 {
        let (page, next) = sync_page_exact(store, model, since, after.as_ref(), limit).await;
        ids.extend(page);
        match next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
    panic!("sync never ended");
}

/// The ids each sync shard holds, read straight from its partition.
async fn sync_shard_contents<S: ItemTable>(store: &S) -> Vec<Vec<String>> {
    let mut shards = Vec::new();
    for k in 0..keys::CAFE_SYNC_SHARDS {
        let docs = store
            .query_index(
                SortIndex::ByName,
                &keys::cafe_sync_shard_lpk(k),
                None,
                1_000,
            )
            .await
            .unwrap();
        shards.push(docs.iter().map(|d| d.key.pk.clone()).collect());
    }
    shards
}

/// Restamps `cafes` one by one (a catalogue write each), so stamps differ and interleave
/// across shards.
async fn edit_each<S: CatalogWriter>(store: &S, cafes: &[&Cafe]) {
    for cafe in cafes {
        let mut edited = (*cafe).clone();
        edited.tagline = format!("{} (edited)", edited.tagline);
        store.put_cafe(&edited).await.unwrap();
        tick().await;
    }
}

/// Every profile is in its hash shard of the sync list and nowhere else (uneven shards); pages
/// from any `since`, of sizes that end mid-shard, concatenate to exactly the brute-force order;
/// a page of 20 reads about its share of each shard.
async fn sync_shards_merge_to_the_brute_force_order<
    S: ItemTable + CatalogWriter + CafeReader + Clone,
>(
    store: S,
) {
    const { assert!(keys::CAFE_SYNC_SHARDS > 1) };
    let (store, cafes) = loaded_first(store, 24).await;
    // Imported together (one stamp); then two thirds edited, in a shuffled order.
    let mut order: Vec<&Cafe> = cafes.iter().collect();
    let mut rng = Rng(4242);
    for i in (1..order.len()).rev() {
        order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    order.truncate(cafes.len() * 2 / 3);
    tick().await;
    edit_each(&store, &order).await;
    let model = sync_model(&store, &cafes).await;

    let shards = sync_shard_contents(&store).await;
    for (k, held) in shards.iter().enumerate() {
        let mut held = held.clone();
        held.sort();
        let mut want: Vec<String> = cafes
            .iter()
            .filter(|c| keys::list_shard(c.id.as_str(), keys::CAFE_SYNC_SHARDS) == k as u32)
            .map(|c| keys::cafe_pk(&c.id))
            .collect();
        want.sort();
        assert_eq!(held, want, "shard {k}");
    }
    let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
    assert!(sizes.iter().min() < sizes.iter().max(), "uneven: {sizes:?}");
    let unsharded = store
        .query_index(SortIndex::ByName, &keys::cafes_updated_lpk(), None, 10)
        .await
        .unwrap();
    assert!(unsharded.is_empty(), "nothing is written unsharded");

    let whole = sync_all_exact(&store, &model, Timestamp::UNIX_EPOCH, 7).await;
    assert_eq!(whole.len(), cafes.len());
    assert_eq!(
        sync_all_exact(&store, &model, Timestamp::UNIX_EPOCH, 100).await,
        whole
    );
    // From a stamp near the end: a few cafés, so most shards hold none of the range.
    let late: Timestamp = {
        let (sort, _) = model.iter().rev().nth(4).unwrap();
        let micros: i64 = sort.split('#').next().unwrap().parse().unwrap();
        Timestamp::from_microsecond(micros).unwrap()
    };
    let tail = sync_all_exact(&store, &model, late, 2).await;
    assert!((5..cafes.len()).contains(&tail.len()), "{tail:?}");
    let shards_in_range: std::collections::BTreeSet<u32> = tail
        .iter()
        .map(|id| keys::list_shard(id, keys::CAFE_SYNC_SHARDS))
        .collect();
    assert!(shards_in_range.len() < keys::CAFE_SYNC_SHARDS as usize);
    let after_all =
        Timestamp::from_microsecond(model.keys().last().unwrap()[..16].parse::<i64>().unwrap() + 1)
            .unwrap();
    assert!(
        sync_all_exact(&store, &model, after_all, 5)
            .await
            .is_empty()
    );

    // What a page of 20 reads: about its share of each shard, one round on most pages.
    let counted = Counting::new(store.clone());
    let sources = keys::cafe_sync_sources();
    let mut after: Option<PageKey> = None;
    loop {
        let (_, next) =
            sync_page_exact(&counted, &model, Timestamp::UNIX_EPOCH, after.as_ref(), 20).await;
        let tally = counted.take();
        let queries = tally.calls.get("Query").copied().unwrap_or(0);
        assert!(
            queries >= sources.len() && queries <= 2 * sources.len(),
            "{tally:?}"
        );
        for (lpk, read) in &tally.read_from {
            assert!(sources.contains(lpk), "{lpk}");
            assert!(*read <= 8 + 16, "{lpk}: {read} profiles for a page of 20");
        }
        match next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
}

/// Cafés edited between pages (one already sent, the cursor's own, one not yet sent) move to
/// the end of the list; every page is still exactly the next entries after its cursor. On a
/// small catalogue, so some shards are empty partitions.
async fn sync_edits_while_paging_move_cafes_to_the_end<
    S: ItemTable + CatalogWriter + CafeReader + Clone,
>(
    store: S,
) {
    let (store, cafes) = loaded_first(store, 6).await;
    let sizes: Vec<usize> = sync_shard_contents(&store)
        .await
        .iter()
        .map(Vec::len)
        .collect();
    assert!(sizes.contains(&0), "an empty shard: {sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), cafes.len());
    let by_id = |id: &str| cafes.iter().find(|c| c.id.as_str() == id).unwrap();
    let mut model = sync_model(&store, &cafes).await;
    let since = Timestamp::UNIX_EPOCH;

    let (first, cursor) = sync_page_exact(&store, &model, since, None, 2).await;
    let cursor = cursor.unwrap();
    let unsent: Vec<String> = model
        .range::<String, _>((Bound::Excluded(&cursor.sort), Bound::Unbounded))
        .map(|(_, id)| id.clone())
        .collect();
    // The cursor's own café, one sent before it and one not sent yet.
    tick().await;
    edit_each(
        &store,
        &[by_id(&first[1]), by_id(&first[0]), by_id(&unsent[0])],
    )
    .await;
    for id in [&first[1], &first[0], &unsent[0]] {
        restamp(&store, &mut model, &by_id(id).id).await;
    }
    let (second, next) = sync_page_exact(&store, &model, since, Some(&cursor), 2).await;
    assert!(
        !second.contains(&unsent[0]),
        "the edited café is not at its old place"
    );
    // Another change between pages: a cover for the café just sent.
    let next = next.unwrap();
    tick().await;
    let covered = by_id(&second[0]).id.clone();
    let cover = shared::domain::CoverPhoto {
        photo_id: shared::domain::PhotoId::from_entropy(99),
        renditions: Vec::new(),
        created_at: Timestamp::from_second(1_780_000_000).unwrap(),
    };
    shared::ports::CoverWriter::offer_cover(&store, &covered, &cover)
        .await
        .unwrap();
    restamp(&store, &mut model, &covered).await;
    let mut rest = Vec::new();
    let mut after = Some(next);
    while let Some(a) = after {
        let (page, next) = sync_page_exact(&store, &model, since, Some(&a), 2).await;
        rest.extend(page);
        after = next;
    }
    // The edited cafés came again, in the order of their changes, at the end.
    let edited_order = [&first[1], &first[0], &unsent[0], &second[0]];
    let tail: Vec<&String> = rest.iter().rev().take(4).rev().collect();
    assert_eq!(tail, edited_order);
}

/// The sync list layout before sync shards: `cafe`'s profile moved back to `CAFES#UPDATED`
/// (same `SN`, document and version: what an older release wrote).
async fn unshard_profile<S: ItemTable>(store: &S, cafe: &Cafe) {
    let pk = keys::cafe_pk(&cafe.id);
    let stored = store
        .get_item(&pk, keys::PROFILE_SK)
        .await
        .unwrap()
        .unwrap();
    let item = Item {
        lpk: Some(keys::cafes_updated_lpk()),
        sort: SortKeys::one(SortIndex::ByName, stamp(store, &cafe.id).await),
        version: stored.version,
        ..Item::plain(pk, keys::PROFILE_SK, stored.doc.unwrap())
    };
    store.put_items(vec![item]).await.unwrap();
}

/// A store whose sync list was written before sync shards (its café lists already sharded)
/// reads exactly before, during and after the reindex moves it, and a cursor handed out by the
/// unsharded layout resumes in the sharded one.
async fn sync_reads_the_old_partition_while_reindex_moves_it<
    S: ItemTable + CatalogWriter + CafeReader + Clone,
>(
    store: S,
) {
    assert!(keys::cafe_sync_sources().contains(&keys::cafes_updated_lpk()));
    let (store, cafes) = loaded_first(store, 16).await;
    let some: Vec<&Cafe> = cafes.iter().step_by(3).collect();
    tick().await;
    edit_each(&store, &some).await;
    for cafe in &cafes {
        unshard_profile(&store, cafe).await;
    }
    assert!(
        sync_shard_contents(&store).await.iter().all(Vec::is_empty),
        "everything in the old partition"
    );
    assert!(
        shared::maintenance::unsharded_cafe_lists_remain(&store)
            .await
            .unwrap(),
        "an unsharded sync list counts as not moved"
    );
    let mut model = sync_model(&store, &cafes).await;
    let since = Timestamp::UNIX_EPOCH;
    let whole = sync_all_exact(&store, &model, since, 5).await;
    assert_eq!(whole.len(), cafes.len());
    // A partner's cursor, made by the unsharded layout.
    let (_, old_cursor) = sync_page_exact(&store, &model, since, None, 5).await;
    let old_cursor = old_cursor.unwrap();

    // Half moved (restamped, so they also go to the end), as a reindex stopped halfway leaves it.
    let half: Vec<&Cafe> = cafes.iter().step_by(2).collect();
    tick().await;
    for cafe in &half {
        store.put_cafe(cafe).await.unwrap();
        restamp(&store, &mut model, &cafe.id).await;
    }
    let moved: usize = sync_shard_contents(&store).await.iter().map(Vec::len).sum();
    assert_eq!(moved, half.len());
    let resumed = {
        let mut ids = Vec::new();
        let mut after = Some(old_cursor.clone());
        while let Some(a) = after {
            let (page, next) = sync_page_exact(&store, &model, since, Some(&a), 5).await;
            ids.extend(page);
            after = next;
        }
        ids
    };
    assert!(resumed.len() >= half.len());
    sync_all_exact(&store, &model, since, 5).await;

    let report = shared::maintenance::rewrite_catalog(&store).await.unwrap();
    assert!(!report.unsharded_left);
    let left = store
        .query_index(SortIndex::ByName, &keys::cafes_updated_lpk(), None, 10)
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "the old sync partition still holds profiles"
    );
    let model = sync_model(&store, &cafes).await;
    assert_eq!(
        sync_shard_contents(&store)
            .await
            .iter()
            .map(Vec::len)
            .sum::<usize>(),
        cafes.len()
    );
    assert_eq!(
        sync_all_exact(&store, &model, since, 5).await.len(),
        cafes.len()
    );
    // The old cursor still resumes: everything was restamped after it.
    let mut after = Some(old_cursor);
    let mut again = 0;
    while let Some(a) = after {
        let (page, next) = sync_page_exact(&store, &model, since, Some(&a), 25).await;
        again += page.len();
        after = next;
    }
    assert_eq!(again, cafes.len());
}

/// The local server's start-up backfill: a data directory whose café lists are sharded but
/// whose sync list is not (written between the two changes) is moved on start.
#[tokio::test]
async fn the_local_server_moves_an_unsharded_sync_list_on_start() {
    use shared::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(local_server::DB_FILE);
    let (store, cafes) = loaded_first(SqliteStore::open(&path).unwrap(), 6).await;
    for cafe in &cafes {
        unshard_profile(&store, cafe).await;
    }
    assert!(store.has_unsharded_cafe_lists().await.unwrap());
    drop(store);

    let config = tests::test_config(dir.path(), 30);
    drop(local_server::open(&config).await.unwrap());
    let store = SqliteStore::open(&path).unwrap();
    assert!(!store.has_unsharded_cafe_lists().await.unwrap());
    let held: usize = sync_shard_contents(&store).await.iter().map(Vec::len).sum();
    assert_eq!(held, cafes.len());
    let model = sync_model(&store, &cafes).await;
    sync_all_exact(&store, &model, Timestamp::UNIX_EPOCH, 4).await;
}

tests::contract_suite!(
    sharded_lists_merge_to_the_brute_force_order,
    a_page_reads_its_share_of_each_shard,
    an_unsharded_store_reads_whole_while_reindex_moves_it,
    sync_shards_merge_to_the_brute_force_order,
    sync_edits_while_paging_move_cafes_to_the_end,
    sync_reads_the_old_partition_while_reindex_moves_it,
);
