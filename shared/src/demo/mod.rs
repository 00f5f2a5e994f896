//! Deterministic demo catalogue: ~240 cafés in 16 real cities on six continents, with their
//! roasters, artisans and the twelve brewing guides.
//!
//! Everything is drawn from a seeded splitmix64 generator over fixed data tables, so every call
//! returns exactly the same catalogue (ids and timestamps included): fixtures, seeded stores
//! and screenshots stay stable across machines and runs. No clock, no OS randomness and no hash
//! map iteration order is involved.

mod methods;
mod origins;
mod people;
mod places;
mod text;

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::domain::{
    Amenity, Artisan, ArtisanId, ArtisanRef, ArtisanRole, BeanSourcing, BrewingMethod, Cafe,
    CafeId, Coordinates, CountryCode, DomainError, Links, LocalTime, Location, OpeningHours,
    OpeningPeriod, PhoneNumber, PriceLevel, RatingSummary, Roaster, RoasterId, RoasterRef, Slug,
    Technique, TimeZoneName, Weekday,
};

use methods::METHODS;
use origins::ORIGINS;
use places::{AddressStyle, CITIES, City};
use text::fill;

pub use people::{DemoPeople, QUIET_EVERY};

/// The whole demo dataset, ready to be written to any store.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoCatalog {
    pub cafes: Vec<Cafe>,
    pub roasters: Vec<Roaster>,
    pub artisans: Vec<Artisan>,
    pub brewing_methods: Vec<BrewingMethod>,
    /// Users, their reviews (already counted in the cafés' `rating`), stories and saves.
    pub people: DemoPeople,
}

/// Why the demo catalogue could not be built. Any of these is a bug in the data tables.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A table value was rejected by a domain constructor.
    #[error("invalid demo data: {0}")]
    Invalid(#[from] DomainError),
    /// A generated timestamp was out of range.
    #[error("invalid demo timestamp: {0}")]
    Timestamp(#[from] jiff::Error),
    /// A data table the generator draws from is empty.
    #[error("a demo data table is empty")]
    EmptyPool,
    /// The name pools could not produce another unique name.
    #[error("ran out of unique {what} names in {city}")]
    NamesExhausted {
        what: &'static str,
        city: &'static str,
    },
}

/// Builds the demo catalogue. Deterministic: every call returns an identical value.
pub fn catalog() -> Result<DemoCatalog, DemoError> {
    let mut rng = Rng::new(SEED);
    let brewing_methods = methods::brewing_methods()?;
    let (roasters, by_city) = roasters(&mut rng)?;
    let refs: Vec<RoasterRef> = roasters
        .iter()
        .map(|r| RoasterRef {
            id: r.id.clone(),
            name: r.name.clone(),
        })
        .collect();
    let mut names = Names::default();
    let mut cafes = Vec::new();
    let mut artisans = Vec::new();
    for (city, local) in CITIES.iter().zip(&by_city) {
        let local: Vec<&RoasterRef> = local.iter().filter_map(|&i| refs.get(i)).collect();
        for n in 0..city.cafes {
            let (cafe, staff) = cafe(&mut rng, &mut names, city, n, &local, &refs)?;
            cafes.push(cafe);
            artisans.extend(staff);
        }
    }
    let people = people::people(&mut cafes)?;
    Ok(DemoCatalog {
        cafes,
        roasters,
        artisans,
        brewing_methods,
        people,
    })
}

/// Fixed seed: changing it changes every id in the demo data (and every fixture built on it).
const SEED: u64 = 0xC0FF_EE5E_ED20_2400;
/// 2019-01-01T00:00:00Z: demo records are created from here…
const CREATED_FROM: i64 = 1_546_300_800;
/// …to 2026-01-01T00:00:00Z (exclusive).
const CREATED_UNTIL: i64 = 1_767_225_600;
/// Mean Earth radius in km, as used by the haversine formula.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// splitmix64: tiny, fast and good enough to make varied demo data reproducibly.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0); modulo bias is irrelevant at these sizes.
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u16, hi: u16) -> u16 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + (self.next_u64() % span) as u16
    }

    /// True with the given probability in percent.
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// 128 bits for an id, from two draws.
    fn entropy(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Result<&'a T, DemoError> {
        items
            .get(self.below(items.len()))
            .ok_or(DemoError::EmptyPool)
    }

    /// `k` distinct indices of `0..n` (fewer if `n < k`), in draw order.
    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }

    /// `k` distinct items of `items`, in draw order.
    fn sample_of<T: Copy>(&mut self, items: &[T], k: usize) -> Vec<T> {
        self.sample(items.len(), k)
            .into_iter()
            .filter_map(|i| items.get(i).copied())
            .collect()
    }

    fn timestamp(&mut self) -> Result<Timestamp, DemoError> {
        let span = (CREATED_UNTIL - CREATED_FROM) as u64;
        let offset = (self.next_u64() % span) as i64;
        Ok(Timestamp::from_second(CREATED_FROM + offset)?)
    }
}

/// Names handed out so far, so cafés and people are never duplicated.
#[derive(Default)]
struct Names {
    cafes: BTreeSet<String>,
    people: BTreeSet<String>,
    /// (city, text) pairs already used, so no two cafés in a city share a tagline or a
    /// philosophy.
    blurbs: BTreeSet<(&'static str, String)>,
}

impl Names {
    /// Draws from `draw` until it yields a text no café in `city` has used yet.
    fn unique_in_city(
        &mut self,
        rng: &mut Rng,
        city: &'static City,
        mut draw: impl FnMut(&mut Rng) -> Result<String, DemoError>,
    ) -> Result<String, DemoError> {
        for _ in 0..200 {
            let text = draw(rng)?;
            if self.blurbs.insert((city.name, text.clone())) {
                return Ok(text);
            }
        }
        Err(DemoError::NamesExhausted {
            what: "tagline or philosophy",
            city: city.name,
        })
    }
}

/// Builds the roasters and, per city (in [`CITIES`] order), the indices of its own roasters.
fn roasters(rng: &mut Rng) -> Result<(Vec<Roaster>, Vec<Vec<usize>>), DemoError> {
    let mut out = Vec::new();
    let mut by_city = Vec::new();
    for city in CITIES {
        let mut local = Vec::new();
        for name in city.roasters {
            let founded = rng.between(1998, 2021);
            let year = founded.to_string();
            let vars = [
                ("name", *name),
                ("city", city.name),
                ("year", year.as_str()),
            ];
            let k = 2 + rng.below(2);
            let specialties: Vec<String> = rng
                .sample_of(text::ROASTER_SPECIALTIES, k)
                .into_iter()
                .map(str::to_owned)
                .collect();
            let look_out = specialties
                .first()
                .map_or_else(String::new, |s| format!(" Look out for its {s}."));
            let description = format!(
                "{} {}{look_out}",
                fill(rng.pick(text::ROASTER_OPENERS)?, &vars),
                rng.pick(text::ROASTER_FOCUS)?,
            );
            local.push(out.len());
            out.push(Roaster {
                id: RoasterId::from_entropy(rng.entropy()),
                name: (*name).to_owned(),
                description,
                city: city.name.to_owned(),
                country: CountryCode::parse(city.country)?,
                founded,
                roast_style: (*rng.pick(text::ROAST_STYLES)?).to_owned(),
                specialties,
                website: Some(website(name)?),
                created_at: rng.timestamp()?,
            });
        }
        by_city.push(local);
    }
    Ok((out, by_city))
}

/// `https://<slug>.example` for a business name.
fn website(name: &str) -> Result<String, DemoError> {
    let slug = Slug::from_text(&name.replace(['\'', '’'], ""))?;
    Ok(format!("https://{slug}.example"))
}

/// Builds the `n`-th café of `city` and its artisans.
fn cafe(
    rng: &mut Rng,
    names: &mut Names,
    city: &'static City,
    n: usize,
    local: &[&RoasterRef],
    all: &[RoasterRef],
) -> Result<(Cafe, Vec<Artisan>), DemoError> {
    let id = CafeId::from_entropy(rng.entropy());
    let name = cafe_name(rng, names, city)?;
    let (district, streets) = *rng.pick(city.districts)?;
    let hood = rng.chance(85).then_some(district);

    // Methods in catalogue order; most cafés pull espresso.
    let mut picked = if rng.chance(85) { vec![0] } else { Vec::new() };
    let want = 2 + rng.below(4);
    let rest: Vec<usize> = (1..METHODS.len()).collect();
    picked.extend(rng.sample_of(&rest, want - picked.len()));
    picked.sort_unstable();
    let specs: Vec<&methods::MethodSpec> = picked.iter().filter_map(|&i| METHODS.get(i)).collect();
    let brewing_methods = specs
        .iter()
        .map(|m| Slug::parse(m.slug))
        .collect::<Result<Vec<_>, _>>()?;
    let mut techniques = Vec::new();
    let k = 1 + rng.below(3);
    for spec in rng.sample_of(&specs, k) {
        let (tname, description) = rng.pick(spec.techniques)?;
        techniques.push(Technique {
            name: (*tname).to_owned(),
            method: Slug::parse(spec.slug)?,
            description: (*description).to_owned(),
        });
    }

    // Beans: the first from one of the city's roasters in rotation, so each roaster supplies
    // at least one café; the rest mostly local, sometimes a guest roaster from elsewhere.
    let mut beans = Vec::new();
    let k = 1 + rng.below(4);
    let origin_idx = rng.sample(ORIGINS.len(), k);
    for (k, oi) in origin_idx.iter().enumerate() {
        let roaster = if k == 0 {
            local.get(n % local.len().max(1)).copied()
        } else if rng.chance(65) {
            Some(*rng.pick(local)?)
        } else {
            Some(rng.pick(all)?)
        }
        .ok_or(DemoError::EmptyPool)?;
        let origin = ORIGINS.get(*oi).ok_or(DemoError::EmptyPool)?;
        beans.push(bean(rng, origin, roaster.clone())?);
    }
    let origin_area = origin_idx
        .first()
        .and_then(|&i| ORIGINS.get(i))
        .map_or("Ethiopia", |o| o.area);

    // People.
    let mut roles = vec![if rng.chance(70) {
        ArtisanRole::Owner
    } else {
        ArtisanRole::HeadBarista
    }];
    let others = [
        ArtisanRole::HeadBarista,
        ArtisanRole::Barista,
        ArtisanRole::Roaster,
        ArtisanRole::QGrader,
        ArtisanRole::PastryChef,
    ];
    let others: Vec<ArtisanRole> = others.into_iter().filter(|r| !roles.contains(r)).collect();
    let k = 1 + rng.below(2);
    roles.extend(rng.sample_of(&others, k));
    let mut staff = Vec::new();
    for role in roles {
        staff.push(artisan(rng, names, city, role, &id, &name)?);
    }
    // The founder is the owner when there is one, and opened the café after starting out.
    let (founder, earliest) = match staff.first() {
        Some(a) if a.role == ArtisanRole::Owner => (a.name.clone(), (a.since + 2).max(2008)),
        _ => (person_name(rng, names, city)?, 2008),
    };
    let year = rng.between(earliest, 2023).to_string();
    let method_name = specs.last().map_or("espresso", |m| m.name);
    let place = hood.unwrap_or(city.name);
    let vars = [
        ("city", city.name),
        ("hood", place),
        ("method", method_name),
        ("origin", origin_area),
        ("founder", founder.as_str()),
        ("year", year.as_str()),
        ("job", *rng.pick(text::FORMER_JOBS)?),
    ];
    let tagline =
        names.unique_in_city(rng, city, |rng| Ok(fill(rng.pick(text::TAGLINES)?, &vars)))?;
    let origins = [
        text::ORIGIN_OPENERS,
        text::ORIGIN_MIDDLES,
        text::ORIGIN_CLOSERS,
    ]
    .iter()
    .map(|pool| rng.pick(pool).map(|t| fill(t, &vars)))
    .collect::<Result<Vec<_>, _>>()?
    .join(" ");
    let philosophy = names.unique_in_city(rng, city, |rng| {
        Ok([
            text::PHILOSOPHY_BELIEFS,
            text::PHILOSOPHY_PRACTICES,
            text::PHILOSOPHY_INVITATIONS,
        ]
        .iter()
        .map(|pool| rng.pick(pool).map(|t| (*t).to_owned()))
        .collect::<Result<Vec<_>, _>>()?
        .join(" "))
    })?;

    let k = 2 + rng.below(5);
    let mut amenities = rng.sample_of(&Amenity::ALL, k);
    amenities.sort_unstable();
    let price = match rng.below(100) {
        0..15 => 1,
        15..55 => 2,
        55..90 => 3,
        _ => 4,
    };
    let handle = Slug::from_text(&name.replace(['\'', '’', '&'], ""))?;
    let links = Links {
        website: if rng.chance(85) {
            Some(website(&name)?)
        } else {
            None
        },
        instagram: if rng.chance(75) {
            Some(format!(
                "https://www.instagram.com/{}",
                handle.as_str().replace('-', "")
            ))
        } else {
            None
        },
    };

    let cafe = Cafe {
        tagline,
        origins,
        philosophy,
        location: Location {
            coordinates: scatter(rng, city)?,
            address: address(rng, city, streets)?,
            neighbourhood: hood.map(str::to_owned),
            city: city.name.to_owned(),
            country: CountryCode::parse(city.country)?,
        },
        brewing_methods,
        techniques,
        beans,
        artisans: staff
            .iter()
            .map(|a| ArtisanRef {
                id: a.id.clone(),
                name: a.name.clone(),
                role: a.role,
            })
            .collect(),
        hours: hours(rng, city)?,
        amenities,
        price_level: PriceLevel::new(price)?,
        links,
        phone: Some(phone(city, &id)?),
        rating: RatingSummary::default(),
        cover_photo: None,
        created_at: rng.timestamp()?,
        name,
        id,
    };
    Ok((cafe, staff))
}

/// A plausible landline in the café's city: the country calling code, the city's area code and
/// a subscriber number of the local length. The digits come from the café id, not the random
/// stream, so adding phones left every other generated value as it was.
fn phone(city: &City, id: &CafeId) -> Result<PhoneNumber, DemoError> {
    let (prefix, digits) = match city.name {
        "Tokyo" => ("+813", 8),
        "Seoul" => ("+822", 8),
        "Taipei" => ("+8862", 8),
        "Melbourne" => ("+613", 8),
        "Oslo" => ("+472", 7),
        "Copenhagen" => ("+453", 7),
        "London" => ("+4420", 8),
        "Berlin" => ("+4930", 8),
        "Lisbon" => ("+35121", 7),
        "Portland" => ("+1503", 7),
        "New York" => ("+1212", 7),
        "Mexico City" => ("+5255", 8),
        "São Paulo" => ("+5511", 8),
        "Bogotá" => ("+57601", 7),
        "Cape Town" => ("+2721", 7),
        "Nairobi" => ("+25420", 7),
        _ => ("+1555", 7),
    };
    // FNV-1a over the id: stable across runs and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.as_str().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut number = String::from(prefix);
    // Subscriber numbers start with 2–9 (0 and 1 are trunk and service prefixes).
    number.push(char::from(b'2' + (hash % 8) as u8));
    hash /= 8;
    for _ in 1..digits {
        number.push(char::from(b'0' + (hash % 10) as u8));
        hash /= 10;
    }
    Ok(PhoneNumber::parse(&number)?)
}

/// A café name not used anywhere else in the catalogue.
fn cafe_name(rng: &mut Rng, names: &mut Names, city: &'static City) -> Result<String, DemoError> {
    use text::{NAME_ADJECTIVES as ADJ, NAME_NOUNS as NOUN, NAME_SUFFIXES as SUFFIX};
    for _ in 0..200 {
        let name = match rng.below(10) {
            0 | 1 => format!("{} {}", rng.pick(ADJ)?, rng.pick(NOUN)?),
            2 | 3 => format!("{} {}", rng.pick(NOUN)?, rng.pick(SUFFIX)?),
            4 => format!(
                "{} {} {}",
                rng.pick(ADJ)?,
                rng.pick(NOUN)?,
                rng.pick(SUFFIX)?
            ),
            5 | 6 => {
                let pair = rng.sample_of(NOUN, 2);
                pair.join(" & ")
            }
            7 | 8 => format!("{} {}", rng.pick(city.local_words)?, rng.pick(SUFFIX)?),
            _ => (*rng.pick(city.local_words)?).to_owned(),
        };
        if names.cafes.insert(name.to_lowercase()) {
            return Ok(name);
        }
    }
    Err(DemoError::NamesExhausted {
        what: "café",
        city: city.name,
    })
}

/// A person's name plausible for `city`, unique in the catalogue.
fn person_name(rng: &mut Rng, names: &mut Names, city: &'static City) -> Result<String, DemoError> {
    for _ in 0..200 {
        let given = rng.pick(city.given_names)?;
        let family = rng.pick(city.family_names)?;
        if given == family {
            continue;
        }
        let name = if city.family_first {
            format!("{family} {given}")
        } else {
            format!("{given} {family}")
        };
        if names.people.insert(name.clone()) {
            return Ok(name);
        }
    }
    Err(DemoError::NamesExhausted {
        what: "person",
        city: city.name,
    })
}

fn artisan(
    rng: &mut Rng,
    names: &mut Names,
    city: &'static City,
    role: ArtisanRole,
    cafe_id: &CafeId,
    cafe_name: &str,
) -> Result<Artisan, DemoError> {
    let name = person_name(rng, names, city)?;
    let given = if city.family_first {
        name.split_once(' ').map_or(name.as_str(), |(_, g)| g)
    } else {
        name.split_once(' ').map_or(name.as_str(), |(g, _)| g)
    };
    let since = match role {
        ArtisanRole::Owner | ArtisanRole::QGrader => rng.between(2003, 2016),
        _ => rng.between(2009, 2023),
    };
    let since_text = since.to_string();
    let vars = [
        ("first", given),
        ("city", city.name),
        ("cafe", cafe_name),
        ("since", since_text.as_str()),
    ];
    let bio = [
        text::BIO_OPENERS,
        text::role_sentences(role),
        text::BIO_CLOSERS,
    ]
    .iter()
    .map(|pool| rng.pick(pool).map(|t| fill(t, &vars)))
    .collect::<Result<Vec<_>, _>>()?
    .join(" ");
    let k = 2 + rng.below(2);
    let specialties = rng
        .sample_of(text::role_specialties(role), k)
        .into_iter()
        .map(str::to_owned)
        .collect();
    Ok(Artisan {
        id: ArtisanId::from_entropy(rng.entropy()),
        name,
        role,
        bio,
        specialties,
        since,
        cafe_id: cafe_id.clone(),
        cafe_name: cafe_name.to_owned(),
    })
}

fn bean(
    rng: &mut Rng,
    origin: &origins::Origin,
    roaster: RoasterRef,
) -> Result<BeanSourcing, DemoError> {
    let (producer, short, kind) = rng.pick(origin.producers)?;
    let variety = *rng.pick(origin.varieties)?;
    let process = *rng.pick(origin.processes)?;
    // Landrace numbers and "Heirloom" make poor menu names; name those after the process.
    let plain = variety == "Heirloom" || variety.starts_with(|c: char| c.is_ascii_digit());
    let name = if plain || rng.chance(50) {
        format!("{short} {}", origins::process_label(process))
    } else {
        format!("{short} {variety}")
    };
    let altitude_m = if rng.chance(90) {
        Some(rng.between(origin.altitude_m.0 / 10, origin.altitude_m.1 / 10) * 10)
    } else {
        None
    };
    Ok(BeanSourcing {
        name,
        origin_country: CountryCode::parse(origin.country)?,
        region: origin.region.to_owned(),
        producer: (*producer).to_owned(),
        producer_kind: *kind,
        variety: variety.to_owned(),
        process,
        altitude_m,
        roaster,
    })
}

/// A point uniformly distributed within the city's radius of its centre.
fn scatter(rng: &mut Rng, city: &City) -> Result<Coordinates, DemoError> {
    let distance = city.radius_km * rng.unit().sqrt() / EARTH_RADIUS_KM;
    let bearing = std::f64::consts::TAU * rng.unit();
    let (lat1, lng1) = (city.lat.to_radians(), city.lng.to_radians());
    let lat2 = (lat1.sin() * distance.cos() + lat1.cos() * distance.sin() * bearing.cos()).asin();
    let lng2 = lng1
        + (bearing.sin() * distance.sin() * lat1.cos())
            .atan2(distance.cos() - lat1.sin() * lat2.sin());
    let round = |deg: f64| (deg * 1e6).round() / 1e6;
    Ok(Coordinates::new(
        round(lat2.to_degrees()),
        round(lng2.to_degrees()),
    )?)
}

/// A street address written the local way.
fn address(rng: &mut Rng, city: &City, streets: &[&str]) -> Result<String, DemoError> {
    let street = rng.pick(streets)?;
    Ok(match city.address {
        AddressStyle::NumberFirst => format!("{} {street}", rng.between(1, 299)),
        AddressStyle::StreetNumber => format!("{street} {}", rng.between(1, 140)),
        AddressStyle::StreetCommaNumber => format!("{street}, {}", rng.between(1, 420)),
        AddressStyle::Chome => format!(
            "{}-{}-{} {street}",
            rng.between(1, 4),
            rng.between(1, 20),
            rng.between(1, 15)
        ),
        AddressStyle::NoComma if rng.chance(30) => format!(
            "No. {}, Ln. {}, {street}",
            rng.between(1, 60),
            rng.between(2, 300)
        ),
        AddressStyle::NoComma => format!("No. {}, {street}", rng.between(1, 220)),
        // A carrera address is numbered by the cross calle and vice versa.
        AddressStyle::Grid if street.starts_with("Carrera") => {
            format!(
                "{street} # {}-{:02}",
                rng.between(48, 85),
                rng.between(5, 95)
            )
        }
        AddressStyle::Grid => format!(
            "{street} # {}-{:02}",
            rng.between(2, 20),
            rng.between(5, 95)
        ),
    })
}

/// Weekly hours: mostly 07:00–17:00-ish, some closed one day, ~10% with late weekend hours
/// that run past midnight.
fn hours(rng: &mut Rng, city: &City) -> Result<OpeningHours, DemoError> {
    let at = |(h, m): (u16, u16)| LocalTime::hm(h, m);
    let mut periods = Vec::new();
    let mut add = |day, opens, closes| -> Result<(), DemoError> {
        periods.push(OpeningPeriod {
            day,
            opens: at(opens)?,
            closes: at(closes)?,
        });
        Ok(())
    };
    if rng.chance(10) {
        let late_close = (*rng.pick(&[1, 2, 2, 3])?, 0);
        for day in Weekday::ALL {
            match day {
                Weekday::Mon => {}
                Weekday::Fri | Weekday::Sat => {
                    add(day, (9, 0), (16, 0))?;
                    add(day, (18, 0), late_close)?;
                }
                Weekday::Sun => add(day, (10, 0), (16, 0))?,
                _ => add(day, (8, 0), (18, 0))?,
            }
        }
    } else {
        let weekday = (
            *rng.pick(&[(6, 30), (7, 0), (7, 0), (7, 30), (8, 0)])?,
            *rng.pick(&[(15, 0), (16, 0), (17, 0), (17, 0), (17, 30), (18, 0)])?,
        );
        let weekend = (
            *rng.pick(&[(8, 0), (8, 30), (9, 0)])?,
            *rng.pick(&[(15, 0), (16, 0), (17, 0)])?,
        );
        let closed = if rng.chance(35) {
            Some(*rng.pick(&[Weekday::Mon, Weekday::Tue, Weekday::Sun])?)
        } else {
            None
        };
        for day in Weekday::ALL {
            if Some(day) == closed {
                continue;
            }
            let (opens, closes) = match day {
                Weekday::Sat | Weekday::Sun => weekend,
                _ => weekday,
            };
            add(day, opens, closes)?;
        }
    }
    Ok(OpeningHours {
        time_zone: TimeZoneName::parse(city.time_zone)?,
        periods,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_brewing_methods_are_exactly_the_curated_set() {
        let demo: Vec<String> = super::methods::brewing_methods()
            .unwrap_or_default()
            .iter()
            .map(|m| m.slug.to_string())
            .collect();
        assert_eq!(demo, crate::domain::BREWING_METHOD_SLUGS);
    }

    use std::collections::{BTreeMap, BTreeSet};

    use super::places::{CITIES, Continent};
    use super::*;

    fn demo() -> DemoCatalog {
        catalog().expect("demo catalogue builds")
    }

    fn haversine_km(a: &Coordinates, lat: f64, lng: f64) -> f64 {
        let (p1, p2) = (a.lat().to_radians(), lat.to_radians());
        let dp = p2 - p1;
        let dl = (lng - a.lng()).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(demo(), demo());
    }

    #[test]
    fn has_the_expected_volume() {
        let c = demo();
        assert!(c.cafes.len() >= 200, "{} cafés", c.cafes.len());
        assert!(c.roasters.len() >= 30, "{} roasters", c.roasters.len());
        assert!(c.artisans.len() >= 100, "{} artisans", c.artisans.len());
        assert_eq!(c.brewing_methods.len(), 12);
        let expected = [
            "espresso",
            "v60",
            "chemex",
            "kalita-wave",
            "aeropress",
            "french-press",
            "siphon",
            "moka-pot",
            "cold-brew",
            "turkish-ibrik",
            "clever-dripper",
            "origami-dripper",
        ];
        let slugs: Vec<&str> = c.brewing_methods.iter().map(|m| m.slug.as_str()).collect();
        assert_eq!(slugs, expected);
        for m in &c.brewing_methods {
            assert!(
                (4..=7).contains(&m.steps.len()),
                "{} has {} steps",
                m.slug,
                m.steps.len()
            );
            assert!(!m.equipment.is_empty(), "{}", m.slug);
            assert!(
                m.water_temperature_c.min <= m.water_temperature_c.max,
                "{}",
                m.slug
            );
            assert!(
                m.brew_time_seconds.min <= m.brew_time_seconds.max,
                "{}",
                m.slug
            );
        }
    }

    #[test]
    fn spans_cities_and_continents() {
        let c = demo();
        let cities: BTreeSet<&str> = c.cafes.iter().map(|x| x.location.city.as_str()).collect();
        let continents: BTreeSet<Continent> = cities
            .iter()
            .map(|name| {
                CITIES
                    .iter()
                    .find(|city| city.name == *name)
                    .map(|city| city.continent)
                    .expect("café city is in the table")
            })
            .collect();
        assert!(cities.len() >= 12, "{cities:?}");
        assert!(continents.len() >= 4, "{continents:?}");
        for cafe in &c.cafes {
            let city = CITIES
                .iter()
                .find(|city| city.name == cafe.location.city)
                .expect("city");
            assert_eq!(
                cafe.location.country.as_str(),
                city.country,
                "{}",
                cafe.name
            );
            assert_eq!(
                cafe.hours.time_zone.as_str(),
                city.time_zone,
                "{}",
                cafe.name
            );
            if let Some(hood) = &cafe.location.neighbourhood {
                assert!(
                    city.districts.iter().any(|(d, _)| d == hood),
                    "{hood} in {}",
                    city.name
                );
            }
            assert!(!cafe.location.address.is_empty());
        }
    }

    #[test]
    fn ids_and_cafe_names_are_unique() {
        let c = demo();
        let mut ids = BTreeSet::new();
        let all = c
            .cafes
            .iter()
            .map(|x| x.id.to_string())
            .chain(c.roasters.iter().map(|x| x.id.to_string()))
            .chain(c.artisans.iter().map(|x| x.id.to_string()));
        for id in all {
            assert!(ids.insert(id.clone()), "duplicate id {id}");
        }
        let names: BTreeSet<String> = c.cafes.iter().map(|x| x.name.to_lowercase()).collect();
        assert_eq!(names.len(), c.cafes.len());
        let roaster_names: BTreeSet<&str> = c.roasters.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(roaster_names.len(), c.roasters.len());
    }

    #[test]
    fn artisans_and_cafes_reference_each_other() {
        let c = demo();
        let cafes: BTreeMap<&CafeId, &Cafe> = c.cafes.iter().map(|x| (&x.id, x)).collect();
        for a in &c.artisans {
            let cafe = cafes.get(&a.cafe_id).expect("artisan's café exists");
            assert_eq!(a.cafe_name, cafe.name);
            let listed = cafe
                .artisans
                .iter()
                .find(|r| r.id == a.id)
                .expect("café lists artisan");
            assert_eq!((&listed.name, listed.role), (&a.name, a.role));
            assert!(!a.bio.is_empty() && !a.specialties.is_empty());
        }
        for cafe in &c.cafes {
            assert!((2..=3).contains(&cafe.artisans.len()), "{}", cafe.name);
            let own: Vec<&ArtisanId> = c
                .artisans
                .iter()
                .filter(|a| a.cafe_id == cafe.id)
                .map(|a| &a.id)
                .collect();
            let listed: Vec<&ArtisanId> = cafe.artisans.iter().map(|r| &r.id).collect();
            assert_eq!(own, listed, "{}", cafe.name);
        }
    }

    #[test]
    fn cafes_reference_existing_roasters_and_methods() {
        let c = demo();
        let roasters: BTreeMap<&RoasterId, &str> = c
            .roasters
            .iter()
            .map(|r| (&r.id, r.name.as_str()))
            .collect();
        let methods: BTreeSet<&Slug> = c.brewing_methods.iter().map(|m| &m.slug).collect();
        for cafe in &c.cafes {
            assert!((1..=4).contains(&cafe.beans.len()), "{}", cafe.name);
            for bean in &cafe.beans {
                assert_eq!(
                    roasters.get(&bean.roaster.id),
                    Some(&bean.roaster.name.as_str())
                );
            }
            assert!(
                (2..=5).contains(&cafe.brewing_methods.len()),
                "{}",
                cafe.name
            );
            let own: BTreeSet<&Slug> = cafe.brewing_methods.iter().collect();
            assert_eq!(
                own.len(),
                cafe.brewing_methods.len(),
                "duplicate method in {}",
                cafe.name
            );
            assert!(own.iter().all(|m| methods.contains(m)), "{}", cafe.name);
            assert!((1..=3).contains(&cafe.techniques.len()), "{}", cafe.name);
            for t in &cafe.techniques {
                assert!(
                    own.contains(&t.method),
                    "{}: {} not offered",
                    cafe.name,
                    t.method
                );
            }
            let amenities: BTreeSet<&Amenity> = cafe.amenities.iter().collect();
            assert!((2..=6).contains(&amenities.len()));
            assert_eq!(amenities.len(), cafe.amenities.len());
        }
    }

    #[test]
    fn every_roaster_supplies_a_cafe() {
        let c = demo();
        let supplying: BTreeSet<&RoasterId> = c
            .cafes
            .iter()
            .flat_map(|x| x.beans.iter().map(|b| &b.roaster.id))
            .collect();
        for r in &c.roasters {
            assert!(supplying.contains(&r.id), "{} supplies no café", r.name);
            let website = r.website.as_deref().expect("roaster website");
            let host = website
                .strip_prefix("https://")
                .and_then(|h| h.strip_suffix(".example"));
            assert!(host.is_some_and(|h| Slug::parse(h).is_ok()), "{website}");
        }
    }

    #[test]
    fn cafes_sit_within_their_city_radius() {
        for cafe in &demo().cafes {
            let city = CITIES
                .iter()
                .find(|city| city.name == cafe.location.city)
                .expect("city");
            let d = haversine_km(&cafe.location.coordinates, city.lat, city.lng);
            assert!(
                d <= city.radius_km + 0.001,
                "{} is {d:.3} km from {}",
                cafe.name,
                city.name
            );
        }
    }

    #[test]
    fn timestamps_fall_between_2019_and_2026() {
        let c = demo();
        let stamps = c
            .cafes
            .iter()
            .map(|x| x.created_at)
            .chain(c.roasters.iter().map(|x| x.created_at));
        for ts in stamps {
            assert!(
                (CREATED_FROM..CREATED_UNTIL).contains(&ts.as_second()),
                "{ts}"
            );
        }
    }

    #[test]
    fn opening_hours_are_varied_and_some_run_past_midnight() {
        let c = demo();
        let late = c
            .cafes
            .iter()
            .filter(|x| x.hours.periods.iter().any(|p| p.closes <= p.opens))
            .count();
        assert!(late > 0 && late * 4 < c.cafes.len(), "{late} late cafés");
        let closed_a_day = c.cafes.iter().filter(|x| x.hours.periods.len() < 7).count();
        assert!(closed_a_day > 0);
        assert!(c.cafes.iter().all(|x| !x.hours.periods.is_empty()));
    }

    #[test]
    fn no_two_cafes_in_a_city_share_a_tagline_or_a_philosophy() {
        let c = demo();
        let mut seen = BTreeSet::new();
        for cafe in &c.cafes {
            let city = cafe.location.city.as_str();
            assert!(
                seen.insert((city, "tagline", cafe.tagline.as_str())),
                "{city}: tagline {:?} repeats",
                cafe.tagline
            );
            assert!(
                seen.insert((city, "philosophy", cafe.philosophy.as_str())),
                "{city}: philosophy repeats"
            );
        }
    }

    #[test]
    fn texts_are_varied() {
        let c = demo();
        let origins: BTreeSet<&str> = c.cafes.iter().map(|x| x.origins.as_str()).collect();
        let taglines: BTreeSet<&str> = c.cafes.iter().map(|x| x.tagline.as_str()).collect();
        assert!(
            origins.len() * 10 >= c.cafes.len() * 9,
            "{} distinct origins",
            origins.len()
        );
        assert!(taglines.len() >= 30, "{} distinct taglines", taglines.len());
        for cafe in &c.cafes {
            let all = [&cafe.tagline, &cafe.origins, &cafe.philosophy];
            assert!(
                all.iter()
                    .all(|t| !t.contains('{') && !t.to_lowercase().contains("lorem"))
            );
        }
    }

    #[test]
    fn every_cafe_has_a_phone_with_its_country_calling_code() {
        let codes = [
            ("JP", "+81"),
            ("KR", "+82"),
            ("TW", "+886"),
            ("AU", "+61"),
            ("NO", "+47"),
            ("DK", "+45"),
            ("GB", "+44"),
            ("DE", "+49"),
            ("PT", "+351"),
            ("US", "+1"),
            ("MX", "+52"),
            ("BR", "+55"),
            ("CO", "+57"),
            ("ZA", "+27"),
            ("KE", "+254"),
        ];
        let catalog = demo();
        let mut distinct = std::collections::HashSet::new();
        for cafe in &catalog.cafes {
            let phone = cafe
                .phone
                .as_ref()
                .map(PhoneNumber::as_str)
                .unwrap_or_default();
            let (_, code) = codes
                .iter()
                .find(|(cc, _)| *cc == cafe.location.country.as_str())
                .unwrap_or_else(|| panic!("no calling code for {}", cafe.location.country));
            assert!(
                phone.starts_with(code),
                "{} in {}: {phone}",
                cafe.name,
                cafe.location.country
            );
            distinct.insert(phone.to_owned());
        }
        assert_eq!(
            distinct.len(),
            catalog.cafes.len(),
            "no two cafés share a number"
        );
    }

    #[test]
    fn cafe_round_trips_through_json() {
        let c = demo();
        let cafe = c.cafes.first().expect("a café");
        let json = serde_json::to_string(cafe).expect("serialise");
        let back: Cafe = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(&back, cafe);
    }
}
