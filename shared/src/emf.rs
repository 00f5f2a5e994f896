//! CloudWatch embedded metric format (EMF) through `metrics_cloudwatch_embedded`: one
//! process-wide collector (the crate installs it as the `metrics` recorder, once per process,
//! with one namespace), shared by every part of the code that counts something: experiment
//! exposures, conversions and served requests (`crate::experiments::events`) and the partner gate's requests,
//! errors and latency per partner and route (`crate::http::partner`). Each records through an
//! [`EmfSink`], which flushes right after recording, so every count is written exactly once even
//! when requests overlap (a flush writes whatever any caller counted since the last one).

use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The CloudWatch namespace of every CraftBean EMF metric; the metrics tell themselves apart by
/// name and dimensions (`Experiment`/`Variant`, `Partner`/`Route`).
pub const NAMESPACE: &str = "CraftBean";

/// The process's EMF collector (`None`, and no EMF lines, if another recorder was installed
/// first).
fn collector() -> Option<&'static metrics_cloudwatch_embedded::Collector> {
    static COLLECTOR: OnceLock<Option<&'static metrics_cloudwatch_embedded::Collector>> =
        OnceLock::new();
    *COLLECTOR.get_or_init(|| {
        match metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .init()
        {
            Ok(collector) => {
                metrics::describe_counter!("Exposures", metrics::Unit::Count, "first exposures");
                metrics::describe_counter!("Conversions", metrics::Unit::Count, "first outcomes");
                metrics::describe_counter!("Requests", metrics::Unit::Count, "partner requests");
                metrics::describe_counter!("ClientErrors", metrics::Unit::Count, "partner 4xx");
                metrics::describe_counter!("ServerErrors", metrics::Unit::Count, "partner 5xx");
                metrics::describe_counter!("RateLimited", metrics::Unit::Count, "partner 429s");
                metrics::describe_counter!("Errors", metrics::Unit::Count, "experiment 5xx");
                metrics::describe_histogram!(
                    "Latency",
                    metrics::Unit::Milliseconds,
                    "request latency (partner routes, experiment variants)"
                );
                Some(collector)
            }
            Err(e) => {
                tracing::warn!(error = %e, "no EMF collector: another metrics recorder is installed");
                None
            }
        }
    })
}

/// Where EMF lines go: standard output in Lambda (CloudWatch Logs reads it), or memory in tests.
#[derive(Clone, Default)]
pub enum EmfSink {
    #[default]
    Stdout,
    Memory(Arc<Mutex<Vec<u8>>>),
}

impl EmfSink {
    /// A sink that keeps lines in memory, and the buffer it writes to.
    pub fn memory() -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        (Self::Memory(buffer.clone()), buffer)
    }

    /// Runs `record` (which counts with the `metrics` macros), then flushes the collector to
    /// this sink: one EMF document per label set with something new since the last flush.
    pub fn record(&self, record: impl FnOnce()) {
        let Some(collector) = collector() else {
            return;
        };
        record();
        let mut lines = Vec::with_capacity(512);
        if let Err(e) = collector.flush(&mut lines) {
            tracing::warn!(error = %e, "could not encode EMF lines");
            return;
        }
        match self {
            Self::Stdout => {
                let mut out = std::io::stdout().lock();
                if let Err(e) = out.write_all(&lines).and_then(|()| out.flush()) {
                    tracing::warn!(error = %e, "could not write EMF lines");
                }
            }
            Self::Memory(buffer) => buffer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(&lines),
        }
    }
}
