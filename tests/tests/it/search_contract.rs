//! Contract suite for text search (`q`), run against both adapters: for many queries (one and
//! two words, name prefixes, accented and unaccented, Cyrillic, CJK, with and without filters)
//! every page of the store's answer, concatenated, equals a brute-force matcher applied to every
//! café (roaster) of the catalogue; the term index follows every write; every partition holds
//! exactly the term entries its profile derives; the read cap is honoured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use shared::domain::{
    Amenity, Cafe, CafeId, CafeSummary, CountryCode, RatingSummary, Roaster, RoasterId, RoasterRef,
    Slug,
};
use shared::ports::{CafeReader, CatalogBatch, CatalogWriter, RoasterReader};
use shared::query::{CafeFilter, CafeQuery, PageLimit, RoasterQuery};
use shared::search::{self, SearchText};
use shared::store::search_index::{MAX_TERM_ENTRIES_READ, cafe_rank, chosen_word, roaster_rank};
use shared::store::{Condition, ItemTable, Write, keys};

trait Store: CafeReader + RoasterReader + CatalogWriter + ItemTable {}
impl<T: CafeReader + RoasterReader + CatalogWriter + ItemTable> Store for T {}

/// The catalogue a suite loads: demo cafés (every `step`-th one), varied ratings, plus cafés
/// and roasters named in other scripts.
struct Catalogue {
    cafes: Vec<Cafe>,
    roasters: Vec<Roaster>,
}

fn extra_roaster(n: u128, name: &str, city: &str, country: &str, template: &Roaster) -> Roaster {
    Roaster {
        id: RoasterId::from_entropy(900_000 + n),
        name: name.to_owned(),
        city: city.to_owned(),
        country: CountryCode::parse(country).unwrap(),
        ..template.clone()
    }
}

fn catalogue(step: usize) -> Catalogue {
    let demo = shared::demo::catalog().unwrap();
    let histograms = [
        [0; 5],
        [0, 0, 1, 1, 0],
        [0, 0, 0, 2, 2],
        [0, 0, 0, 0, 3],
        [1, 0, 0, 0, 1],
    ];
    let mut cafes: Vec<Cafe> = demo
        .cafes
        .iter()
        .step_by(step)
        .enumerate()
        .map(|(n, cafe)| Cafe {
            rating: RatingSummary::from_histogram(histograms[n % histograms.len()]),
            ..cafe.clone()
        })
        .collect();
    let used: BTreeSet<&RoasterId> = cafes
        .iter()
        .flat_map(|c| c.beans.iter().map(|b| &b.roaster.id))
        .collect();
    let mut roasters: Vec<Roaster> = demo
        .roasters
        .iter()
        .filter(|r| used.contains(&r.id))
        .cloned()
        .collect();

    let t = &demo.roasters[0];
    let maruyama = extra_roaster(1, "丸山珈琲焙煎所", "軽井沢", "JP", t);
    let seoul = extra_roaster(2, "서울 커피 로스터스", "서울", "KR", t);
    let moscow = extra_roaster(3, "Обжарка Кофе", "Москва", "RU", t);
    let nandu = extra_roaster(4, "Ñandú Röstaria", "São Paulo", "BR", t);
    let extras: [(&str, Option<&str>, &str, &str, &Roaster); 8] = [
        ("丸山珈琲", Some("青山"), "東京", "JP", &maruyama),
        ("猿田彦珈琲 恵比寿", Some("恵比寿"), "東京", "JP", &maruyama),
        (
            "ブルーボトル 清澄白河",
            Some("清澄白河"),
            "Tokyo",
            "JP",
            &maruyama,
        ),
        ("서울 커피 하우스", Some("성수동"), "서울", "KR", &seoul),
        ("Кофейня на Арбате", Some("Арбат"), "Москва", "RU", &moscow),
        (
            "Café São Bento",
            Some("Bela Vista"),
            "São Paulo",
            "BR",
            &nandu,
        ),
        ("CAFE SAO BENTO 2", None, "Sao Paulo", "BR", &nandu),
        (
            "Straßencafé Ølbar",
            Some("Kreuzberg"),
            "Berlin",
            "DE",
            &nandu,
        ),
    ];
    let template = cafes[0].clone();
    for (n, (name, hood, city, country, roaster)) in extras.into_iter().enumerate() {
        let mut cafe = template.clone();
        cafe.id = CafeId::from_entropy(800_000 + n as u128);
        cafe.name = name.to_owned();
        cafe.location.neighbourhood = hood.map(str::to_owned);
        cafe.location.city = city.to_owned();
        cafe.location.country = CountryCode::parse(country).unwrap();
        cafe.rating = RatingSummary::from_histogram(histograms[n % histograms.len()]);
        for bean in &mut cafe.beans {
            bean.roaster = RoasterRef {
                id: roaster.id.clone(),
                name: roaster.name.clone(),
            };
        }
        cafes.push(cafe);
    }
    roasters.extend([maruyama, seoul, moscow, nandu]);
    Catalogue { cafes, roasters }
}

async fn loaded<S: Store>(store: S, catalogue: &Catalogue) -> S {
    store
        .import(&CatalogBatch {
            cafes: &catalogue.cafes,
            roasters: &catalogue.roasters,
            ..CatalogBatch::default()
        })
        .await
        .unwrap();
    store
}

/// The ids a search for `text` ranks: those with a term starting with the word
/// [`chosen_word`] picks, limited to the first [`MAX_TERM_ENTRIES_READ`] entries in `SN` order.
fn readable(text: &SearchText, entities: &[(&str, Vec<search::Term>)]) -> BTreeSet<String> {
    let entries = |word: &str| {
        let mut out: Vec<(String, String)> = entities
            .iter()
            .flat_map(|(id, terms)| {
                terms
                    .iter()
                    .filter(|t| t.token.starts_with(word))
                    .map(move |t| (keys::by_term(&t.token, id), (*id).to_owned()))
            })
            .collect();
        out.sort();
        out.truncate(MAX_TERM_ENTRIES_READ);
        out
    };
    let word = chosen_word(text, |w| entries(w).len());
    entries(word).into_iter().map(|(_, id)| id).collect()
}

/// Brute force: every café, ranked by the pure rules, limited to what the index can read.
fn expected_cafes(cafes: &[CafeSummary], text: &SearchText, filter: &CafeFilter) -> Vec<String> {
    let terms: Vec<_> = cafes
        .iter()
        .map(|c| (c.id.as_str(), search::cafe_terms(c)))
        .collect();
    let readable = readable(text, &terms);
    let mut ranked: Vec<(String, String)> = cafes
        .iter()
        .filter(|c| readable.contains(c.id.as_str()))
        .filter_map(|c| cafe_rank(text, filter, c).map(|k| (k, c.id.to_string())))
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, id)| id).collect()
}

fn expected_roasters(
    roasters: &[Roaster],
    text: &SearchText,
    country: Option<CountryCode>,
) -> Vec<String> {
    let terms: Vec<_> = roasters
        .iter()
        .map(|r| (r.id.as_str(), search::roaster_terms(r)))
        .collect();
    let readable = readable(text, &terms);
    let mut ranked: Vec<(String, String)> = roasters
        .iter()
        .filter(|r| readable.contains(r.id.as_str()))
        .filter(|r| country.is_none_or(|c| r.country == c))
        .filter_map(|r| roaster_rank(text, r).map(|k| (k, r.id.to_string())))
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, id)| id).collect()
}

/// Every page of a café search, checking each page's shape.
async fn all_cafe_pages<S: CafeReader>(store: &S, mut query: CafeQuery) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..500 {
        let page = store.list_cafes(&query).await.unwrap();
        assert!(page.items.len() <= query.limit.get());
        if page.next.is_some() {
            assert_eq!(
                page.items.len(),
                query.limit.get(),
                "short page before the end"
            );
        }
        out.extend(page.items.iter().map(|c| c.id.to_string()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return out,
        }
    }
    panic!("more than 500 pages");
}

async fn all_roaster_pages<S: RoasterReader>(store: &S, mut query: RoasterQuery) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..500 {
        let page = store.list_roasters(&query).await.unwrap();
        assert!(page.items.len() <= query.limit.get());
        out.extend(page.items.iter().map(|r| r.id.to_string()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return out,
        }
    }
    panic!("more than 500 pages");
}

fn text(q: &str) -> SearchText {
    SearchText::parse(q).unwrap_or_else(|e| panic!("{q:?}: {e}"))
}

/// Queries drawn from the catalogue (prefixes and whole words of names, neighbourhoods, cities
/// and roasters, in upper case and accented or not) plus fixed ones in other scripts.
fn cafe_queries(cafes: &[CafeSummary], every: usize) -> Vec<String> {
    let mut out: Vec<String> = [
        "sao",
        "SÃO",
        "são paulo",
        "cafe",
        "Café",
        "CAFÉ sao",
        "strasse",
        "straßen",
        "olbar",
        "珈琲",
        "丸山",
        "恵比寿",
        "東京",
        "清澄",
        "ブルー",
        "ボトル",
        "서울",
        "커피",
        "성수",
        "кофе",
        "арбат",
        "москва",
        "nandu",
        "ñandú röst",
        "tokyo",
        "oslo",
        "c",
        "b 2",
        "zzzz",
        "roasters",
        "kaffe",
        "coffee",
        "bar",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for (n, cafe) in cafes.iter().enumerate().step_by(every) {
        let words = search::words(&cafe.name);
        if let Some(first) = words.first() {
            let prefix: String = first.text.chars().take(3).collect();
            out.push(prefix.to_uppercase());
            out.push(first.text.clone());
        }
        if let Some(last) = words.last() {
            out.push(format!("{} {}", last.text, cafe.location.city));
        }
        if let Some(hood) = &cafe.location.neighbourhood {
            out.push(hood.chars().take(2 + n % 5).collect());
        }
        if let Some(roaster) = cafe.roasters.first() {
            out.push(roaster.name.clone());
        }
    }
    out.sort();
    out.dedup();
    out.retain(|q| SearchText::parse(q).is_ok());
    out
}

fn filters(cafes: &[CafeSummary]) -> Vec<CafeFilter> {
    let roaster = cafes[0].roasters[0].id.clone();
    vec![
        CafeFilter::default(),
        CafeFilter {
            city: Some(Slug::from_text("Tokyo").unwrap()),
            ..CafeFilter::default()
        },
        CafeFilter {
            country: Some(CountryCode::parse("BR").unwrap()),
            amenities: vec![Amenity::Wifi],
            ..CafeFilter::default()
        },
        CafeFilter {
            brewing_method: Some(Slug::parse("v60").unwrap()),
            ..CafeFilter::default()
        },
        CafeFilter {
            roaster: Some(roaster),
            ..CafeFilter::default()
        },
    ]
}

/// The store answers every query exactly like the brute-force matcher, across pages.
async fn cafe_search_matches_brute_force<S: Store>(store: S, step: usize, every: usize) {
    let catalogue = catalogue(step);
    let store = loaded(store, &catalogue).await;
    let summaries: Vec<CafeSummary> = catalogue.cafes.iter().map(Cafe::summary).collect();
    let queries = cafe_queries(&summaries, every);
    let filters = filters(&summaries);
    let (mut checked, mut non_empty, mut multi_page) = (0, 0, 0);
    for (n, q) in queries.iter().enumerate() {
        let text = text(q);
        // Every query unfiltered; each also once with one of the filters.
        for filter in [CafeFilter::default(), filters[n % filters.len()].clone()] {
            let expected = expected_cafes(&summaries, &text, &filter);
            let limit = [3, 7, 20][n % 3];
            let got = all_cafe_pages(
                &store,
                CafeQuery {
                    filter: filter.clone(),
                    search: Some(text.clone()),
                    limit: PageLimit::new(limit).unwrap(),
                    ..CafeQuery::default()
                },
            )
            .await;
            assert_eq!(got, expected, "q={q:?} filter={filter:?}");
            checked += 1;
            non_empty += usize::from(!got.is_empty());
            multi_page += usize::from(got.len() > limit as usize);
        }
    }
    assert!(checked >= 60, "{checked} searches checked");
    assert!(
        non_empty * 2 >= checked,
        "only {non_empty} of {checked} found anything"
    );
    assert!(multi_page >= 5, "only {multi_page} searches spanned pages");
}

/// The names of every café a search returns, in order.
async fn cafe_names<S: CafeReader>(store: &S, catalogue: &Catalogue, q: &str) -> Vec<String> {
    let query = CafeQuery {
        search: Some(text(q)),
        ..CafeQuery::default()
    };
    all_cafe_pages(store, query)
        .await
        .iter()
        .map(|id| {
            let cafe = catalogue.cafes.iter().find(|c| c.id.as_str() == id);
            cafe.unwrap().name.clone()
        })
        .collect()
}

/// Named cases whose answer is known without the oracle, so the oracle itself is checked.
async fn finds_names_in_any_script_and_ranks_by_quality<S: Store>(store: S) {
    let catalogue = catalogue(24);
    let store = loaded(store, &catalogue).await;
    let names = |q: &'static str| cafe_names(&store, &catalogue, q);
    // Inside a name (2), then the roaster's name (3); equal quality by rating (3.5 before 0).
    assert_eq!(
        names("珈琲").await,
        ["猿田彦珈琲 恵比寿", "丸山珈琲", "ブルーボトル 清澄白河"]
    );
    // Start of the name (1), then the roaster's name (3) by rating (4.5 before 3.5).
    assert_eq!(
        names("丸山").await,
        ["丸山珈琲", "ブルーボトル 清澄白河", "猿田彦珈琲 恵比寿"]
    );
    assert_eq!(names("恵比寿").await, ["猿田彦珈琲 恵比寿"]);
    assert_eq!(names("서울 커피").await, ["서울 커피 하우스"]);
    assert_eq!(names("КОФЕЙНЯ").await, ["Кофейня на Арбате"]);
    // Both exact name words (quality 0): the better rated first (3.5 before no rating).
    assert_eq!(
        names("são bento").await,
        ["CAFE SAO BENTO 2", "Café São Bento"]
    );
    // ß folds to ss and ø to o; "Straßencafé" is one word, "strasse" a prefix of it.
    assert!(
        names("strasse")
            .await
            .contains(&"Straßencafé Ølbar".to_owned())
    );
    assert_eq!(names("olbar").await, ["Straßencafé Ølbar"]);
}

/// The roaster list searches names and cities, with the country filter.
async fn roaster_search_matches_brute_force<S: Store>(store: S, step: usize) {
    let catalogue = catalogue(step);
    let store = loaded(store, &catalogue).await;
    let mut queries: Vec<String> = [
        "焙煎",
        "珈琲",
        "軽井沢",
        "서울",
        "кофе",
        "röstaria",
        "sao",
        "roasters",
        "r",
        "k",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for roaster in &catalogue.roasters {
        let words = search::words(&roaster.name);
        queries.push(words[0].text.chars().take(2).collect());
        queries.push(roaster.city.clone());
    }
    queries.sort();
    queries.dedup();
    let mut non_empty = 0;
    for (n, q) in queries.iter().enumerate() {
        let text = text(q);
        let country =
            (n % 3 == 0).then(|| catalogue.roasters[n % catalogue.roasters.len()].country);
        for country in [None, country] {
            let expected = expected_roasters(&catalogue.roasters, &text, country);
            let got = all_roaster_pages(
                &store,
                RoasterQuery {
                    country,
                    search: Some(text.clone()),
                    limit: PageLimit::new(2).unwrap(),
                    after: None,
                },
            )
            .await;
            assert_eq!(got, expected, "q={q:?} country={country:?}");
            non_empty += usize::from(!got.is_empty());
        }
    }
    assert!(non_empty >= queries.len(), "{non_empty} non-empty answers");
}

/// Invariant: every café and roaster partition holds exactly the term entries its profile
/// derives — no café without its term entries, and no stale ones after a rename.
async fn partitions_hold_exactly_their_term_entries<S: Store>(store: S) {
    let catalogue = catalogue(24);
    let store = loaded(store, &catalogue).await;
    let mut renamed = catalogue.cafes[0].clone();
    renamed.name = "Zephyr Kaffebar".to_owned();
    store.put_cafe(&renamed).await.unwrap();
    let mut roaster = catalogue.roasters[0].clone();
    roaster.name = "Quokka Rösterei".to_owned();
    store.put_roaster(&roaster).await.unwrap();

    let mut cafes = catalogue.cafes.clone();
    cafes[0] = renamed;
    for cafe in &cafes {
        let stored: BTreeSet<String> = store
            .query_prefix(&keys::cafe_pk(&cafe.id), &keys::term_sk(""))
            .await
            .unwrap()
            .into_iter()
            .map(|item| item.sk)
            .collect();
        let derived: BTreeSet<String> = search::cafe_terms(&cafe.summary())
            .iter()
            .map(|t| keys::term_sk(&t.token))
            .collect();
        assert!(!derived.is_empty(), "{}", cafe.name);
        assert_eq!(stored, derived, "{}", cafe.name);
    }
    let mut roasters = catalogue.roasters.clone();
    roasters[0] = roaster;
    for roaster in &roasters {
        let stored: BTreeSet<String> = store
            .query_prefix(&keys::roaster_pk(&roaster.id), &keys::term_sk(""))
            .await
            .unwrap()
            .into_iter()
            .map(|item| item.sk)
            .collect();
        let derived: BTreeSet<String> = search::roaster_terms(roaster)
            .iter()
            .map(|t| keys::term_sk(&t.token))
            .collect();
        assert_eq!(stored, derived, "{}", roaster.name);
    }
}

/// Writes move a café in and out of search results at once.
async fn the_term_index_follows_writes<S: Store>(store: S) {
    let catalogue = catalogue(24);
    let store = loaded(store, &catalogue).await;
    let search = |q: &str| CafeQuery {
        search: Some(text(q)),
        ..CafeQuery::default()
    };
    let mut cafe = catalogue.cafes[1].clone();
    let old_word = search::words(&cafe.name)[0].text.clone();
    assert!(
        all_cafe_pages(&store, search(&old_word))
            .await
            .contains(&cafe.id.to_string())
    );
    assert!(all_cafe_pages(&store, search("zephyr")).await.is_empty());

    cafe.name = "Zephyr".to_owned();
    store.put_cafe(&cafe).await.unwrap();
    assert_eq!(
        all_cafe_pages(&store, search("zeph")).await,
        vec![cafe.id.to_string()]
    );
    assert!(
        !all_cafe_pages(&store, search(&old_word))
            .await
            .contains(&cafe.id.to_string())
    );

    // Equal quality (both exact): the better rated first, and a rating change reorders them
    // (the term entries carry the summary).
    let mut twin = catalogue.cafes[2].clone();
    twin.name = "Zephyr Two".to_owned();
    twin.rating = RatingSummary::from_histogram([0, 0, 0, 0, 9]);
    store.put_cafe(&twin).await.unwrap();
    assert_ne!(cafe.rating.average, Some(5.0));
    assert_eq!(
        all_cafe_pages(&store, search("zephyr")).await,
        vec![twin.id.to_string(), cafe.id.to_string()]
    );
    cafe.rating = RatingSummary::from_histogram([0, 0, 0, 0, 20]);
    store.put_cafe(&cafe).await.unwrap();
    assert_eq!(
        all_cafe_pages(&store, search("zephyr")).await,
        vec![cafe.id.to_string(), twin.id.to_string()],
        "same average, more reviews first"
    );
}

/// `xtask reindex` (and the local server's start-up check) rebuild a store from before the
/// term index.
async fn rewriting_the_catalogue_rebuilds_missing_term_entries<S: Store>(store: S) {
    let catalogue = catalogue(24);
    let store = loaded(store, &catalogue).await;
    let q = CafeQuery {
        search: Some(text("青山")),
        ..CafeQuery::default()
    };
    let rq = RoasterQuery {
        search: Some(text("焙煎")),
        ..RoasterQuery::default()
    };
    assert_eq!(all_cafe_pages(&store, q.clone()).await.len(), 1);
    assert_eq!(all_roaster_pages(&store, rq.clone()).await.len(), 1);
    let pks = catalogue
        .cafes
        .iter()
        .map(|c| (keys::cafe_pk(&c.id), search::cafe_terms(&c.summary())))
        .chain(
            catalogue
                .roasters
                .iter()
                .map(|r| (keys::roaster_pk(&r.id), search::roaster_terms(r))),
        );
    for (pk, terms) in pks {
        let writes = terms
            .iter()
            .map(|t| Write::Delete {
                pk: pk.clone(),
                sk: keys::term_sk(&t.token),
                condition: Condition::Always,
            })
            .collect();
        store.transact(writes).await.unwrap();
    }
    assert!(all_cafe_pages(&store, q.clone()).await.is_empty());
    let rewritten = shared::maintenance::rewrite_catalog(&store).await.unwrap();
    assert_eq!(rewritten.cafes, catalogue.cafes.len());
    assert_eq!(rewritten.roasters, catalogue.roasters.len());
    assert_eq!(all_cafe_pages(&store, q).await.len(), 1);
    assert_eq!(all_roaster_pages(&store, rq).await.len(), 1);
}

tests::contract_suite!(
    finds_names_in_any_script_and_ranks_by_quality,
    partitions_hold_exactly_their_term_entries,
    the_term_index_follows_writes,
    rewriting_the_catalogue_rebuilds_missing_term_entries,
);

// moto answers a Query by walking every item, so the DynamoDB run loads every eighth demo café
// and checks fewer queries; the embedded run checks the whole catalogue.
mod embedded_brute_force {
    #[tokio::test]
    async fn cafe_search_matches_brute_force() {
        super::cafe_search_matches_brute_force(tests::embedded_store(), 1, 3).await;
    }

    #[tokio::test]
    async fn roaster_search_matches_brute_force() {
        super::roaster_search_matches_brute_force(tests::embedded_store(), 1).await;
    }

    /// More entries than one search reads: the answer is the first `MAX_TERM_ENTRIES_READ` in
    /// index order, exactly as documented (and as the oracle emulates).
    #[tokio::test]
    async fn a_broad_word_reads_at_most_the_cap() {
        use super::*;
        let template = catalogue(24).cafes[0].clone();
        let cafes: Vec<Cafe> = (0..MAX_TERM_ENTRIES_READ + 50)
            .map(|n| Cafe {
                id: CafeId::from_entropy(700_000 + n as u128),
                name: format!("Broad {n:04}"),
                ..template.clone()
            })
            .collect();
        let store = loaded(
            tests::embedded_store(),
            &Catalogue {
                cafes: cafes.clone(),
                roasters: vec![],
            },
        )
        .await;
        let summaries: Vec<CafeSummary> = cafes.iter().map(Cafe::summary).collect();
        let t = text("broad");
        let expected = expected_cafes(&summaries, &t, &CafeFilter::default());
        assert_eq!(expected.len(), MAX_TERM_ENTRIES_READ);
        let got = all_cafe_pages(
            &store,
            CafeQuery {
                search: Some(t),
                limit: PageLimit::max(),
                ..CafeQuery::default()
            },
        )
        .await;
        assert_eq!(got, expected);
        // A shorter word whose range is complete is read instead of the capped one.
        let narrow = text("broad 104");
        assert_eq!(
            chosen_word(&narrow, |w| if w == "broad" { 1_000 } else { 10 }),
            "104"
        );
        let got = all_cafe_pages(
            &store,
            CafeQuery {
                search: Some(narrow.clone()),
                ..CafeQuery::default()
            },
        )
        .await;
        assert_eq!(
            got,
            expected_cafes(&summaries, &narrow, &CafeFilter::default())
        );
        assert_eq!(got.len(), 10, "Broad 1040 … Broad 1049");
    }
}

mod dynamodb_over_http_moto_brute_force {
    #[tokio::test]
    async fn cafe_search_matches_brute_force() {
        super::cafe_search_matches_brute_force(tests::dynamodb_store().await, 8, 4).await;
    }

    #[tokio::test]
    async fn roaster_search_matches_brute_force() {
        super::roaster_search_matches_brute_force(tests::dynamodb_store().await, 8).await;
    }
}
