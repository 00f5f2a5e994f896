//! `xtask experiment bandit`: Thompson sampling on one surface (the nearby ranking's two
//! variants, a conversion metric), simulated against the fixed 50/50 split the experiment runs
//! today. Each step one unit arrives, a variant is chosen, and it converts with that variant's
//! true rate. Thompson sampling keeps a Beta(1 + conversions, 1 + misses) posterior per variant and
//! serves the variant whose posterior draw is highest. Regret is the expected cost of the choices:
//! Σ (best rate − chosen variant's rate), so a run is not judged on its luck.
//!
//! The Beta draws are written here (two Gamma draws, Marsaglia and Tsang's method, with
//! Box–Muller normals): `statrs` 0.19 samples only through rand 0.10 while the workspace is on
//! rand 0.9, and no rand-0.9 distribution crate is in the lockfile.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Gamma(shape, 1) draw, shape ≥ 1 (Marsaglia and Tsang, 2000).
fn gamma(rng: &mut StdRng, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Beta(a, b) draw, a, b ≥ 1.
pub fn beta(rng: &mut StdRng, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    x / (x + y)
}

/// How a policy is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Each variant equally often, at random (the running experiment).
    FixedSplit,
    /// Thompson sampling on Beta posteriors.
    Thompson,
}

/// One simulated run of `steps` units.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Σ (best rate − chosen rate).
    pub regret: f64,
    /// The share of units served the best variant.
    pub best_share: f64,
    /// Conversions observed.
    pub conversions: u64,
}

/// Runs `policy` for `steps` units on variants converting at `rates`.
pub fn run(policy: Policy, rates: &[f64], steps: u64, seed: u64) -> Run {
    let mut rng = StdRng::seed_from_u64(seed);
    let best = rates.iter().copied().fold(f64::MIN, f64::max);
    let mut wins = vec![0u64; rates.len()];
    let mut misses = vec![0u64; rates.len()];
    let (mut regret, mut best_served, mut conversions) = (0.0, 0u64, 0u64);
    for _ in 0..steps {
        let arm = match policy {
            Policy::FixedSplit => rng.random_range(0..rates.len()),
            Policy::Thompson => {
                let mut chosen = 0;
                let mut top = f64::MIN;
                for arm in 0..rates.len() {
                    let draw = beta(&mut rng, 1.0 + wins[arm] as f64, 1.0 + misses[arm] as f64);
                    if draw > top {
                        top = draw;
                        chosen = arm;
                    }
                }
                chosen
            }
        };
        regret += best - rates[arm];
        if rates[arm] >= best {
            best_served += 1;
        }
        if rng.random::<f64>() < rates[arm] {
            wins[arm] += 1;
            conversions += 1;
        } else {
            misses[arm] += 1;
        }
    }
    Run {
        regret,
        best_share: best_served as f64 / steps.max(1) as f64,
        conversions,
    }
}

/// Both policies over `runs` seeds: mean regret, mean share of the best variant, mean
/// conversions.
pub fn compare(rates: &[f64], steps: u64, runs: u64, seed: u64) -> [(Policy, Run); 2] {
    [Policy::FixedSplit, Policy::Thompson].map(|policy| {
        let mut total = Run {
            regret: 0.0,
            best_share: 0.0,
            conversions: 0,
        };
        for r in 0..runs {
            let one = run(policy, rates, steps, seed.wrapping_add(r));
            total.regret += one.regret;
            total.best_share += one.best_share;
            total.conversions += one.conversions;
        }
        let n = runs.max(1) as f64;
        (
            policy,
            Run {
                regret: total.regret / n,
                best_share: total.best_share / n,
                conversions: (total.conversions as f64 / n).round() as u64,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn beta_draws_have_the_right_mean_and_stay_in_the_unit_interval() {
        let mut rng = StdRng::seed_from_u64(1);
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|_| beta(&mut rng, 3.0, 7.0)).collect();
        assert!(draws.iter().all(|x| (0.0..=1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / f64::from(n);
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
    }

    #[test]
    fn thompson_sampling_regrets_less_than_a_fixed_split_when_one_variant_is_better() {
        let [(_, split), (_, thompson)] = compare(&[0.10, 0.12], 20_000, 5, 7);
        // The split pays half the gap on every unit: 20 000 × 0.01.
        assert!((split.regret - 200.0).abs() < 10.0, "{split:?}");
        assert!(
            thompson.regret < split.regret / 2.0,
            "{thompson:?} vs {split:?}"
        );
        assert!(thompson.best_share > 0.75, "{thompson:?}");
    }

    #[test]
    fn with_equal_variants_there_is_nothing_to_regret() {
        for (_, result) in compare(&[0.1, 0.1], 2_000, 2, 3) {
            assert!(result.regret.abs() < 1e-9);
        }
    }
}
