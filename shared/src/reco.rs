//! The recommender behind `GET /partner/v1/users/{partnerUserId}/recommendations` (pure: no
//! I/O, no AWS or HTTP types; docs/partners.md "Recommendations").
//!
//! A hybrid over positive interactions (a review of 4 or 5 stars, a save, a story that names the
//! café): item–item collaborative filtering (cosine similarity of the cafés' sets of people who
//! liked them) blended with content features (brewing methods, bean origins and processes,
//! roasters) and the café's rating in the training data. [`Model::train`] learns from every
//! interaction at once (the scheduled job), [`Model::recommend`] makes one user's
//! [`UserRecommendations`], which are stored whole; a request reads them with one `GetItem` and
//! applies its location with [`UserRecommendations::near`].

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{
    BeanSourcing, Cafe, CafeId, Coordinates, CountryCode, ProcessMethod, PublicUserId, Review,
    RoasterId, RoasterRef, SavedCafe, Slug, Story,
};

/// Most cafés kept per user (about 25 KiB of JSON: well within one item).
pub const MAX_CAFES: usize = 120;
/// Most roasters and beans kept per user.
pub const MAX_OTHERS: usize = 20;
/// Least stars of a positive review.
pub const POSITIVE_STARS: u8 = 4;

/// The weights of the blend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// Item–item collaborative filtering.
    pub cf: f64,
    /// Content features.
    pub content: f64,
    /// The café's rating in the training data.
    pub quality: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            cf: 0.5,
            content: 0.35,
            quality: 0.15,
        }
    }
}
/// The prior of the rating's Bayesian mean: this many reviews of this many stars.
const PRIOR_REVIEWS: f64 = 3.0;
const PRIOR_STARS: f64 = 3.5;

/// What a user did with a café.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A review with this many stars (1–5).
    Review(u8),
    Save,
    Story,
}

/// One user's interaction with one café.
#[derive(Clone, Debug, PartialEq)]
pub struct Interaction {
    pub user: PublicUserId,
    pub cafe: CafeId,
    pub at: Timestamp,
    pub signal: Signal,
}

impl Interaction {
    /// Whether it says the user liked the café.
    pub fn is_positive(&self) -> bool {
        match self.signal {
            Signal::Review(stars) => stars >= POSITIVE_STARS,
            Signal::Save | Signal::Story => true,
        }
    }
}

/// Every interaction in reviews, saves and stories (a story counts once per café it names).
pub fn interactions(
    reviews: &[Review],
    saves: &[(PublicUserId, SavedCafe)],
    stories: &[Story],
) -> Vec<Interaction> {
    let mut out = Vec::with_capacity(reviews.len() + saves.len() + stories.len());
    out.extend(reviews.iter().map(|r| Interaction {
        user: r.author_id.clone(),
        cafe: r.cafe_id.clone(),
        at: r.created_at,
        signal: Signal::Review(r.rating.stars()),
    }));
    out.extend(saves.iter().map(|(user, s)| Interaction {
        user: user.clone(),
        cafe: s.cafe_id.clone(),
        at: s.saved_at,
        signal: Signal::Save,
    }));
    for story in stories {
        out.extend(story.cafe_ids.iter().map(|cafe| Interaction {
            user: story.author_id.clone(),
            cafe: cafe.clone(),
            at: story.created_at,
            signal: Signal::Story,
        }));
    }
    out
}

/// Why an item is recommended: a short machine-readable code and its value
/// (`{"code":"matches_process","value":"natural"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub value: String,
}

/// The closed set of reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// People who liked the café named by id (one the user liked) liked this one too.
    LikedWith,
    /// Offers a brewing method (slug) the user's favourite cafés offer.
    MatchesMethod,
    /// Serves beans from a country (ISO code) the user favours.
    MatchesOrigin,
    /// Serves beans of a process (`natural`, `washed`, …) the user favours.
    MatchesProcess,
    /// Serves or is a roaster (id) whose coffee the user's favourite cafés serve.
    MatchesRoaster,
    /// Well liked by everyone (the value is the café's city); the user has no history yet.
    Popular,
}

/// A recommended café, with what a location filter needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CafePick {
    pub id: CafeId,
    pub name: String,
    pub city: String,
    pub coordinates: Coordinates,
    pub score: f64,
    pub reason: Reason,
}

/// A recommended roaster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoasterPick {
    pub id: RoasterId,
    pub name: String,
    pub score: f64,
    pub reason: Reason,
}

/// A recommended coffee, as a café's menu has it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BeanPick {
    pub name: String,
    /// Where it is served.
    pub cafe_id: CafeId,
    pub origin_country: CountryCode,
    pub process: ProcessMethod,
    pub roaster: RoasterRef,
    pub score: f64,
    pub reason: Reason,
}

/// One user's precomputed recommendations: what the job stores and a request reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRecommendations {
    pub user_id: PublicUserId,
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    pub computed_at: Timestamp,
    /// Best first, at most [`MAX_CAFES`], without the cafés the user already interacted with.
    pub cafes: Vec<CafePick>,
    pub roasters: Vec<RoasterPick>,
    pub beans: Vec<BeanPick>,
}

impl UserRecommendations {
    /// The best `limit` cafés within `radius_m` of `at`, each with its distance in metres;
    /// nearer cafés gain (the score is divided by `1 + d / radius`).
    pub fn near(&self, at: Coordinates, radius_m: f64, limit: usize) -> Vec<(&CafePick, f64)> {
        let mut found: Vec<(&CafePick, f64, f64)> = self
            .cafes
            .iter()
            .filter_map(|c| {
                let d = crate::geo::distance_m(at, c.coordinates);
                (d <= radius_m).then(|| (c, d, c.score / (1.0 + d / radius_m.max(1.0))))
            })
            .collect();
        found.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.id.cmp(&b.0.id)));
        found
            .into_iter()
            .take(limit)
            .map(|(c, d, _)| (c, d))
            .collect()
    }
}

/// The features of one café the recommender uses.
#[derive(Clone, Debug)]
struct CafeFacts {
    id: CafeId,
    name: String,
    city: String,
    coordinates: Coordinates,
    methods: Vec<Slug>,
    origins: Vec<CountryCode>,
    processes: Vec<ProcessMethod>,
    roasters: Vec<RoasterRef>,
    beans: Vec<BeanSourcing>,
}

impl CafeFacts {
    fn of(cafe: &Cafe) -> Self {
        let mut origins: Vec<CountryCode> = cafe.beans.iter().map(|b| b.origin_country).collect();
        origins.sort_unstable();
        origins.dedup();
        let mut processes: Vec<ProcessMethod> = Vec::new();
        for b in &cafe.beans {
            if !processes.contains(&b.process) {
                processes.push(b.process);
            }
        }
        Self {
            id: cafe.id.clone(),
            name: cafe.name.clone(),
            city: cafe.location.city.clone(),
            coordinates: cafe.location.coordinates,
            methods: cafe.brewing_methods.clone(),
            origins,
            processes,
            roasters: cafe.roasters(),
            beans: cafe.beans.clone(),
        }
    }
}

/// How much a user favours each feature: shares of their positive cafés' features (each group
/// sums to 1).
#[derive(Debug, Default)]
struct Taste {
    methods: BTreeMap<Slug, f64>,
    origins: BTreeMap<CountryCode, f64>,
    processes: BTreeMap<&'static str, f64>,
    roasters: BTreeMap<RoasterId, f64>,
}

fn normalise<K>(map: &mut BTreeMap<K, f64>) {
    let total: f64 = map.values().sum();
    if total > 0.0 {
        map.values_mut().for_each(|v| *v /= total);
    }
}

/// The kebab-case name of a process, as the API writes it.
pub fn process_name(p: ProcessMethod) -> &'static str {
    match p {
        ProcessMethod::Washed => "washed",
        ProcessMethod::Natural => "natural",
        ProcessMethod::Honey => "honey",
        ProcessMethod::Anaerobic => "anaerobic",
        ProcessMethod::WetHulled => "wet-hulled",
        ProcessMethod::CarbonicMaceration => "carbonic-maceration",
    }
}

impl Taste {
    fn of(liked: &[usize], cafes: &[CafeFacts]) -> Self {
        let mut t = Taste::default();
        for c in liked.iter().filter_map(|&i| cafes.get(i)) {
            for m in &c.methods {
                *t.methods.entry(m.clone()).or_default() += 1.0;
            }
            for o in &c.origins {
                *t.origins.entry(*o).or_default() += 1.0;
            }
            for p in &c.processes {
                *t.processes.entry(process_name(*p)).or_default() += 1.0;
            }
            for r in &c.roasters {
                *t.roasters.entry(r.id.clone()).or_default() += 1.0;
            }
        }
        normalise(&mut t.methods);
        normalise(&mut t.origins);
        normalise(&mut t.processes);
        normalise(&mut t.roasters);
        t
    }

    /// The content score of a café (0–1: the mean over the four groups of the user's share of
    /// the café's features) and the feature that contributed most.
    fn score(&self, c: &CafeFacts) -> (f64, Option<Reason>) {
        let mut best: Option<(f64, Reason)> = None;
        let mut consider = |w: f64, code: ReasonCode, value: &str| {
            if w > 0.0 && best.as_ref().is_none_or(|(b, _)| w > *b) {
                best = Some((
                    w,
                    Reason {
                        code,
                        value: value.to_owned(),
                    },
                ));
            }
        };
        let mut groups = [0.0; 4];
        for m in &c.methods {
            let w = self.methods.get(m).copied().unwrap_or(0.0);
            groups[0] += w;
            consider(w, ReasonCode::MatchesMethod, m.as_str());
        }
        for o in &c.origins {
            let w = self.origins.get(o).copied().unwrap_or(0.0);
            groups[1] += w;
            consider(w, ReasonCode::MatchesOrigin, o.as_str());
        }
        for p in &c.processes {
            let w = self.processes.get(process_name(*p)).copied().unwrap_or(0.0);
            groups[2] += w;
            consider(w, ReasonCode::MatchesProcess, process_name(*p));
        }
        for r in &c.roasters {
            let w = self.roasters.get(&r.id).copied().unwrap_or(0.0);
            groups[3] += w;
            consider(w, ReasonCode::MatchesRoaster, r.id.as_str());
        }
        let score = groups.iter().map(|g| g.min(1.0)).sum::<f64>() / 4.0;
        (score, best.map(|(_, r)| r))
    }
}

/// What the recommender learnt from every interaction.
#[derive(Debug)]
pub struct Model {
    cafes: Vec<CafeFacts>,
    index: HashMap<CafeId, usize>,
    /// Per user: the cafés they liked and every café they interacted with.
    liked: HashMap<PublicUserId, Vec<usize>>,
    seen: HashMap<PublicUserId, HashSet<usize>>,
    /// Per café: how many people liked it, and its similar cafés (cosine of their likers).
    likers: Vec<usize>,
    similar: Vec<Vec<(usize, f64)>>,
    /// Per café: the Bayesian mean of its review stars, scaled to 0–1.
    quality: Vec<f64>,
}

impl Model {
    /// Learns from `interactions` over the catalogue `cafes` (interactions with cafés not in
    /// it are ignored).
    pub fn train(cafes: &[Cafe], interactions: &[Interaction]) -> Self {
        let facts: Vec<CafeFacts> = cafes.iter().map(CafeFacts::of).collect();
        let index: HashMap<CafeId, usize> = facts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let mut liked_sets: HashMap<PublicUserId, Vec<usize>> = HashMap::new();
        let mut seen: HashMap<PublicUserId, HashSet<usize>> = HashMap::new();
        let mut stars = vec![(0.0f64, 0.0f64); facts.len()];
        for x in interactions {
            let Some(&i) = index.get(&x.cafe) else {
                continue;
            };
            seen.entry(x.user.clone()).or_default().insert(i);
            if let (Signal::Review(s), Some(acc)) = (x.signal, stars.get_mut(i)) {
                acc.0 += f64::from(s);
                acc.1 += 1.0;
            }
            if x.is_positive() {
                let list = liked_sets.entry(x.user.clone()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        let mut likers = vec![0usize; facts.len()];
        let mut co: Vec<HashMap<usize, f64>> = vec![HashMap::new(); facts.len()];
        for items in liked_sets.values() {
            for &i in items {
                if let Some(n) = likers.get_mut(i) {
                    *n += 1;
                }
                for &j in items {
                    if i != j
                        && let Some(row) = co.get_mut(i)
                    {
                        *row.entry(j).or_default() += 1.0;
                    }
                }
            }
        }
        let similar = co
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let ni = likers.get(i).copied().unwrap_or(0) as f64;
                let mut sims: Vec<(usize, f64)> = row
                    .into_iter()
                    .map(|(j, n)| {
                        let nj = likers.get(j).copied().unwrap_or(0) as f64;
                        (j, n / (ni * nj).sqrt().max(1.0))
                    })
                    .collect();
                sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                sims
            })
            .collect();
        let quality = stars
            .iter()
            .map(|(sum, n)| {
                let mean = (sum + PRIOR_STARS * PRIOR_REVIEWS) / (n + PRIOR_REVIEWS);
                ((mean - 1.0) / 4.0).clamp(0.0, 1.0)
            })
            .collect();
        Self {
            cafes: facts,
            index,
            liked: liked_sets,
            seen,
            likers,
            similar,
            quality,
        }
    }

    /// Every user with at least one interaction.
    pub fn users(&self) -> impl Iterator<Item = &PublicUserId> {
        self.seen.keys()
    }

    /// How many people liked each café, by id (the popularity baseline).
    pub fn popularity(&self, cafe: &CafeId) -> usize {
        self.index
            .get(cafe)
            .and_then(|&i| self.likers.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// Whether `user` interacted with `cafe` in the training data.
    pub fn has_seen(&self, user: &PublicUserId, cafe: &CafeId) -> bool {
        match (self.seen.get(user), self.index.get(cafe)) {
            (Some(seen), Some(i)) => seen.contains(i),
            _ => false,
        }
    }

    /// `user`'s recommendations at `now`. A user without liked cafés gets the best-liked
    /// cafés (reason `popular`) and no roasters or beans.
    pub fn recommend(&self, user: &PublicUserId, now: Timestamp) -> UserRecommendations {
        self.recommend_with(user, now, Weights::default())
    }

    /// [`Model::recommend`] with other weights (the offline evaluation compares them).
    pub fn recommend_with(
        &self,
        user: &PublicUserId,
        now: Timestamp,
        w: Weights,
    ) -> UserRecommendations {
        let empty = Vec::new();
        let liked = self.liked.get(user).unwrap_or(&empty);
        let seen = self.seen.get(user);
        let taste = Taste::of(liked, &self.cafes);

        // Collaborative filtering: the summed similarity to the liked cafés, and the liked
        // café that contributed most.
        let mut cf = vec![(0.0f64, None::<(f64, usize)>); self.cafes.len()];
        for &i in liked {
            for &(j, s) in self.similar.get(i).map_or(&[][..], Vec::as_slice) {
                if let Some(slot) = cf.get_mut(j) {
                    slot.0 += s;
                    if slot.1.is_none_or(|(b, _)| s > b) {
                        slot.1 = Some((s, i));
                    }
                }
            }
        }
        let cf_max = cf.iter().map(|c| c.0).fold(0.0, f64::max).max(f64::EPSILON);

        let mut cafes: Vec<CafePick> = Vec::new();
        for (i, c) in self.cafes.iter().enumerate() {
            if seen.is_some_and(|s| s.contains(&i)) {
                continue;
            }
            let (cf_raw, cf_best) = cf.get(i).cloned().unwrap_or((0.0, None));
            let cf_score = cf_raw / cf_max;
            let (content, content_reason) = taste.score(c);
            let quality = self.quality.get(i).copied().unwrap_or(0.0);
            let score = w.cf * cf_score + w.content * content + w.quality * quality;
            let reason = if w.cf * cf_score >= w.content * content {
                cf_best
                    .and_then(|(_, j)| self.cafes.get(j))
                    .map(|j| Reason {
                        code: ReasonCode::LikedWith,
                        value: j.id.to_string(),
                    })
            } else {
                None
            }
            .or(content_reason)
            .unwrap_or_else(|| Reason {
                code: ReasonCode::Popular,
                value: c.city.clone(),
            });
            cafes.push(CafePick {
                id: c.id.clone(),
                name: c.name.clone(),
                city: c.city.clone(),
                coordinates: c.coordinates,
                score: round(score),
                reason,
            });
        }
        cafes.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        cafes.truncate(MAX_CAFES);
        let (roasters, beans) = if liked.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            (self.roasters(&taste), self.beans(&taste))
        };
        UserRecommendations {
            user_id: user.clone(),
            computed_at: now,
            cafes,
            roasters,
            beans,
        }
    }

    /// Roasters whose coffee matches the taste: the user's share of the roaster, plus the
    /// origin and process shares of the beans it roasts (averaged).
    fn roasters(&self, taste: &Taste) -> Vec<RoasterPick> {
        let mut by_roaster: BTreeMap<RoasterId, (RoasterRef, f64, usize)> = BTreeMap::new();
        for bean in self.cafes.iter().flat_map(|c| &c.beans) {
            let w = bean_match(taste, bean);
            let entry = by_roaster
                .entry(bean.roaster.id.clone())
                .or_insert_with(|| (bean.roaster.clone(), 0.0, 0));
            entry.1 += w;
            entry.2 += 1;
        }
        let mut out: Vec<RoasterPick> = by_roaster
            .into_values()
            .map(|(r, sum, n)| {
                let own = taste.roasters.get(&r.id).copied().unwrap_or(0.0);
                let score = own + sum / n.max(1) as f64;
                let reason = if own > 0.0 {
                    Reason {
                        code: ReasonCode::MatchesRoaster,
                        value: r.id.to_string(),
                    }
                } else {
                    best_bean_reason(taste, &self.cafes, &r.id)
                };
                RoasterPick {
                    id: r.id,
                    name: r.name,
                    score: round(score),
                    reason,
                }
            })
            .filter(|p| p.score > 0.0)
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out.truncate(MAX_OTHERS);
        out
    }

    /// Coffees on cafés' menus that match the taste (one per name and roaster).
    fn beans(&self, taste: &Taste) -> Vec<BeanPick> {
        let mut out: Vec<BeanPick> = Vec::new();
        let mut names = HashSet::new();
        for c in &self.cafes {
            for bean in &c.beans {
                if !names.insert((bean.name.clone(), bean.roaster.id.clone())) {
                    continue;
                }
                let score = bean_match(taste, bean)
                    + taste.roasters.get(&bean.roaster.id).copied().unwrap_or(0.0) / 2.0;
                if score <= 0.0 {
                    continue;
                }
                out.push(BeanPick {
                    name: bean.name.clone(),
                    cafe_id: c.id.clone(),
                    origin_country: bean.origin_country,
                    process: bean.process,
                    roaster: bean.roaster.clone(),
                    score: round(score),
                    reason: bean_reason(taste, bean),
                });
            }
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.name.cmp(&b.name))
        });
        out.truncate(MAX_OTHERS);
        out
    }
}

fn bean_match(taste: &Taste, bean: &BeanSourcing) -> f64 {
    taste
        .origins
        .get(&bean.origin_country)
        .copied()
        .unwrap_or(0.0)
        + taste
            .processes
            .get(process_name(bean.process))
            .copied()
            .unwrap_or(0.0)
}

fn bean_reason(taste: &Taste, bean: &BeanSourcing) -> Reason {
    let origin = taste
        .origins
        .get(&bean.origin_country)
        .copied()
        .unwrap_or(0.0);
    let process = taste
        .processes
        .get(process_name(bean.process))
        .copied()
        .unwrap_or(0.0);
    if process >= origin {
        Reason {
            code: ReasonCode::MatchesProcess,
            value: process_name(bean.process).to_owned(),
        }
    } else {
        Reason {
            code: ReasonCode::MatchesOrigin,
            value: bean.origin_country.as_str().to_owned(),
        }
    }
}

fn best_bean_reason(taste: &Taste, cafes: &[CafeFacts], roaster: &RoasterId) -> Reason {
    cafes
        .iter()
        .flat_map(|c| &c.beans)
        .filter(|b| &b.roaster.id == roaster)
        .max_by(|a, b| bean_match(taste, a).total_cmp(&bean_match(taste, b)))
        .map_or_else(
            || Reason {
                code: ReasonCode::MatchesRoaster,
                value: roaster.to_string(),
            },
            |b| bean_reason(taste, b),
        )
}

/// Scores are stored with four decimals (stable JSON, small items).
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[cfg(feature = "demo")]
    fn demo() -> (Vec<Cafe>, Vec<Interaction>) {
        let d = crate::demo::catalog().unwrap();
        let all = interactions(&d.people.reviews, &d.people.saved, &d.people.stories);
        (d.cafes, all)
    }

    #[test]
    fn positives_are_four_stars_saves_and_stories() {
        let x = |signal| Interaction {
            user: PublicUserId::from_entropy(1),
            cafe: CafeId::from_entropy(1),
            at: Timestamp::UNIX_EPOCH,
            signal,
        };
        assert!(!x(Signal::Review(3)).is_positive());
        assert!(x(Signal::Review(4)).is_positive());
        assert!(x(Signal::Save).is_positive());
        assert!(x(Signal::Story).is_positive());
    }

    #[cfg(feature = "demo")]
    #[test]
    fn recommendations_leave_out_seen_cafes_and_explain_each_item() {
        let (cafes, all) = demo();
        let model = Model::train(&cafes, &all);
        let user = all[0].user.clone();
        let recs = model.recommend(&user, Timestamp::UNIX_EPOCH);
        assert_eq!(recs.cafes.len(), MAX_CAFES);
        assert!(recs.cafes.iter().all(|c| !model.has_seen(&user, &c.id)));
        assert!(recs.cafes.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(!recs.roasters.is_empty() && !recs.beans.is_empty());
        let json = serde_json::to_value(&recs.beans[0].reason).unwrap();
        assert!(json["code"] == "matches_process" || json["code"] == "matches_origin");
        // Stored and read back whole.
        let back: UserRecommendations =
            serde_json::from_str(&serde_json::to_string(&recs).unwrap()).unwrap();
        assert_eq!(back, recs);
        // Someone with no history gets popular cafés and nothing else.
        let nobody = model.recommend(&PublicUserId::from_entropy(3), Timestamp::UNIX_EPOCH);
        assert!(
            nobody
                .cafes
                .iter()
                .all(|c| c.reason.code != ReasonCode::LikedWith)
        );
        assert!(nobody.roasters.is_empty() && nobody.beans.is_empty());
    }

    #[test]
    fn near_keeps_the_radius_and_favours_the_closer_of_equals() {
        let at = Coordinates::new(52.37, 4.89).unwrap();
        let pick = |n: u128, lat: f64, score: f64| CafePick {
            id: CafeId::from_entropy(n),
            name: format!("c{n}"),
            city: "Amsterdam".into(),
            coordinates: Coordinates::new(lat, 4.89).unwrap(),
            score,
            reason: Reason {
                code: ReasonCode::Popular,
                value: "Amsterdam".into(),
            },
        };
        let recs = UserRecommendations {
            user_id: PublicUserId::from_entropy(1),
            computed_at: Timestamp::UNIX_EPOCH,
            // ~11 km, ~1 km, ~100 km away.
            cafes: vec![
                pick(1, 52.47, 0.8),
                pick(2, 52.379, 0.8),
                pick(3, 53.27, 0.9),
            ],
            roasters: Vec::new(),
            beans: Vec::new(),
        };
        let near: Vec<u128> = recs
            .near(at, 25_000.0, 10)
            .iter()
            .map(|(c, _)| {
                if c.id == CafeId::from_entropy(1) {
                    1
                } else {
                    2
                }
            })
            .collect();
        assert_eq!(near, vec![2, 1]);
        assert_eq!(recs.near(at, 25_000.0, 1).len(), 1);
    }
}
