//! One contract suite per store port, run against every adapter: the embedded SQLite store and
//! the DynamoDB adapter talking HTTP to moto's server (`make test` starts it; these tests fail,
//! never skip, without it). Test names say which adapter ran: `embedded::…` and
//! `dynamodb_over_http_moto::…`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::domain::{
    Amenity, ArtisanId, CafeId, City, CountryCode, CoverPhoto, PhotoId, Rendition, RoasterId, Slug,
};
use shared::ports::{
    ArtisanReader, BrewingMethodReader, CafeReader, CatalogBatch, CatalogWriter, CityReader,
    CoverChange, CoverWriter, RoasterReader,
};
use shared::query::{CafeFilter, CafeQuery, CafeSort, PageLimit, RoasterQuery};
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
                amenity: Some(Amenity::Wifi),
                ..Default::default()
            },
            vec!["Árvore", "Bica Nova", "Dock Street"],
        ),
        (
            CafeFilter {
                amenity: Some(Amenity::BikeParking),
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
                amenity: Some(Amenity::OutdoorSeating),
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
