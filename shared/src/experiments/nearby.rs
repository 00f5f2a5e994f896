//! The nearby-ranking experiment: control orders a page of nearby cafés by distance (what
//! `GET /cafes/nearby` always did); the treatment orders the same page by a score blending
//! nearness, a shrunk rating and the caller's taste (brewing methods they say they like).
//!
//! The treatment reorders within each page: pages are still cut by distance, so paging stays
//! exact (every café inside the radius appears once) and both variants show the same set of
//! cafés on a page, only in a different order.

use crate::domain::{CafeSummary, Slug};

use super::flags::{Experiment, Variant};

/// The nearby-ranking experiment's flag key (and experiment id in events and reports).
pub const NEARBY_RANKING: Experiment<Ranking> = Experiment::new("nearby-ranking");
/// Its primary metric: the unit saved a café after seeing nearby results.
pub const SAVE_METRIC: &str = "save";

/// How a nearby page is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ranking {
    /// Nearest first (control).
    Distance,
    /// Blended score (treatment).
    Blended,
}

impl Variant for Ranking {
    const ALL: &'static [Self] = &[Self::Distance, Self::Blended];
    fn name(self) -> &'static str {
        match self {
            Self::Distance => "distance",
            Self::Blended => "blended",
        }
    }
}

/// Weight of nearness (1 at the centre, 0 at the radius).
pub const W_NEAR: f64 = 0.5;
/// Weight of the shrunk rating (0–1).
pub const W_RATING: f64 = 0.35;
/// Weight of taste: the share of the caller's methods the café offers (0–1).
pub const W_TASTE: f64 = 0.15;
/// Pseudo-reviews at [`PRIOR_MEAN`] added to every café, so a single 5-star review does not
/// outrank fifty 4.6-star ones.
pub const PRIOR_REVIEWS: f64 = 5.0;
/// The prior's mean rating.
pub const PRIOR_MEAN: f64 = 3.5;

/// The treatment's score of one café at `distance_m` inside `radius_m`, for a caller who likes
/// `taste` (higher is better).
pub fn blended_score(cafe: &CafeSummary, distance_m: f64, radius_m: f64, taste: &[Slug]) -> f64 {
    let near = 1.0 - (distance_m / radius_m.max(1.0)).clamp(0.0, 1.0);
    let count = f64::from(cafe.rating.count);
    let sum = cafe.rating.average.unwrap_or(0.0) * count;
    let shrunk = (sum + PRIOR_MEAN * PRIOR_REVIEWS) / (count + PRIOR_REVIEWS);
    let rating = ((shrunk - 1.0) / 4.0).clamp(0.0, 1.0);
    let taste_share = if taste.is_empty() {
        0.0
    } else {
        let liked = taste
            .iter()
            .filter(|m| cafe.brewing_methods.contains(m))
            .count();
        liked as f64 / taste.len() as f64
    };
    W_NEAR * near + W_RATING * rating + W_TASTE * taste_share
}

/// The order (indexes into `items`, each `(café, distance)`) a variant shows a page in.
pub fn order(
    ranking: Ranking,
    items: &[(&CafeSummary, f64)],
    radius_m: f64,
    taste: &[Slug],
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    match ranking {
        // Pages arrive nearest first already.
        Ranking::Distance => idx,
        Ranking::Blended => {
            let scores: Vec<f64> = items
                .iter()
                .map(|(c, d)| blended_score(c, *d, radius_m, taste))
                .collect();
            idx.sort_by(|&a, &b| {
                scores[b]
                    .total_cmp(&scores[a])
                    .then(items[a].1.total_cmp(&items[b].1))
                    .then_with(|| items[a].0.id.as_str().cmp(items[b].0.id.as_str()))
            });
            idx
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RatingSummary;
    use proptest::prelude::*;

    fn cafe(n: usize, average: Option<f64>, count: u32, methods: &[&str]) -> CafeSummary {
        let mut c: CafeSummary = serde_json::from_value(serde_json::json!({
            "id": format!("caf_{n:016}"),
            "name": format!("Café {n}"),
            "tagline": "",
            "location": {
                "coordinates": {"lat": 38.7, "lng": -9.1},
                "address": "Rua 1",
                "neighbourhood": null,
                "city": "Lisbon",
                "country": "PT"
            },
            "brewingMethods": [],
            "roasters": [],
            "amenities": [],
            "priceLevel": 2,
            "rating": {"count": 0, "average": null, "histogram": [0, 0, 0, 0, 0]},
            "createdAt": "2026-01-01T00:00:00.000Z"
        }))
        .unwrap();
        c.rating = RatingSummary {
            count,
            average,
            histogram: [0; 5],
        };
        c.brewing_methods = methods.iter().map(|m| Slug::parse(m).unwrap()).collect();
        c
    }

    #[test]
    fn control_keeps_the_distance_order() {
        let a = cafe(1, Some(2.0), 10, &[]);
        let b = cafe(2, Some(5.0), 100, &[]);
        let items = [(&a, 100.0), (&b, 900.0)];
        assert_eq!(order(Ranking::Distance, &items, 1_000.0, &[]), vec![0, 1]);
    }

    #[test]
    fn the_treatment_lifts_a_much_better_cafe_a_little_further_away() {
        let near_poor = cafe(1, Some(2.1), 40, &[]);
        let far_great = cafe(2, Some(4.8), 60, &[]);
        let items = [(&near_poor, 200.0), (&far_great, 500.0)];
        assert_eq!(order(Ranking::Blended, &items, 2_000.0, &[]), vec![1, 0]);
        // But not across the whole radius.
        let items = [(&near_poor, 10.0), (&far_great, 1_990.0)];
        assert_eq!(order(Ranking::Blended, &items, 2_000.0, &[]), vec![0, 1]);
    }

    #[test]
    fn taste_breaks_near_ties() {
        let espresso = cafe(1, Some(4.0), 20, &["espresso"]);
        let pour_over = cafe(2, Some(4.0), 20, &["v60", "chemex"]);
        let items = [(&espresso, 300.0), (&pour_over, 320.0)];
        let taste = [Slug::parse("v60").unwrap()];
        assert_eq!(order(Ranking::Blended, &items, 2_000.0, &taste), vec![1, 0]);
        assert_eq!(order(Ranking::Blended, &items, 2_000.0, &[]), vec![0, 1]);
    }

    #[test]
    fn one_glowing_review_does_not_beat_many_good_ones() {
        let one = cafe(1, Some(5.0), 1, &[]);
        let many = cafe(2, Some(4.6), 80, &[]);
        let items = [(&one, 500.0), (&many, 500.0)];
        assert_eq!(order(Ranking::Blended, &items, 2_000.0, &[]), vec![1, 0]);
    }

    proptest! {
        #[test]
        fn both_orders_are_permutations_and_equal_cafes_stay_nearest_first(
            distances in proptest::collection::vec(0.0f64..2_000.0, 0..30)
        ) {
            let mut sorted = distances.clone();
            sorted.sort_by(f64::total_cmp);
            let cafes: Vec<CafeSummary> = (0..sorted.len()).map(|n| cafe(n, Some(4.0), 10, &["v60"])).collect();
            let items: Vec<(&CafeSummary, f64)> = cafes.iter().zip(sorted.iter().copied()).collect();
            for ranking in [Ranking::Distance, Ranking::Blended] {
                let o = order(ranking, &items, 2_000.0, &[]);
                let mut seen = o.clone();
                seen.sort_unstable();
                prop_assert_eq!(seen, (0..items.len()).collect::<Vec<_>>());
                // Identical cafés: the blend reduces to distance.
                prop_assert_eq!(o, (0..items.len()).collect::<Vec<_>>());
            }
        }
    }
}
