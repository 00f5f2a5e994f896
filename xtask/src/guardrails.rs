//! Guardrails of an experiment: per variant, request latency (p50, p95) and error rate, each
//! compared with the control and flagged when the variant is worse than a documented threshold
//! (docs/experiments.md "Guardrails"). A flagged guardrail means: stop or roll back the variant,
//! whatever the primary metric says.
//!
//! Thresholds:
//! - latency: the variant's p95 is more than [`P95_MAX_RELATIVE`] above the control's p95 *and*
//!   more than [`P95_MIN_ABSOLUTE_MS`] above it (small absolute jitter on a fast route is not a
//!   regression);
//! - errors: the variant's error rate is more than [`ERROR_MAX_ABSOLUTE`] above the control's *and*
//!   a one-sided two-proportion z-test says it is higher at p < [`ERROR_ALPHA`];
//! - neither is judged with fewer than [`MIN_REQUESTS`] requests in an arm (printed as such).

use std::fmt::Write as _;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// Latency guardrail: relative p95 regression allowed.
pub const P95_MAX_RELATIVE: f64 = 0.10;
/// Latency guardrail: absolute p95 regression ignored below this.
pub const P95_MIN_ABSOLUTE_MS: f64 = 20.0;
/// Error guardrail: absolute error-rate increase allowed.
pub const ERROR_MAX_ABSOLUTE: f64 = 0.005;
/// Error guardrail: significance of the one-sided test.
pub const ERROR_ALPHA: f64 = 0.01;
/// Fewest requests per arm before a guardrail is judged.
pub const MIN_REQUESTS: usize = 200;

/// One request served in a variant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequestSample {
    pub latency_ms: f64,
    pub error: bool,
}

/// One variant's request figures.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantGuardrails {
    pub variant: String,
    pub requests: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub errors: usize,
    pub error_rate: f64,
    /// Against the control (`None` for the control itself, or too few requests).
    pub latency_breached: Option<bool>,
    pub errors_breached: Option<bool>,
}

/// The `q` quantile (0–1) of sorted values, nearest rank; 0 for none.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn figures(variant: &str, samples: &[RequestSample]) -> VariantGuardrails {
    let mut latencies: Vec<f64> = samples.iter().map(|s| s.latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let errors = samples.iter().filter(|s| s.error).count();
    VariantGuardrails {
        variant: variant.to_owned(),
        requests: samples.len(),
        p50_ms: quantile(&latencies, 0.50),
        p95_ms: quantile(&latencies, 0.95),
        errors,
        error_rate: if samples.is_empty() {
            0.0
        } else {
            errors as f64 / samples.len() as f64
        },
        latency_breached: None,
        errors_breached: None,
    }
}

/// One-sided p-value that `b`'s error rate is higher than `a`'s (pooled two-proportion z).
fn higher_p(a: &VariantGuardrails, b: &VariantGuardrails) -> f64 {
    let (na, nb) = (a.requests as f64, b.requests as f64);
    let pooled = (a.errors + b.errors) as f64 / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if se == 0.0 {
        return if b.error_rate > a.error_rate {
            0.0
        } else {
            1.0
        };
    }
    let z = (b.error_rate - a.error_rate) / se;
    Normal::standard().sf(z)
}

/// Each variant's figures (control first, as given), with breaches judged against the control.
pub fn judge(variants: &[(String, Vec<RequestSample>)]) -> Vec<VariantGuardrails> {
    let mut out: Vec<VariantGuardrails> = variants.iter().map(|(v, s)| figures(v, s)).collect();
    let Some(control) = out.first().cloned() else {
        return out;
    };
    for v in out.iter_mut().skip(1) {
        if v.requests < MIN_REQUESTS || control.requests < MIN_REQUESTS {
            continue;
        }
        let slower = v.p95_ms - control.p95_ms;
        v.latency_breached =
            Some(slower > P95_MAX_RELATIVE * control.p95_ms && slower > P95_MIN_ABSOLUTE_MS);
        v.errors_breached = Some(
            v.error_rate - control.error_rate > ERROR_MAX_ABSOLUTE
                && higher_p(&control, v) < ERROR_ALPHA,
        );
    }
    out
}

/// Whether any variant breached a guardrail.
pub fn breached(guardrails: &[VariantGuardrails]) -> bool {
    guardrails
        .iter()
        .any(|g| g.latency_breached == Some(true) || g.errors_breached == Some(true))
}

/// The guardrail lines of the text report.
pub fn render(guardrails: &[VariantGuardrails]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "guardrails (requests served per variant; breach: p95 > control +{:.0}% and +{:.0} ms, or error rate > control +{:.1} pp at one-sided p < {ERROR_ALPHA})",
        100.0 * P95_MAX_RELATIVE,
        P95_MIN_ABSOLUTE_MS,
        100.0 * ERROR_MAX_ABSOLUTE
    );
    let _ = writeln!(
        out,
        "{:<12} {:>9} {:>9} {:>9} {:>10}  verdict",
        "variant", "requests", "p50 ms", "p95 ms", "errors"
    );
    for (i, g) in guardrails.iter().enumerate() {
        let verdict = match (i, g.latency_breached, g.errors_breached) {
            (0, _, _) => "control".to_owned(),
            (_, None, _) | (_, _, None) => {
                format!("not judged (fewer than {MIN_REQUESTS} requests in an arm)")
            }
            (_, Some(l), Some(e)) => {
                let mut breaches = Vec::new();
                if l {
                    breaches.push("LATENCY");
                }
                if e {
                    breaches.push("ERRORS");
                }
                if breaches.is_empty() {
                    "ok".to_owned()
                } else {
                    format!("GUARDRAIL BREACHED: {}", breaches.join(", "))
                }
            }
        };
        let _ = writeln!(
            out,
            "{:<12} {:>9} {:>9.1} {:>9.1} {:>9.2}%  {verdict}",
            g.variant,
            g.requests,
            g.p50_ms,
            g.p95_ms,
            100.0 * g.error_rate
        );
    }
    out
}

/// Reads every served request of `experiment` and groups them per variant, in the order of
/// `variants` (control first), then any other variant seen, by name.
pub async fn collect<S: shared::ports::ExperimentEvents>(
    store: &S,
    experiment: &str,
    variants: &[String],
) -> anyhow::Result<Vec<(String, Vec<RequestSample>)>> {
    let mut by_variant: std::collections::BTreeMap<String, Vec<RequestSample>> =
        std::collections::BTreeMap::new();
    let mut after = None;
    loop {
        let (page, next) = store.requests(experiment, after.as_ref(), 500).await?;
        for r in page {
            by_variant
                .entry(r.variant)
                .or_default()
                .push(RequestSample {
                    latency_ms: f64::from(r.latency_ms),
                    error: r.error,
                });
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut ordered: Vec<(String, Vec<RequestSample>)> = variants
        .iter()
        .map(|v| (v.clone(), by_variant.remove(v).unwrap_or_default()))
        .collect();
    ordered.extend(by_variant);
    Ok(ordered)
}

/// Simulated requests for a guardrail check: `n` requests per variant, latencies log-normal
/// around `median_ms` (σ = 0.4 on the log scale) times each variant's factor, errors with each
/// variant's rate. Seeded, so repeatable.
pub fn simulate(
    seed: u64,
    n: usize,
    median_ms: f64,
    variants: &[(&str, f64, f64)],
) -> Vec<(String, Vec<RequestSample>)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let normal = Normal::standard();
    variants
        .iter()
        .map(|(name, factor, error_rate)| {
            let samples = (0..n)
                .map(|_| {
                    let u: f64 = rng.random_range(1e-12..1.0);
                    let z = normal.inverse_cdf(u);
                    RequestSample {
                        latency_ms: median_ms * factor * (0.4 * z).exp(),
                        error: rng.random::<f64>() < *error_rate,
                    }
                })
                .collect();
            ((*name).to_owned(), samples)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.95), 95.0);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn a_known_latency_regression_is_flagged_and_named() {
        // Treatment 30 % slower, same error rate.
        let data = simulate(
            7,
            5_000,
            80.0,
            &[("distance", 1.0, 0.01), ("blended", 1.3, 0.01)],
        );
        let g = judge(&data);
        assert_eq!(g[1].latency_breached, Some(true), "{g:?}");
        assert_eq!(g[1].errors_breached, Some(false), "{g:?}");
        let ratio = g[1].p95_ms / g[0].p95_ms;
        assert!((1.2..1.4).contains(&ratio), "p95 ratio {ratio}");
        assert!(breached(&g));
        let text = render(&g);
        assert!(text.contains("GUARDRAIL BREACHED: LATENCY"), "{text}");
        assert!(!text.contains("ERRORS\n"), "{text}");
    }

    #[test]
    fn an_error_regression_is_flagged() {
        let data = simulate(
            8,
            5_000,
            80.0,
            &[("distance", 1.0, 0.01), ("blended", 1.0, 0.03)],
        );
        let g = judge(&data);
        assert_eq!(g[1].errors_breached, Some(true), "{g:?}");
        assert_eq!(g[1].latency_breached, Some(false), "{g:?}");
        assert!(render(&g).contains("GUARDRAIL BREACHED: ERRORS"));
    }

    #[test]
    fn equal_variants_rarely_breach() {
        // A/A over 200 seeds: the latency rule (10 % and 20 ms on p95 of 2,000 requests) and the
        // error rule (0.5 pp and one-sided p < 0.01) fires about 1 % of the time.
        let mut false_alarms = 0;
        for seed in 0..200 {
            let data = simulate(
                seed,
                2_000,
                80.0,
                &[("distance", 1.0, 0.01), ("blended", 1.0, 0.01)],
            );
            false_alarms += usize::from(breached(&judge(&data)));
        }
        assert!(
            false_alarms <= 6,
            "{false_alarms} false alarms in 200 A/A runs"
        );
    }

    #[tokio::test]
    async fn the_report_reads_stored_requests_and_flags_a_latency_regression() {
        use shared::experiments::events::ServedRequest;
        use shared::ports::ExperimentEvents;
        let store = shared::store::sqlite::SqliteStore::in_memory().unwrap();
        // Stored as nearby-cafes stores them: blended is 50 % slower, errors equal (1 in 100).
        let data = simulate(
            11,
            600,
            80.0,
            &[("distance", 1.0, 0.0), ("blended", 1.5, 0.0)],
        );
        for (variant, samples) in &data {
            for (n, s) in samples.iter().enumerate() {
                let request = ServedRequest {
                    experiment: "exp".into(),
                    unit: format!("dev_unit{:012}", n % 40),
                    variant: variant.clone(),
                    request_id: format!("{variant}-{n}"),
                    latency_ms: s.latency_ms.round() as u32,
                    error: n % 100 == 0,
                    at: jiff::Timestamp::UNIX_EPOCH,
                };
                store.record_request(&request).await.unwrap();
            }
        }
        let variants = ["distance".to_owned(), "blended".to_owned()];
        let read = collect(&store, "exp", &variants).await.unwrap();
        assert_eq!(read[0].0, "distance");
        assert_eq!(read[0].1.len(), 600);
        assert_eq!(read[1].1.len(), 600);
        let g = judge(&read);
        assert_eq!(g[0].error_rate, 6.0 / 600.0);
        assert_eq!(g[1].latency_breached, Some(true), "{g:?}");
        assert_eq!(g[1].errors_breached, Some(false), "{g:?}");
        assert!(render(&g).contains("blended"));
        assert!(render(&g).contains("GUARDRAIL BREACHED: LATENCY"));
    }

    #[test]
    fn too_few_requests_are_not_judged() {
        let data = simulate(
            9,
            50,
            80.0,
            &[("distance", 1.0, 0.0), ("blended", 3.0, 0.5)],
        );
        let g = judge(&data);
        assert_eq!(g[1].latency_breached, None);
        assert!(!breached(&g));
        assert!(render(&g).contains("not judged"));
    }
}
