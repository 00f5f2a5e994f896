//! Exposure and outcome events. An exposure is stored the first time a unit is shown an
//! experiment's variant, an outcome the first time an exposed unit does what the experiment's
//! metric counts; both with one conditional write (`attribute_not_exists`), so retries, repeat
//! searches and repeat saves never count twice. Each stored event is also counted in CloudWatch's
//! embedded metric format (EMF, through `metrics_cloudwatch_embedded`): counts per experiment and
//! variant become metrics with no extra API call. The structured log line beside it names the
//! unit by its public id or device id, never by a token's `sub`.
//!
//! Storage (`shared::store::keys`): one partition per (experiment, unit),
//! `EXP#<experiment>#<unit>`, holding `EXPOSURE` and `OUTCOME#<metric>`; the exposure is listed
//! in `EXPOSURES#<experiment>` and the outcome in `OUTCOMES#<experiment>#<metric>` (both sorted
//! by unit in `ByName`), which `xtask experiment report` pages through.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ports::{ExperimentEvents, StoreError};

/// A unit's first sight of an experiment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    pub experiment: String,
    /// `usr_…` or `dev_…` ([`super::Unit::id`]).
    pub unit: String,
    pub variant: String,
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    pub at: Timestamp,
}

/// An exposed unit's first conversion on one metric, with the variant it was exposed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub experiment: String,
    pub unit: String,
    pub metric: String,
    pub variant: String,
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    pub at: Timestamp,
}

/// One request served to an enrolled unit, for the guardrails (latency and errors per variant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServedRequest {
    pub experiment: String,
    pub unit: String,
    pub variant: String,
    /// API Gateway's (else the Lambda invocation's) request id.
    pub request_id: String,
    /// Time in the handler, from the request to the built response.
    pub latency_ms: u32,
    /// Whether the answer was a server error (5xx).
    pub error: bool,
    #[serde(with = "crate::domain::time::rfc3339_millis")]
    pub at: Timestamp,
}

pub use crate::emf::EmfSink;

/// The CloudWatch namespace of experiment metrics (every CraftBean EMF metric's).
pub const EMF_NAMESPACE: &str = crate::emf::NAMESPACE;

/// Counts one `metric` (a Count) with dimensions `Experiment`, `Variant` (and `Metric` for
/// outcomes) and flushes it to `sink`.
fn emit(
    sink: &EmfSink,
    metric: &'static str,
    experiment: &str,
    variant: &str,
    outcome: Option<&str>,
) {
    sink.record(|| {
        let mut labels = vec![
            metrics::Label::new("Experiment", experiment.to_owned()),
            metrics::Label::new("Variant", variant.to_owned()),
        ];
        if let Some(outcome) = outcome {
            labels.push(metrics::Label::new("Metric", outcome.to_owned()));
        }
        metrics::counter!(metric, labels).increment(1);
    });
}

/// Records a served request to `sink`: `Requests` and `Errors` counts and a `Latency` histogram
/// (milliseconds), with dimensions `Experiment` and `Variant`.
fn emit_request(sink: &EmfSink, request: &ServedRequest) {
    sink.record(|| {
        let labels = vec![
            metrics::Label::new("Experiment", request.experiment.clone()),
            metrics::Label::new("Variant", request.variant.clone()),
        ];
        metrics::counter!("Requests", labels.clone()).increment(1);
        if request.error {
            metrics::counter!("Errors", labels.clone()).increment(1);
        }
        metrics::histogram!("Latency", labels).record(f64::from(request.latency_ms));
    });
}

/// Records events in a store and logs each stored one as EMF.
pub struct EventRecorder<S> {
    pub store: S,
    pub sink: EmfSink,
}

impl<S: ExperimentEvents> EventRecorder<S> {
    pub fn new(store: S, sink: EmfSink) -> Self {
        Self { store, sink }
    }

    /// Stores the exposure if it is the unit's first in this experiment; `true` then.
    pub async fn exposed(&self, exposure: &Exposure) -> Result<bool, StoreError> {
        let first = self.store.record_exposure(exposure).await?;
        if first {
            tracing::info!(
                experiment = %exposure.experiment,
                variant = %exposure.variant,
                unit = %exposure.unit,
                "experiment exposure"
            );
            emit(
                &self.sink,
                "Exposures",
                &exposure.experiment,
                &exposure.variant,
                None,
            );
        }
        Ok(first)
    }

    /// Stores a served request and counts it in EMF (guardrails).
    pub async fn served(&self, request: &ServedRequest) -> Result<(), StoreError> {
        self.store.record_request(request).await?;
        emit_request(&self.sink, request);
        Ok(())
    }

    /// Stores the outcome if the unit was exposed and has not converted on `metric` yet.
    pub async fn converted(
        &self,
        experiment: &str,
        unit: &str,
        metric: &str,
        at: Timestamp,
    ) -> Result<Option<Outcome>, StoreError> {
        let outcome = self
            .store
            .record_outcome(experiment, unit, metric, at)
            .await?;
        if let Some(o) = &outcome {
            tracing::info!(
                experiment = %o.experiment,
                variant = %o.variant,
                metric = %o.metric,
                unit = %o.unit,
                "experiment outcome"
            );
            emit(
                &self.sink,
                "Conversions",
                &o.experiment,
                &o.variant,
                Some(&o.metric),
            );
        }
        Ok(outcome)
    }
}
