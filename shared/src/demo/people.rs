//! Demo people and what they wrote: users with distinct tastes, reviews whose ratings follow
//! those tastes (so cafés' ratings differ and `sort=rating` means something), stories and saved
//! cafés. Deterministic like the catalogue: its own seeded generator over fixed tables.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;

use super::places::{CITIES, City};
use super::{DemoError, Rng};
use crate::domain::{
    Cafe, CafeId, CountryCode, ProcessMethod, PublicUserId, Rating, RatingSummary, Review,
    ReviewDraft, ReviewId, ReviewText, SavedCafe, Slug, Story, StoryDraft, StoryId, UserProfile,
};

/// Demo users.
pub const USERS: usize = 520;
/// Every this-many-th café (in catalogue order, starting with the first) is one nobody has
/// reviewed, written about or saved yet: what a newly listed café looks like, and a clean
/// slate for tests that write reviews and stories.
pub const QUIET_EVERY: usize = 16;
/// Demo stories.
pub const STORIES: usize = 320;
/// Own seed, so adding people never changes the catalogue's ids.
const SEED: u64 = 0x005E_ED0F_DE30_2026;
/// 2026-11-01T00:00:00Z: the latest time anything in the demo data was written.
const WRITTEN_UNTIL: i64 = 1_793_491_200;

/// People and their content, ready to be written to any store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DemoPeople {
    pub users: Vec<UserProfile>,
    pub reviews: Vec<Review>,
    pub stories: Vec<Story>,
    /// (who saved it, what they saved).
    pub saved: Vec<(PublicUserId, SavedCafe)>,
}

/// What a demo user likes: it decides where they go and how they rate.
struct Taste {
    city: &'static City,
    methods: Vec<Slug>,
    origins: Vec<CountryCode>,
    process: ProcessMethod,
    /// Added to every rating they give (a generous or a strict reviewer).
    bias: f64,
}

const PROCESSES: [ProcessMethod; 4] = [
    ProcessMethod::Washed,
    ProcessMethod::Natural,
    ProcessMethod::Honey,
    ProcessMethod::Anaerobic,
];

const BIOS: &[&str] = &[
    "Filter first, questions later.",
    "Chasing the perfect {method} one city at a time.",
    "Home roaster, weekend cupper, {city} local.",
    "I rate cafés by their {method} and their window seats.",
    "Ex-barista. Still weigh my beans.",
    "Naturals over washed, fight me.",
    "Espresso in the morning, {method} in the afternoon.",
    "Collecting cafés in {city} and beyond.",
];

const PRAISE: &[&str] = &[
    "The {method} was dialled in perfectly: clean, sweet and layered.",
    "A lovely {origin} {process} on {method}, bright with a long finish.",
    "Friendly staff who clearly care; my {method} was the best I've had this month.",
    "Everything here is done with care, from the water to the cups.",
    "Their {origin} coffee tasted like stone fruit and honey; I went back for a second cup.",
];
const MIXED: &[&str] = &[
    "Solid {method}, though a little under-extracted on my visit.",
    "Nice room and a good {origin} bean, but the queue was long.",
    "Decent coffee; the {method} was fine but not memorable.",
    "Good espresso, but they were out of the {process} lot I came for.",
];
const CRITICISM: &[&str] = &[
    "The {method} was bitter and the cup was lukewarm.",
    "Too busy to enjoy, and the coffee tasted stale.",
    "Pretty place, but the coffee did not live up to the prices.",
];
const CLOSERS: &[&str] = &[
    "Would come back.",
    "Worth a detour if you are in {city}.",
    "Bring a book and stay a while.",
    "Not my favourite in {city}, but fine for a quick stop.",
    "Card only, and no decaf when I went.",
];

const STORY_TITLES: &[&str] = &[
    "A rainy afternoon at {cafe}",
    "My first {method} at {cafe}",
    "Cupping Saturday in {city}",
    "The {origin} that changed my mind about {process} coffee",
    "Three cafés, one morning in {city}",
    "Why I keep going back to {cafe}",
];
const STORY_LINES: &[&str] = &[
    "The barista talked me through the {origin} on the bar while the kettle came up to temperature.",
    "We tasted the same bean as espresso and as {method}, and they were two different coffees.",
    "It was pouring outside, so we stayed for a second round and a cardamom bun.",
    "I wrote down the recipe: 15 g to 250 g, three pours, done by three minutes.",
    "The {process} lot was jammy and wild, the washed one clean as tea.",
    "{city} has no shortage of good coffee, but this one felt personal.",
];
const STORY_TAGS: &[&str] = &[
    "espresso",
    "pour-over",
    "cupping",
    "latte-art",
    "travel",
    "single-origin",
    "winter",
    "summer",
    "roastery-visit",
    "home-brewing",
];

fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    super::text::fill(template, vars)
}

fn process_name(p: ProcessMethod) -> &'static str {
    match p {
        ProcessMethod::Washed => "washed",
        ProcessMethod::Natural => "natural",
        ProcessMethod::Honey => "honey",
        ProcessMethod::Anaerobic => "anaerobic",
        ProcessMethod::WetHulled => "wet-hulled",
        ProcessMethod::CarbonicMaceration => "carbonic maceration",
    }
}

/// How the text names coffee from `code`: its first growing region in the origin table.
fn country_name(code: CountryCode) -> &'static str {
    super::origins::ORIGINS
        .iter()
        .find(|o| o.country == code.as_str())
        .map_or("single-origin", |o| o.region)
}

/// A time between `after` and the end of the demo period.
fn time_after(rng: &mut Rng, after: Timestamp) -> Result<Timestamp, DemoError> {
    let from = after.as_second().max(WRITTEN_UNTIL - 3 * 365 * 86_400);
    let span = (WRITTEN_UNTIL - from).max(1) as u64;
    Ok(Timestamp::from_second(
        from + (rng.next_u64() % span) as i64,
    )?)
}

/// Builds the demo people over `cafes`, and sets each café's rating to the exact summary of
/// its demo reviews (what the seeded rating shards add up to).
pub fn people(cafes: &mut [Cafe]) -> Result<DemoPeople, DemoError> {
    let mut rng = Rng::new(SEED);
    let methods: Vec<Slug> = super::methods::METHODS
        .iter()
        .map(|m| Slug::parse(m.slug))
        .collect::<Result<_, _>>()?;
    let origins: Vec<CountryCode> = super::origins::ORIGINS
        .iter()
        .map(|o| CountryCode::parse(o.country))
        .collect::<Result<BTreeSet<_>, _>>()?
        .into_iter()
        .collect();
    // Each café's hidden quality, so some are simply better than others.
    let quality: Vec<f64> = cafes.iter().map(|_| 2.6 + 2.1 * rng.unit()).collect();

    let mut out = DemoPeople::default();
    let mut tastes = Vec::with_capacity(USERS);
    let mut display_names = BTreeSet::new();
    for _ in 0..USERS {
        let city = rng.pick(CITIES)?;
        let k_methods = 2 + rng.below(2);
        let k_origins = 2 + rng.below(2);
        let taste = Taste {
            city,
            methods: rng
                .sample_of(&methods.iter().collect::<Vec<_>>(), k_methods)
                .into_iter()
                .cloned()
                .collect(),
            origins: rng.sample_of(&origins, k_origins),
            process: *rng.pick(&PROCESSES)?,
            bias: rng.unit() - 0.5,
        };
        let id = PublicUserId::from_entropy(rng.entropy());
        let mut name = String::new();
        for attempt in 0..50 {
            let given = rng.pick(city.given_names)?;
            let family = rng.pick(city.family_names)?;
            let initial = family.chars().next().unwrap_or('X');
            name = if attempt < 40 {
                format!("{given} {initial}.")
            } else {
                format!("{given} {family}")
            };
            if display_names.insert(name.clone()) {
                break;
            }
        }
        let created_at = time_after(
            &mut rng,
            Timestamp::from_second(WRITTEN_UNTIL - 4 * 365 * 86_400)?,
        )?;
        let method = taste.methods.first().map_or("espresso", Slug::as_str);
        let bio = rng.chance(70).then(|| -> Result<String, DemoError> {
            Ok(fill(
                rng.pick(BIOS)?,
                &[("method", method), ("city", city.name)],
            ))
        });
        out.users.push(UserProfile {
            id,
            display_name: name,
            bio: bio.transpose()?,
            home_city: Some(city.name.to_owned()),
            taste_methods: Vec::new(),
            created_at,
            updated_at: created_at,
        });
        tastes.push(taste);
    }

    let quiet = |i: usize| i.is_multiple_of(QUIET_EVERY);
    let open: Vec<usize> = (0..cafes.len()).filter(|&i| !quiet(i)).collect();
    let mut histograms = vec![[0u32; 5]; cafes.len()];
    for (user, taste) in out.users.iter().zip(&tastes) {
        let home: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| {
                cafes
                    .get(i)
                    .is_some_and(|c| c.location.city == taste.city.name)
            })
            .collect();
        let wanted = 8 + rng.below(5);
        let mut visited = BTreeSet::new();
        while visited.len() < wanted.min(open.len()) {
            let i = if !home.is_empty() && rng.chance(80) {
                *rng.pick(&home)?
            } else {
                *rng.pick(&open)?
            };
            visited.insert(i);
        }
        for i in visited {
            let Some(cafe) = cafes.get(i) else { continue };
            let method_match = cafe
                .brewing_methods
                .iter()
                .find(|m| taste.methods.contains(m));
            let origin_match = cafe
                .beans
                .iter()
                .find(|b| taste.origins.contains(&b.origin_country));
            let process_match = cafe.beans.iter().any(|b| b.process == taste.process);
            let mut score = quality.get(i).copied().unwrap_or(3.5) + taste.bias;
            score += if method_match.is_some() { 0.6 } else { -0.3 };
            score += if origin_match.is_some() { 0.4 } else { 0.0 };
            score += if process_match { 0.3 } else { 0.0 };
            score += 1.4 * (rng.unit() - 0.5);
            let stars = score.round().clamp(1.0, 5.0) as i64;
            let rating = Rating::new(stars)?;
            let method = method_match
                .or_else(|| cafe.brewing_methods.first())
                .cloned();
            let bean = origin_match.or_else(|| cafe.beans.first());
            let vars = [
                ("method", method.as_ref().map_or("espresso", Slug::as_str)),
                (
                    "origin",
                    bean.map_or("house", |b| country_name(b.origin_country)),
                ),
                (
                    "process",
                    bean.map_or("washed", |b| process_name(b.process)),
                ),
                ("city", cafe.location.city.as_str()),
            ];
            let pool = match stars {
                4..=5 => PRAISE,
                3 => MIXED,
                _ => CRITICISM,
            };
            let text = format!(
                "{} {}",
                fill(rng.pick(pool)?, &vars),
                fill(rng.pick(CLOSERS)?, &vars)
            );
            let created_at = time_after(&mut rng, cafe.created_at.max(user.created_at))?;
            let visited_on: Date = created_at
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
                .checked_sub(jiff::Span::new().days(rng.below(20) as i64))?;
            let review = Review::new(
                ReviewId::from_entropy(rng.entropy()),
                cafe.id.clone(),
                user.id.clone(),
                ReviewDraft {
                    rating,
                    text: ReviewText::parse(&text)?,
                    brewing_method: method,
                    visited_on: Some(visited_on),
                },
                created_at,
            );
            if let Some(h) = histograms.get_mut(i) {
                h[rating.bucket()] += 1;
            }
            out.reviews.push(review);
        }
    }
    for (cafe, histogram) in cafes.iter_mut().zip(histograms) {
        cafe.rating = RatingSummary::from_histogram(histogram);
    }

    for _ in 0..STORIES {
        let u = rng.below(out.users.len());
        let (Some(user), Some(taste)) = (out.users.get(u), tastes.get(u)) else {
            continue;
        };
        let local: Vec<&Cafe> = cafes
            .iter()
            .enumerate()
            .filter(|(i, c)| !quiet(*i) && c.location.city == taste.city.name)
            .map(|(_, c)| c)
            .collect();
        let k_linked = 1 + rng.below(2);
        let linked: Vec<&Cafe> = rng.sample_of(&local, k_linked);
        let first = linked.first().map_or(taste.city.name, |c| c.name.as_str());
        let vars = [
            ("cafe", first),
            ("city", taste.city.name),
            (
                "method",
                taste.methods.first().map_or("espresso", Slug::as_str),
            ),
            (
                "origin",
                taste
                    .origins
                    .first()
                    .map_or("Ethiopia", |c| country_name(*c)),
            ),
            ("process", process_name(taste.process)),
        ];
        let title = fill(rng.pick(STORY_TITLES)?, &vars);
        let k_lines = 2 + rng.below(3);
        let body = rng
            .sample_of(STORY_LINES, k_lines)
            .into_iter()
            .map(|line| fill(line, &vars))
            .collect::<Vec<_>>()
            .join("\n\n");
        let k_tags = 1 + rng.below(3);
        let tags = rng
            .sample_of(STORY_TAGS, k_tags)
            .into_iter()
            .map(Slug::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let earliest = linked
            .iter()
            .map(|c| c.created_at)
            .max()
            .unwrap_or(user.created_at);
        let created_at = time_after(&mut rng, earliest.max(user.created_at))?;
        out.stories.push(Story::new(
            StoryId::from_entropy(rng.entropy()),
            user.id.clone(),
            StoryDraft {
                title,
                body,
                tags,
                cafe_ids: linked.iter().map(|c| c.id.clone()).collect(),
            },
            created_at,
        ));
    }

    for (user, taste) in out.users.iter().zip(&tastes) {
        let mut local: Vec<&Cafe> = cafes
            .iter()
            .enumerate()
            .filter(|(i, c)| !quiet(*i) && c.location.city == taste.city.name)
            .map(|(_, c)| c)
            .collect();
        // Favourites first: people save the cafés they would rate highly.
        local.sort_by(|a, b| {
            b.rating
                .average
                .unwrap_or(0.0)
                .total_cmp(&a.rating.average.unwrap_or(0.0))
                .then(a.id.cmp(&b.id))
        });
        let n = rng.below(7);
        let chosen: Vec<CafeId> = local.iter().take(n + 2).map(|c| c.id.clone()).collect();
        for cafe_id in rng.sample_of(&chosen.iter().collect::<Vec<_>>(), n) {
            let saved_at = time_after(&mut rng, user.created_at)?;
            out.saved.push((
                user.id.clone(),
                SavedCafe {
                    cafe_id: cafe_id.clone(),
                    saved_at,
                },
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn demo() -> (Vec<Cafe>, DemoPeople) {
        let mut catalog = super::super::catalog().unwrap_or_else(|e| panic!("{e}"));
        let people = catalog.people.clone();
        (std::mem::take(&mut catalog.cafes), people)
    }

    #[test]
    fn there_are_enough_people_reviews_stories_and_saves() {
        let (_, p) = demo();
        assert!(p.users.len() >= 500, "{} users", p.users.len());
        assert!(p.reviews.len() >= 5_000, "{} reviews", p.reviews.len());
        assert!(p.stories.len() >= 300, "{} stories", p.stories.len());
        assert!(p.saved.len() >= 300, "{} saves", p.saved.len());
        let names: BTreeSet<&str> = p.users.iter().map(|u| u.display_name.as_str()).collect();
        assert_eq!(names.len(), p.users.len(), "display names are distinct");
    }

    #[test]
    fn one_review_per_user_per_cafe_and_ratings_match_the_reviews() {
        let (cafes, p) = demo();
        let mut seen = BTreeSet::new();
        let mut histograms: BTreeMap<&CafeId, [u32; 5]> = BTreeMap::new();
        for r in &p.reviews {
            assert!(seen.insert((&r.author_id, &r.cafe_id)), "duplicate review");
            histograms.entry(&r.cafe_id).or_default()[r.rating.bucket()] += 1;
        }
        for cafe in &cafes {
            let h = histograms.get(&cafe.id).copied().unwrap_or_default();
            assert_eq!(
                cafe.rating,
                RatingSummary::from_histogram(h),
                "{}",
                cafe.name
            );
        }
    }

    #[test]
    fn quiet_cafes_have_no_reviews_stories_or_saves() {
        let (cafes, p) = demo();
        let quiet: Vec<&CafeId> = cafes.iter().step_by(QUIET_EVERY).map(|c| &c.id).collect();
        assert!(quiet.len() >= 12);
        assert!(
            cafes
                .iter()
                .step_by(QUIET_EVERY)
                .all(|c| c.rating.count == 0)
        );
        assert!(p.reviews.iter().all(|r| !quiet.contains(&&r.cafe_id)));
        assert!(
            p.stories
                .iter()
                .all(|s| s.cafe_ids.iter().all(|c| !quiet.contains(&c)))
        );
        assert!(p.saved.iter().all(|(_, s)| !quiet.contains(&&s.cafe_id)));
    }

    #[test]
    fn ratings_differ_between_cafes_and_follow_tastes() {
        let (cafes, _) = demo();
        let averages: BTreeSet<u64> = cafes
            .iter()
            .filter(|c| c.rating.count > 0)
            .filter_map(|c| c.rating.average.map(|a| (a * 100.0) as u64))
            .collect();
        assert!(averages.len() >= 50, "{} distinct averages", averages.len());
        let unreviewed = cafes.iter().filter(|c| c.rating.count == 0).count();
        assert!(
            unreviewed * 5 < cafes.len(),
            "{unreviewed} cafés without reviews"
        );
    }

    #[test]
    fn content_is_written_after_what_it_is_about() {
        let (cafes, p) = demo();
        let created: BTreeMap<&CafeId, Timestamp> =
            cafes.iter().map(|c| (&c.id, c.created_at)).collect();
        for r in &p.reviews {
            assert!(r.created_at >= created[&r.cafe_id]);
            assert!(r.created_at.as_second() <= WRITTEN_UNTIL);
        }
        for s in &p.stories {
            for c in &s.cafe_ids {
                assert!(s.created_at >= created[c]);
            }
        }
    }
}
