//! `xtask reco-eval [--seed N]` (`make reco-eval`): the recommender's offline evaluation on the
//! demo data (docs/partners.md "Evaluation").
//!
//! Leave-one-out: for each demo user with at least two liked cafés, the latest positive
//! interaction is held out together with every other interaction of that user with that café;
//! the model is trained on the rest once, and each method ranks ten cafés the user has not
//! interacted with. Reported: hit-rate@10 (the held-out café is among the ten) and nDCG@10
//! (`1 / log2(rank + 1)` for a hit at 1-based `rank`, else 0; one relevant item, so the ideal
//! DCG is 1), averaged over users, for:
//!
//! - `recommender`: the hybrid, at the user's home (the mean position of their liked cafés in
//!   the city where they liked most), within [`RADIUS_M`] — what the partner route answers;
//! - `popularity`: the ten cafés liked by most people, anywhere;
//! - `popularity-nearby`: the same within [`RADIUS_M`] of the user's home (a stronger baseline,
//!   shown so the gain from location alone is visible);
//! - `random`: ten cafés drawn with a seeded generator.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Context;
use jiff::Timestamp;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use shared::domain::{Cafe, CafeId, Coordinates, PublicUserId};
use shared::reco::{Interaction, Model, interactions};

/// How far from the user's home a recommended café may be (the route's default radius).
pub const RADIUS_M: f64 = 25_000.0;
/// The cut-off of both metrics.
pub const K: usize = 10;

/// hit-rate@k and nDCG@k of one ranked list for one held-out item.
pub fn score_one(ranked: &[CafeId], held_out: &CafeId, k: usize) -> (f64, f64) {
    match ranked.iter().take(k).position(|c| c == held_out) {
        Some(pos) => (1.0, 1.0 / ((pos + 2) as f64).log2()),
        None => (0.0, 0.0),
    }
}

/// Mean hit-rate and nDCG over per-user scores.
pub fn mean(scores: &[(f64, f64)]) -> (f64, f64) {
    let n = scores.len().max(1) as f64;
    let (h, d) = scores
        .iter()
        .fold((0.0, 0.0), |acc, s| (acc.0 + s.0, acc.1 + s.1));
    (h / n, d / n)
}

/// One user's held-out case.
struct Case {
    user: PublicUserId,
    held_out: CafeId,
    home: Coordinates,
}

/// Splits interactions into training data and held-out cases.
fn split(cafes: &[Cafe], all: &[Interaction]) -> anyhow::Result<(Vec<Interaction>, Vec<Case>)> {
    let by_id: HashMap<&CafeId, &Cafe> = cafes.iter().map(|c| (&c.id, c)).collect();
    let mut per_user: BTreeMap<&PublicUserId, Vec<&Interaction>> = BTreeMap::new();
    for x in all {
        per_user.entry(&x.user).or_default().push(x);
    }
    let mut held: HashMap<PublicUserId, CafeId> = HashMap::new();
    let mut cases = Vec::new();
    for (user, xs) in &per_user {
        let liked: HashSet<&CafeId> = xs
            .iter()
            .filter(|x| x.is_positive())
            .map(|x| &x.cafe)
            .collect();
        if liked.len() < 2 {
            continue;
        }
        let Some(latest) = xs
            .iter()
            .filter(|x| x.is_positive())
            .max_by(|a, b| a.at.cmp(&b.at).then_with(|| a.cafe.cmp(&b.cafe)))
        else {
            continue;
        };
        // Home: where the user liked most, from the training part only.
        let mut cities: BTreeMap<&str, Vec<Coordinates>> = BTreeMap::new();
        for cafe in liked.iter().filter(|c| **c != &latest.cafe) {
            if let Some(c) = by_id.get(cafe) {
                cities
                    .entry(c.location.city.as_str())
                    .or_default()
                    .push(c.location.coordinates);
            }
        }
        let Some(points) = cities.values().max_by_key(|v| v.len()) else {
            continue;
        };
        let n = points.len() as f64;
        let lat = points.iter().map(|p| p.lat()).sum::<f64>() / n;
        let lng = points.iter().map(|p| p.lng()).sum::<f64>() / n;
        let home = Coordinates::new(lat, lng).context("a home inside the world")?;
        held.insert((*user).clone(), latest.cafe.clone());
        cases.push(Case {
            user: (*user).clone(),
            held_out: latest.cafe.clone(),
            home,
        });
    }
    let train = all
        .iter()
        .filter(|x| held.get(&x.user) != Some(&x.cafe))
        .cloned()
        .collect();
    Ok((train, cases))
}

/// The figures of one method.
pub struct Row {
    pub method: &'static str,
    pub hit_rate: f64,
    pub ndcg: f64,
}

/// Runs the evaluation on the demo data with `seed` for the random baseline.
pub fn evaluate(seed: u64) -> anyhow::Result<(usize, Vec<Row>)> {
    evaluate_with(seed, shared::reco::Weights::default())
}

/// [`evaluate`] with the recommender's blend weighted by `weights`.
pub fn evaluate_with(
    seed: u64,
    weights: shared::reco::Weights,
) -> anyhow::Result<(usize, Vec<Row>)> {
    let demo = shared::demo::catalog().context("building the demo data")?;
    let all = interactions(
        &demo.people.reviews,
        &demo.people.saved,
        &demo.people.stories,
    );
    let (train, cases) = split(&demo.cafes, &all)?;
    let model = Model::train(&demo.cafes, &train);
    let now = Timestamp::UNIX_EPOCH;
    let mut by_popularity: Vec<&Cafe> = demo.cafes.iter().collect();
    by_popularity.sort_by(|a, b| {
        model
            .popularity(&b.id)
            .cmp(&model.popularity(&a.id))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut rows: Vec<(&'static str, Vec<(f64, f64)>)> = vec![
        ("recommender", Vec::new()),
        ("popularity", Vec::new()),
        ("popularity-nearby", Vec::new()),
        ("random", Vec::new()),
    ];
    for case in &cases {
        let unseen = |c: &Cafe| !model.has_seen(&case.user, &c.id);
        let reco = model.recommend_with(&case.user, now, weights);
        let ranked: Vec<CafeId> = reco
            .near(case.home, RADIUS_M, K)
            .into_iter()
            .map(|(c, _)| c.id.clone())
            .collect();
        let popular: Vec<CafeId> = by_popularity
            .iter()
            .filter(|c| unseen(c))
            .take(K)
            .map(|c| c.id.clone())
            .collect();
        let popular_nearby: Vec<CafeId> = by_popularity
            .iter()
            .filter(|c| unseen(c))
            .filter(|c| shared::geo::distance_m(case.home, c.location.coordinates) <= RADIUS_M)
            .take(K)
            .map(|c| c.id.clone())
            .collect();
        let mut pool: Vec<CafeId> = demo
            .cafes
            .iter()
            .filter(|c| unseen(c))
            .map(|c| c.id.clone())
            .collect();
        pool.shuffle(&mut rng);
        for ((_, scores), ranked) in
            rows.iter_mut()
                .zip([&ranked, &popular, &popular_nearby, &pool])
        {
            scores.push(score_one(ranked, &case.held_out, K));
        }
    }
    let rows = rows
        .into_iter()
        .map(|(method, scores)| {
            let (hit_rate, ndcg) = mean(&scores);
            Row {
                method,
                hit_rate,
                ndcg,
            }
        })
        .collect();
    Ok((cases.len(), rows))
}

/// `xtask reco-eval [--seed N]`: prints the table.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let seed = match crate::flag_value(args, "--seed") {
        Some(raw) => raw.parse().context("--seed must be a whole number")?,
        None => 2026,
    };
    let (users, rows) = evaluate(seed)?;
    println!("leave-one-out on the demo data: {users} users, k = {K}, random seed {seed}");
    println!("| method | hit-rate@{K} | nDCG@{K} |");
    println!("|---|---|---|");
    for row in &rows {
        println!("| {} | {:.3} | {:.3} |", row.method, row.hit_rate, row.ndcg);
    }
    let get = |m: &str| {
        rows.iter()
            .find(|r| r.method == m)
            .map_or(0.0, |r| r.hit_rate)
    };
    let ratio = get("recommender") / get("popularity").max(f64::EPSILON);
    println!("recommender / popularity hit-rate@{K}: {ratio:.2}x (goal >= 1.3x)");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ids(n: u128) -> Vec<CafeId> {
        (1..=n).map(CafeId::from_entropy).collect()
    }

    #[test]
    fn metrics_match_hand_computed_values() {
        let ranked = ids(12);
        // Rank 1: log2(2) = 1.
        assert_eq!(score_one(&ranked, &ranked[0], 10), (1.0, 1.0));
        // Rank 3: 1 / log2(4) = 0.5.
        assert_eq!(score_one(&ranked, &ranked[2], 10), (1.0, 0.5));
        // Rank 7: 1 / log2(8) = 1/3.
        let (h, d) = score_one(&ranked, &ranked[6], 10);
        assert_eq!(h, 1.0);
        assert!((d - 1.0 / 3.0).abs() < 1e-12);
        // Rank 11 is beyond the cut-off; absent is a miss.
        assert_eq!(score_one(&ranked, &ranked[10], 10), (0.0, 0.0));
        assert_eq!(score_one(&ranked[..2], &ranked[5], 10), (0.0, 0.0));
        // Mean over four users: hits 1, 1, 0, 0 → 0.5; nDCG (1 + 0.5 + 0 + 0) / 4 = 0.375.
        let (hr, ndcg) = mean(&[(1.0, 1.0), (1.0, 0.5), (0.0, 0.0), (0.0, 0.0)]);
        assert_eq!(hr, 0.5);
        assert_eq!(ndcg, 0.375);
    }

    #[test]
    fn the_recommender_beats_popularity_by_the_goal() {
        let (users, rows) = evaluate(7).unwrap();
        assert!(users > 300, "{users} users evaluated");
        let get = |m: &str| rows.iter().find(|r| r.method == m).unwrap().hit_rate;
        assert!(
            get("recommender") >= 1.3 * get("popularity"),
            "recommender {} vs popularity {}",
            get("recommender"),
            get("popularity")
        );
        assert!(get("recommender") > get("random"));
    }
}
