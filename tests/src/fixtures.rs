//! A small, hand-made catalogue whose every list answer is known in advance.
//!
//! | café | city | country | methods | roaster | amenities | created | rating |
//! |---|---|---|---|---|---|---|---|
//! | Árvore | São Paulo | BR | v60, espresso | Kiln | wifi | 2021 | 4.5 (2) |
//! | Bica Nova | Lisbon | PT | espresso | Kiln | wifi, outdoor-seating | 2023 | 3.0 (1) |
//! | cafe Fjord | Oslo | NO | v60, aeropress | Nordlys | vegan-options | 2020 | 5.0 (1) |
//! | Dock Street | Oslo | NO | chemex | Nordlys, Kiln | wifi | 2024 | 0 |
//! | Elm & Ember | São Paulo | BR | v60 | Torra | outdoor-seating | 2022 | 4.5 (4) |

use jiff::Timestamp;
use shared::domain::{
    Amenity, Artisan, ArtisanId, ArtisanRef, ArtisanRole, BeanSourcing, BrewingMethod, Cafe,
    CafeId, Coordinates, CountryCode, Links, LocalTime, Location, OpeningHours, OpeningPeriod,
    PriceLevel, ProcessMethod, ProducerKind, Range, RatingSummary, Roaster, RoasterId, RoasterRef,
    Slug, TimeZoneName, Weekday,
};

/// The fixture catalogue.
pub struct Fixtures {
    pub cafes: Vec<Cafe>,
    pub roasters: Vec<Roaster>,
    pub artisans: Vec<Artisan>,
    pub methods: Vec<BrewingMethod>,
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("slug")
}

fn ts(year: i16) -> Timestamp {
    jiff::civil::date(year, 3, 1)
        .at(12, 0, 0, 0)
        .in_tz("UTC")
        .expect("date")
        .timestamp()
}

fn roaster(n: u128, name: &str, country: &str) -> Roaster {
    Roaster {
        id: RoasterId::from_entropy(n),
        name: name.to_owned(),
        description: format!("{name} roasts light, traceable lots."),
        city: "Somewhere".to_owned(),
        country: CountryCode::parse(country).expect("country"),
        founded: 2010,
        roast_style: "light".to_owned(),
        specialties: vec!["washed Ethiopians".to_owned()],
        website: None,
        created_at: ts(2019),
    }
}

fn method(name: &str, s: &str) -> BrewingMethod {
    BrewingMethod {
        slug: slug(s),
        name: name.to_owned(),
        category: "pour-over".to_owned(),
        description: format!("{name} brewing."),
        grind: "medium".to_owned(),
        ratio: "1:16".to_owned(),
        water_temperature_c: Range { min: 90, max: 96 },
        brew_time_seconds: Range { min: 120, max: 240 },
        equipment: vec!["kettle".to_owned()],
        steps: vec!["Brew.".to_owned()],
    }
}

struct CafeSpec<'a> {
    n: u128,
    name: &'a str,
    city: &'a str,
    country: &'a str,
    methods: &'a [&'a str],
    roasters: &'a [&'a Roaster],
    amenities: &'a [Amenity],
    year: i16,
    histogram: [u32; 5],
}

fn cafe(spec: CafeSpec<'_>) -> Cafe {
    let id = CafeId::from_entropy(spec.n);
    Cafe {
        id,
        name: spec.name.to_owned(),
        tagline: "Small batches, big flavour.".to_owned(),
        origins: "Started as a cart.".to_owned(),
        philosophy: "Let the farm speak.".to_owned(),
        location: Location {
            coordinates: Coordinates::new(10.0, 20.0).expect("coords"),
            address: "1 Main St".to_owned(),
            neighbourhood: None,
            city: spec.city.to_owned(),
            country: CountryCode::parse(spec.country).expect("country"),
        },
        brewing_methods: spec.methods.iter().map(|m| slug(m)).collect(),
        techniques: vec![],
        beans: spec
            .roasters
            .iter()
            .map(|r| BeanSourcing {
                name: "House".to_owned(),
                origin_country: CountryCode::parse("ET").expect("country"),
                region: "Guji".to_owned(),
                producer: "Hambela".to_owned(),
                producer_kind: ProducerKind::WashingStation,
                variety: "Heirloom".to_owned(),
                process: ProcessMethod::Washed,
                altitude_m: Some(2000),
                roaster: RoasterRef {
                    id: r.id.clone(),
                    name: r.name.clone(),
                },
            })
            .collect(),
        artisans: vec![],
        hours: OpeningHours {
            time_zone: TimeZoneName::parse("UTC").expect("tz"),
            periods: vec![OpeningPeriod {
                day: Weekday::Mon,
                opens: LocalTime::hm(8, 0).expect("time"),
                closes: LocalTime::hm(16, 0).expect("time"),
            }],
        },
        amenities: spec.amenities.to_vec(),
        price_level: PriceLevel::new(2).expect("price"),
        links: Links::default(),
        phone: None,
        rating: RatingSummary::from_histogram(spec.histogram),
        cover_photo: None,
        created_at: ts(spec.year),
    }
}

/// Builds the catalogue described in the module docs.
pub fn fixtures() -> Fixtures {
    let kiln = roaster(101, "Kiln", "GB");
    let nordlys = roaster(102, "Nordlys", "NO");
    let torra = roaster(103, "Torra", "BR");
    let mut cafes = vec![
        cafe(CafeSpec {
            n: 1,
            name: "Árvore",
            city: "São Paulo",
            country: "BR",
            methods: &["v60", "espresso"],
            roasters: &[&kiln],
            amenities: &[Amenity::Wifi],
            year: 2021,
            histogram: [0, 0, 0, 1, 1],
        }),
        cafe(CafeSpec {
            n: 2,
            name: "Bica Nova",
            city: "Lisbon",
            country: "PT",
            methods: &["espresso"],
            roasters: &[&kiln],
            amenities: &[Amenity::Wifi, Amenity::OutdoorSeating],
            year: 2023,
            histogram: [0, 0, 1, 0, 0],
        }),
        cafe(CafeSpec {
            n: 3,
            name: "cafe Fjord",
            city: "Oslo",
            country: "NO",
            methods: &["v60", "aeropress"],
            roasters: &[&nordlys],
            amenities: &[Amenity::VeganOptions],
            year: 2020,
            histogram: [0, 0, 0, 0, 1],
        }),
        cafe(CafeSpec {
            n: 4,
            name: "Dock Street",
            city: "Oslo",
            country: "NO",
            methods: &["chemex"],
            roasters: &[&nordlys, &kiln],
            amenities: &[Amenity::Wifi],
            year: 2024,
            histogram: [0; 5],
        }),
        cafe(CafeSpec {
            n: 5,
            name: "Elm & Ember",
            city: "São Paulo",
            country: "BR",
            methods: &["v60"],
            roasters: &[&torra],
            amenities: &[Amenity::OutdoorSeating],
            year: 2022,
            histogram: [0, 0, 0, 2, 2],
        }),
    ];
    let artisans: Vec<Artisan> = cafes
        .iter()
        .enumerate()
        .map(|(i, c)| Artisan {
            id: ArtisanId::from_entropy(200 + i as u128),
            name: format!("Artisan of {}", c.name),
            role: ArtisanRole::HeadBarista,
            bio: "Pulls shots.".to_owned(),
            specialties: vec!["latte art".to_owned()],
            since: 2015,
            cafe_id: c.id.clone(),
            cafe_name: c.name.clone(),
        })
        .collect();
    for (cafe, artisan) in cafes.iter_mut().zip(&artisans) {
        cafe.artisans = vec![ArtisanRef {
            id: artisan.id.clone(),
            name: artisan.name.clone(),
            role: artisan.role,
        }];
    }
    Fixtures {
        cafes,
        roasters: vec![kiln, nordlys, torra],
        artisans,
        methods: vec![
            method("V60", "v60"),
            method("AeroPress", "aeropress"),
            method("Chemex", "chemex"),
            method("Espresso", "espresso"),
        ],
    }
}

/// Writes the catalogue through the writer port.
pub async fn load<W: shared::ports::CatalogWriter>(store: &W, f: &Fixtures) {
    for m in &f.methods {
        store.put_brewing_method(m).await.expect("put method");
    }
    for r in &f.roasters {
        store.put_roaster(r).await.expect("put roaster");
    }
    for a in &f.artisans {
        store.put_artisan(a).await.expect("put artisan");
    }
    for c in &f.cafes {
        store.put_cafe(c).await.expect("put cafe");
    }
}
