//! `xtask experiment report <id>` and `xtask experiment simulate`: the analysis of a two-or-more
//! variant experiment on a conversion metric, and its validation on simulated traffic.
//!
//! Per variant: units exposed, units converted, the rate. Against the first variant (control):
//! absolute lift with a 95 % Wald interval, relative lift with a 95 % interval from the delta
//! method on the log ratio, and a two-sided two-proportion z-test (pooled). Across variants: a
//! sample-ratio-mismatch check, the chi-square goodness of fit of the exposure counts against the
//! configured weights, flagged below p = 0.001 (a broken split, not a finding). Distributions come
//! from `statrs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use shared::experiments::{ExperimentSpec, bucket};
use shared::ports::ExperimentEvents;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// SRM alarms below this p-value.
pub const SRM_ALPHA: f64 = 0.001;
/// Events read per store page.
const PAGE: usize = 500;

/// One variant's counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantCount {
    pub variant: String,
    pub units: u64,
    pub conversions: u64,
}

/// A variant against the control.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub variant: String,
    pub absolute_lift: f64,
    pub absolute_ci: (f64, f64),
    pub relative_lift: f64,
    pub relative_ci: (f64, f64),
    pub z: f64,
    pub p_value: f64,
    pub significant: bool,
}

/// The sample-ratio-mismatch check.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Srm {
    pub expected_shares: Vec<f64>,
    pub chi_square: f64,
    pub p_value: f64,
    pub mismatch: bool,
}

/// Everything the report prints.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub variants: Vec<VariantCount>,
    pub comparisons: Vec<Comparison>,
    pub srm: Srm,
    pub alpha: f64,
}

fn rate(c: &VariantCount) -> f64 {
    if c.units == 0 {
        0.0
    } else {
        c.conversions as f64 / c.units as f64
    }
}

/// Analyses `counts` (control first) against `weights` (the configured split, any scale; equal
/// when empty) at significance level `alpha`.
pub fn analyse(counts: &[VariantCount], weights: &[f64], alpha: f64) -> anyhow::Result<Report> {
    if counts.len() < 2 {
        bail!("an experiment needs at least two variants with exposures");
    }
    let normal = Normal::standard();
    let z_crit = normal.inverse_cdf(1.0 - alpha / 2.0);
    let control = &counts[0];
    let (n1, p1) = (control.units as f64, rate(control));
    let mut comparisons = Vec::new();
    for c in &counts[1..] {
        let (n2, p2) = (c.units as f64, rate(c));
        let diff = p2 - p1;
        let se_unpooled = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
        let pooled = (control.conversions + c.conversions) as f64 / (n1 + n2);
        let se_pooled = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
        let z = if se_pooled > 0.0 {
            diff / se_pooled
        } else {
            0.0
        };
        let p_value = 2.0 * (1.0 - normal.cdf(z.abs()));
        let (relative_lift, relative_ci) = if p1 > 0.0 && p2 > 0.0 {
            let log_ratio = (p2 / p1).ln();
            let se = ((1.0 - p1) / (n1 * p1) + (1.0 - p2) / (n2 * p2)).sqrt();
            (
                p2 / p1 - 1.0,
                (
                    (log_ratio - z_crit * se).exp() - 1.0,
                    (log_ratio + z_crit * se).exp() - 1.0,
                ),
            )
        } else {
            (f64::NAN, (f64::NAN, f64::NAN))
        };
        comparisons.push(Comparison {
            variant: c.variant.clone(),
            absolute_lift: diff,
            absolute_ci: (diff - z_crit * se_unpooled, diff + z_crit * se_unpooled),
            relative_lift,
            relative_ci,
            z,
            p_value,
            significant: p_value < alpha,
        });
    }
    let srm = srm(counts, weights)?;
    Ok(Report {
        variants: counts.to_vec(),
        comparisons,
        srm,
        alpha,
    })
}

fn srm(counts: &[VariantCount], weights: &[f64]) -> anyhow::Result<Srm> {
    let weights: Vec<f64> = if weights.is_empty() {
        vec![1.0; counts.len()]
    } else if weights.len() == counts.len() {
        weights.to_vec()
    } else {
        bail!("{} weights for {} variants", weights.len(), counts.len());
    };
    let total_weight: f64 = weights.iter().sum();
    let shares: Vec<f64> = weights.iter().map(|w| w / total_weight).collect();
    let n: f64 = counts.iter().map(|c| c.units as f64).sum();
    let chi_square: f64 = counts
        .iter()
        .zip(&shares)
        .map(|(c, s)| {
            let expected = n * s;
            (c.units as f64 - expected).powi(2) / expected
        })
        .sum();
    let df = (counts.len() - 1) as f64;
    let p_value = 1.0 - ChiSquared::new(df)?.cdf(chi_square);
    Ok(Srm {
        expected_shares: shares,
        chi_square,
        p_value,
        mismatch: p_value < SRM_ALPHA,
    })
}

/// Reads every exposure and outcome of `experiment` on `metric` and counts them per variant,
/// in the order of `variants` (control first), then any other variant seen, by name. An outcome
/// counts only for a unit whose exposure is stored, under that exposure's variant.
pub async fn collect<S: ExperimentEvents>(
    store: &S,
    experiment: &str,
    metric: &str,
    variants: &[String],
) -> anyhow::Result<Vec<VariantCount>> {
    let mut exposed: BTreeMap<String, String> = BTreeMap::new();
    let mut after = None;
    loop {
        let (page, next) = store.exposures(experiment, after.as_ref(), PAGE).await?;
        for e in page {
            exposed.insert(e.unit, e.variant);
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut counts: BTreeMap<String, VariantCount> = BTreeMap::new();
    for variant in exposed.values() {
        counts
            .entry(variant.clone())
            .or_insert_with(|| VariantCount {
                variant: variant.clone(),
                units: 0,
                conversions: 0,
            })
            .units += 1;
    }
    let mut after = None;
    loop {
        let (page, next) = store
            .outcomes(experiment, metric, after.as_ref(), PAGE)
            .await?;
        for o in page {
            if let Some(variant) = exposed.get(&o.unit)
                && let Some(c) = counts.get_mut(variant)
            {
                c.conversions += 1;
            }
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut ordered = Vec::new();
    for v in variants {
        ordered.push(counts.remove(v).unwrap_or(VariantCount {
            variant: v.clone(),
            units: 0,
            conversions: 0,
        }));
    }
    ordered.extend(counts.into_values());
    Ok(ordered)
}

/// The report as text.
pub fn render(experiment: &str, metric: &str, report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "experiment {experiment}, metric {metric} (units converted / units exposed)"
    );
    let _ = writeln!(
        out,
        "{:<12} {:>9} {:>11} {:>9}",
        "variant", "units", "conversions", "rate"
    );
    for c in &report.variants {
        let _ = writeln!(
            out,
            "{:<12} {:>9} {:>11} {:>8.3}%",
            c.variant,
            c.units,
            c.conversions,
            100.0 * rate(c)
        );
    }
    let level = 100.0 * (1.0 - report.alpha);
    for c in &report.comparisons {
        let _ = writeln!(
            out,
            "{} vs {}: absolute {:+.3} pp ({level:.0}% CI {:+.3} to {:+.3}), relative {}, z = {:.2}, p = {:.4}{}",
            c.variant,
            report.variants[0].variant,
            100.0 * c.absolute_lift,
            100.0 * c.absolute_ci.0,
            100.0 * c.absolute_ci.1,
            if c.relative_lift.is_finite() {
                format!(
                    "{:+.1}% ({level:.0}% CI {:+.1}% to {:+.1}%)",
                    100.0 * c.relative_lift,
                    100.0 * c.relative_ci.0,
                    100.0 * c.relative_ci.1
                )
            } else {
                "n/a (a rate is zero)".to_owned()
            },
            c.z,
            c.p_value,
            if c.significant { " (significant)" } else { "" }
        );
    }
    // The z-test and the intervals lean on the normal approximation, which needs a few
    // conversions and a few non-conversions in every arm.
    if report
        .variants
        .iter()
        .any(|c| c.conversions < 5 || c.units.saturating_sub(c.conversions) < 5)
    {
        let _ = writeln!(
            out,
            "caution: an arm has fewer than 5 conversions or non-conversions; the intervals and p-values are not reliable yet"
        );
    }
    let s = &report.srm;
    let _ = writeln!(
        out,
        "sample ratio: chi-square {:.2}, p = {:.4} against shares {:?}: {}",
        s.chi_square,
        s.p_value,
        s.expected_shares
            .iter()
            .map(|x| (x * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        if s.mismatch {
            "MISMATCH, the split is broken: do not read the results"
        } else {
            "ok"
        }
    );
    out
}

/// One simulated experiment: the units split by the real bucketing (`salt`, 50/50), each
/// converting with `base` (control) or `base × (1 + lift)` (treatment); treatment exposures are
/// lost with probability `lost` (a broken split).
pub fn simulate_once(
    rng: &mut StdRng,
    salt: &str,
    units: &[String],
    base: f64,
    lift: f64,
    lost: f64,
) -> Vec<VariantCount> {
    let spec = ExperimentSpec {
        enabled: true,
        salt: salt.to_owned(),
        variants: vec!["control".into(), "treatment".into()],
        weights: vec![5_000, 5_000],
        unit_kinds: vec![],
        cities: vec![],
        platforms: vec![],
        user_attributes: vec![],
    };
    let mut counts = [("control", 0u64, 0u64), ("treatment", 0, 0)];
    for unit in units {
        let Some(variant) = spec.variant_for(bucket(salt, unit)) else {
            continue;
        };
        let i = usize::from(variant == "treatment");
        if i == 1 && rng.random::<f64>() < lost {
            continue;
        }
        let p = if i == 1 { base * (1.0 + lift) } else { base };
        counts[i].1 += 1;
        if rng.random::<f64>() < p {
            counts[i].2 += 1;
        }
    }
    counts
        .iter()
        .map(|(v, n, x)| VariantCount {
            variant: (*v).to_owned(),
            units: *n,
            conversions: *x,
        })
        .collect()
}

/// What many simulated runs show.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationSummary {
    pub runs: u32,
    pub units: u32,
    pub base_rate: f64,
    pub true_relative_lift: f64,
    /// Share of runs with p < α.
    pub significant_share: f64,
    /// Share of runs whose 95 % interval for the absolute lift holds the true difference.
    pub ci_coverage: f64,
    /// Mean estimated relative lift.
    pub mean_relative_lift: f64,
    /// Share of runs the SRM check flagged.
    pub srm_flagged_share: f64,
}

/// `runs` simulated experiments (seeded, so repeatable), each with its own salt.
pub fn simulate(
    seed: u64,
    runs: u32,
    units: u32,
    base: f64,
    lift: f64,
    lost: f64,
) -> anyhow::Result<SimulationSummary> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut significant, mut covered, mut flagged) = (0u32, 0u32, 0u32);
    let mut lift_sum = 0.0;
    let true_diff = base * lift;
    let ids: Vec<String> = (0..units).map(|u| format!("dev_sim{u:012}")).collect();
    for run in 0..runs {
        let counts = simulate_once(
            &mut rng,
            &format!("sim-{seed}-{run}"),
            &ids,
            base,
            lift,
            lost,
        );
        let report = analyse(&counts, &[], 0.05)?;
        let c = &report.comparisons[0];
        significant += u32::from(c.significant);
        covered += u32::from(c.absolute_ci.0 <= true_diff && true_diff <= c.absolute_ci.1);
        flagged += u32::from(report.srm.mismatch);
        lift_sum += c.relative_lift;
    }
    let share = |k: u32| f64::from(k) / f64::from(runs);
    Ok(SimulationSummary {
        runs,
        units,
        base_rate: base,
        true_relative_lift: lift,
        significant_share: share(significant),
        ci_coverage: share(covered),
        mean_relative_lift: lift_sum / f64::from(runs),
        srm_flagged_share: share(flagged),
    })
}

/// `experiment report <id> --store embedded|dynamodb [--metric save] [--variants a,b]
/// [--weights 5000,5000] [--json]` and `experiment simulate [--runs N] [--units N]`.
pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let flag = |name: &str| crate::flag_value(args, name);
    match args.first().map(String::as_str) {
        Some("bandit") => {
            let rates: Vec<f64> = flag("--rates")
                .unwrap_or_else(|| "0.10,0.12".to_owned())
                .split(',')
                .map(|x| x.parse::<f64>().context("--rates takes numbers"))
                .collect::<anyhow::Result<_>>()?;
            let number = |name: &str, default: u64| -> anyhow::Result<u64> {
                flag(name).map_or(Ok(default), |v| {
                    v.parse().with_context(|| format!("{name} takes a number"))
                })
            };
            let steps = number("--steps", 20_000)?;
            let runs = number("--runs", 20)?;
            let seed = number("--seed", 1)?;
            println!("rates {rates:?}, {steps} units per run, mean of {runs} runs (seed {seed})");
            for (policy, result) in crate::bandit::compare(&rates, steps, runs, seed) {
                println!(
                    "{policy:?}: regret {:.1} conversions, best variant served {:.1} %, {} conversions",
                    result.regret,
                    result.best_share * 100.0,
                    result.conversions
                );
            }
            Ok(())
        }
        Some("report") => {
            let id = args
                .get(1)
                .filter(|a| !a.starts_with("--"))
                .context("experiment report needs an experiment id")?;
            let metric = flag("--metric").unwrap_or_else(|| "save".to_owned());
            let variants: Vec<String> = flag("--variants")
                .unwrap_or_else(|| "distance,blended".to_owned())
                .split(',')
                .map(str::to_owned)
                .collect();
            let weights: Vec<f64> = match flag("--weights") {
                Some(w) => w
                    .split(',')
                    .map(|x| x.parse::<f64>().context("--weights takes numbers"))
                    .collect::<anyhow::Result<_>>()?,
                None => Vec::new(),
            };
            let (counts, requests) = match flag("--store").as_deref() {
                Some("dynamodb") => {
                    let store =
                        shared::store::dynamodb::DynamoStore::from_env(crate::table(args)).await;
                    (
                        collect(&store, id, &metric, &variants).await?,
                        crate::guardrails::collect(&store, id, &variants).await?,
                    )
                }
                _ => {
                    let store = shared::store::sqlite::SqliteStore::open(
                        &crate::data_dir(args).join("craftbean.sqlite3"),
                    )?;
                    (
                        collect(&store, id, &metric, &variants).await?,
                        crate::guardrails::collect(&store, id, &variants).await?,
                    )
                }
            };
            let report = analyse(&counts, &weights, 0.05)?;
            let guardrails = crate::guardrails::judge(&requests);
            if args.iter().any(|a| a == "--json") {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "report": report,
                        "guardrails": guardrails,
                        "guardrailBreached": crate::guardrails::breached(&guardrails),
                    }))?
                );
            } else {
                print!("{}", render(id, &metric, &report));
                print!("{}", crate::guardrails::render(&guardrails));
            }
            Ok(())
        }
        Some("guardrails-simulate") => {
            let number = |name: &str, default: f64| -> anyhow::Result<f64> {
                flag(name).map_or(Ok(default), |v| {
                    v.parse().with_context(|| format!("{name} takes a number"))
                })
            };
            let slower = number("--slower", 0.30)?;
            let errors = number("--errors", 0.01)?;
            let requests = number("--requests", 5_000.0)? as usize;
            println!(
                "simulated: {requests} requests per variant, control median 80 ms and 1% errors; blended {:+.0}% latency and {:.1}% errors",
                100.0 * slower,
                100.0 * errors
            );
            let data = crate::guardrails::simulate(
                1,
                requests,
                80.0,
                &[("distance", 1.0, 0.01), ("blended", 1.0 + slower, errors)],
            );
            print!(
                "{}",
                crate::guardrails::render(&crate::guardrails::judge(&data))
            );
            Ok(())
        }
        Some("simulate") => {
            let runs = flag("--runs")
                .map_or(Ok(2_000), |v| v.parse())
                .context("--runs")?;
            let units = flag("--units")
                .map_or(Ok(4_000), |v| v.parse())
                .context("--units")?;
            let base = 0.10;
            for (name, lift, lost) in [
                ("A/A (no effect)", 0.0, 0.0),
                ("A/B (+20 % relative)", 0.20, 0.0),
                ("A/A with 10 % of treatment exposures lost", 0.0, 0.10),
            ] {
                let s = simulate(15, runs, units, base, lift, lost)?;
                println!(
                    "{name}: {runs} runs × {units} units, base rate {:.0}%: p < 0.05 in {:.1}% of runs, 95% CI covered the true difference in {:.1}%, mean relative lift {:+.1}%, SRM flagged {:.1}%",
                    100.0 * base,
                    100.0 * s.significant_share,
                    100.0 * s.ci_coverage,
                    100.0 * s.mean_relative_lift,
                    100.0 * s.srm_flagged_share
                );
            }
            Ok(())
        }
        _ => bail!(
            "usage: xtask experiment report <id> [--store embedded|dynamodb] [--metric save] [--variants a,b] [--weights 5000,5000] [--json]\n       xtask experiment simulate [--runs N] [--units N]\n       xtask experiment guardrails-simulate [--slower 0.3] [--errors 0.01] [--requests 5000]"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(a: (u64, u64), b: (u64, u64)) -> Vec<VariantCount> {
        vec![
            VariantCount {
                variant: "control".into(),
                units: a.0,
                conversions: a.1,
            },
            VariantCount {
                variant: "treatment".into(),
                units: b.0,
                conversions: b.1,
            },
        ]
    }

    #[test]
    fn matches_a_worked_two_proportion_example() {
        // 200/1000 vs 250/1000: pooled p = 0.225, se = sqrt(0.225·0.775·0.002) = 0.018675,
        // z = 0.05 / 0.018675 = 2.6774, two-sided p = 0.00742 (normal tables).
        let r = analyse(&counts((1000, 200), (1000, 250)), &[], 0.05).unwrap();
        let c = &r.comparisons[0];
        assert!((c.z - 2.6774).abs() < 1e-3, "{}", c.z);
        assert!((c.p_value - 0.00742).abs() < 1e-4, "{}", c.p_value);
        assert!(c.significant);
        assert!((c.absolute_lift - 0.05).abs() < 1e-12);
        // Wald: se = sqrt(0.2·0.8/1000 + 0.25·0.75/1000) = 0.018641; ±1.95996·se.
        assert!((c.absolute_ci.0 - (0.05 - 0.036535)).abs() < 1e-5);
        assert!((c.absolute_ci.1 - (0.05 + 0.036535)).abs() < 1e-5);
        assert!((c.relative_lift - 0.25).abs() < 1e-12);
        assert!(c.relative_ci.0 > 0.0 && c.relative_ci.1 > c.relative_lift);
        assert!(!r.srm.mismatch);
    }

    #[test]
    fn the_text_report_names_every_figure() {
        let r = analyse(&counts((1000, 200), (1000, 250)), &[], 0.05).unwrap();
        let text = render("nearby-ranking", "save", &r);
        for needle in [
            "experiment nearby-ranking, metric save",
            "control           1000         200   20.000%",
            "treatment         1000         250   25.000%",
            "treatment vs control: absolute +5.000 pp (95% CI +1.346 to +8.654)",
            "relative +25.0%",
            "z = 2.68, p = 0.0074 (significant)",
            "sample ratio: chi-square 0.00, p = 1.0000",
            ": ok",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from\n{text}");
        }
        assert!(!text.contains("caution"));
        let broken = analyse(&counts((5000, 500), (4500, 450)), &[], 0.05).unwrap();
        assert!(render("x", "save", &broken).contains("MISMATCH"));
        let tiny = render(
            "x",
            "save",
            &analyse(&counts((3, 0), (1, 1)), &[], 0.05).unwrap(),
        );
        assert!(tiny.contains("caution: an arm has fewer than 5"), "{tiny}");
        assert!(tiny.contains("relative n/a (a rate is zero)"), "{tiny}");
    }

    #[test]
    fn flags_a_sample_ratio_mismatch() {
        // 5,000 vs 4,700 on a 50/50 split: chi-square = 300²/4850·2 ≈ 9.28, p ≈ 0.0023: not yet.
        let r = analyse(&counts((5000, 500), (4700, 470)), &[], 0.05).unwrap();
        assert!(
            (r.srm.chi_square - 9.278).abs() < 0.01,
            "{}",
            r.srm.chi_square
        );
        assert!(!r.srm.mismatch);
        // 5,000 vs 4,500: chi-square ≈ 26.3, p < 0.001: flagged.
        let r = analyse(&counts((5000, 500), (4500, 450)), &[], 0.05).unwrap();
        assert!(r.srm.mismatch);
        // The same counts are fine against a configured 10:9 split.
        let r = analyse(&counts((5000, 500), (4500, 450)), &[10.0, 9.0], 0.05).unwrap();
        assert!(!r.srm.mismatch, "{}", r.srm.p_value);
    }

    #[test]
    fn a_a_false_positive_rate_is_near_alpha() {
        let s = simulate(7, 1_000, 2_000, 0.10, 0.0, 0.0).unwrap();
        assert!(
            (0.03..=0.07).contains(&s.significant_share),
            "A/A false-positive rate {}",
            s.significant_share
        );
        assert!(
            s.ci_coverage > 0.93 && s.ci_coverage < 0.97,
            "{}",
            s.ci_coverage
        );
        assert!(s.srm_flagged_share < 0.01, "{}", s.srm_flagged_share);
    }

    #[test]
    fn a_real_effect_is_found_and_estimated() {
        // +30 % relative on a 10 % base with 2,000 units per arm: power ≈ 0.8.
        let s = simulate(11, 300, 4_000, 0.10, 0.30, 0.0).unwrap();
        assert!(s.significant_share > 0.65, "power {}", s.significant_share);
        assert!(
            (s.mean_relative_lift - 0.30).abs() < 0.05,
            "{}",
            s.mean_relative_lift
        );
        assert!(s.ci_coverage > 0.9, "{}", s.ci_coverage);
    }

    #[tokio::test]
    async fn collect_joins_outcomes_to_stored_exposures_in_variant_order() {
        use shared::experiments::events::Exposure;
        let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
        let at = jiff::Timestamp::UNIX_EPOCH;
        // 7 units in "distance", 5 in "blended", 1 in a retired variant; 3, 2 and 1 of them save.
        for n in 0..13 {
            let variant = match n {
                0..=6 => "distance",
                7..=11 => "blended",
                _ => "retired",
            };
            let unit = format!("dev_unit{n:012}");
            let exposure = Exposure {
                experiment: "exp".into(),
                unit: unit.clone(),
                variant: variant.into(),
                at,
            };
            store.record_exposure(&exposure).await.unwrap();
            if matches!(n, 0 | 1 | 2 | 7 | 8 | 12) {
                store
                    .record_outcome("exp", &unit, "save", at)
                    .await
                    .unwrap();
            }
        }
        // An outcome for an unexposed unit is never stored, and another metric is not counted.
        assert!(
            store
                .record_outcome("exp", "dev_stranger000000", "save", at)
                .await
                .unwrap()
                .is_none()
        );
        store
            .record_outcome("exp", "dev_unit000000000003", "open", at)
            .await
            .unwrap();
        let counts = collect(
            &store,
            "exp",
            "save",
            &["distance".into(), "blended".into()],
        )
        .await
        .unwrap();
        let got: Vec<(&str, u64, u64)> = counts
            .iter()
            .map(|c| (c.variant.as_str(), c.units, c.conversions))
            .collect();
        assert_eq!(
            got,
            [("distance", 7, 3), ("blended", 5, 2), ("retired", 1, 1)]
        );
    }

    #[test]
    fn lost_treatment_exposures_trip_the_srm_check() {
        let s = simulate(3, 40, 20_000, 0.10, 0.0, 0.10).unwrap();
        assert!(s.srm_flagged_share > 0.9, "{}", s.srm_flagged_share);
    }
}
