//! CloudWatch embedded metric format (EMF) through `metrics_cloudwatch_embedded`: one
//! process-wide collector (the crate installs it as the `metrics` recorder, once per process,
//! with one namespace), shared by every part of the code that counts something: experiment
//! exposures, conversions and served requests (`crate::experiments::events`) and the partner gate's requests,
//! errors and latency per partner and route (`crate::http::partner`). Each records through an
//! [`EmfSink`], which flushes right after recording, so every count is written exactly once. The
//! collector is process-wide and a flush takes whatever was counted since the last one, so
//! `record` holds one lock across counting and flushing: overlapping requests (or parallel tests)
//! each flush exactly their own counts into their own sink.

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
    /// The lock is held across both, so no other caller's counts reach this flush.
    pub fn record(&self, record: impl FnOnce()) {
        static RECORDING: Mutex<()> = Mutex::new(());
        let Some(collector) = collector() else {
            return;
        };
        let mut lines = Vec::with_capacity(512);
        {
            let _one_at_a_time = RECORDING.lock().unwrap_or_else(PoisonError::into_inner);
            record();
            if let Err(e) = collector.flush(&mut lines) {
                tracing::warn!(error = %e, "could not encode EMF lines");
                return;
            }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::EmfSink;

    /// The sum of `metric` over the EMF documents in `buffer`, and the `Worker` labels they name.
    fn counted(buffer: &std::sync::Mutex<Vec<u8>>, metric: &str) -> (u64, Vec<String>) {
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        let mut total = 0;
        let mut workers = Vec::new();
        for line in text.lines() {
            let doc: serde_json::Value = serde_json::from_str(line).unwrap();
            total += doc[metric].as_u64().unwrap_or(0);
            workers.push(doc["Worker"].as_str().unwrap_or_default().to_owned());
        }
        (total, workers)
    }

    /// Threads recording at once each find exactly their own counts in their own sink: no flush
    /// takes another caller's counts (the race that made partner-usage's tests flaky).
    #[test]
    fn overlapping_recorders_each_flush_only_their_own_counts() {
        const THREADS: usize = 8;
        const TIMES: u64 = 200;
        let handles: Vec<_> = (0..THREADS)
            .map(|n| {
                std::thread::spawn(move || {
                    let (sink, buffer) = EmfSink::memory();
                    let worker = format!("w{n}");
                    for _ in 0..TIMES {
                        sink.record(|| {
                            metrics::counter!("EmfRaceTest", "Worker" => worker.clone())
                                .increment(1);
                        });
                    }
                    (worker, buffer)
                })
            })
            .collect();
        for handle in handles {
            let (worker, buffer) = handle.join().unwrap();
            let (total, workers) = counted(&buffer, "EmfRaceTest");
            assert_eq!(total, TIMES, "{worker} lost or gained counts");
            assert!(
                workers.iter().all(|w| *w == worker),
                "{worker}: {workers:?}"
            );
        }
    }
}
