//! Where the flag document comes from. Reading flags never fails a request: every source answers
//! with the document it last read successfully, or an empty set (every flag at its default).
//!
//! - In Lambda, the AppConfig agent (the Lambda extension layer) serves the document on
//!   `localhost:2772` from its own cache, which it prefetches before the first invocation
//!   (`AWS_APPCONFIG_EXTENSION_PREFETCH_LIST`) and polls in the background. Each fetch here is
//!   bounded by a timeout, and a fetched document is reused for a short interval, so a slow or
//!   absent agent costs at most one bounded wait per interval.
//! - Locally, a file in the data directory, re-read whenever its modification time or length
//!   changes, so edits apply without a restart.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
#[cfg(feature = "appconfig")]
use std::time::Instant;
use std::time::{Duration, SystemTime};

use super::flags::FlagSet;

/// How long a fetched document is reused before the agent is asked again.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(5);
/// The longest a request waits for the agent.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
/// The agent's default port (`AWS_APPCONFIG_EXTENSION_HTTP_PORT`).
pub const AGENT_PORT: u16 = 2772;

/// A source of the flag document.
pub struct FlagSource {
    inner: Inner,
}

enum Inner {
    Fixed(Arc<FlagSet>),
    File(FileSource),
    #[cfg(feature = "appconfig")]
    Agent(AgentSource),
}

impl FlagSource {
    /// Always this document (tests, and functions deployed without flags).
    pub fn fixed(flags: FlagSet) -> Self {
        Self {
            inner: Inner::Fixed(Arc::new(flags)),
        }
    }

    /// The document in `path`, re-read when the file changes. A missing file is an empty set.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            inner: Inner::File(FileSource {
                path: path.into(),
                state: Mutex::new(FileState {
                    stamp: None,
                    flags: Arc::new(FlagSet::empty()),
                }),
            }),
        }
    }

    /// The AppConfig agent at `http://<host>:<port><path>`, where `path` is
    /// `/applications/<app>/environments/<env>/configurations/<profile>`.
    #[cfg(feature = "appconfig")]
    pub fn agent(base: &str, path: &str, timeout: Duration, refresh: Duration) -> Self {
        // Building a client without TLS or proxies only fails if the platform has no resolver
        // configuration at all; fall back to the default client rather than panic.
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .no_proxy()
            .build()
            .unwrap_or_default();
        Self {
            inner: Inner::Agent(AgentSource {
                client,
                url: format!("{}{path}", base.trim_end_matches('/')),
                refresh,
                state: Mutex::new(AgentState {
                    last: None,
                    asked_at: None,
                }),
            }),
        }
    }

    /// The current document; never fails.
    pub async fn current(&self) -> Arc<FlagSet> {
        match &self.inner {
            Inner::Fixed(flags) => flags.clone(),
            Inner::File(file) => file.current().await,
            #[cfg(feature = "appconfig")]
            Inner::Agent(agent) => agent.current().await,
        }
    }
}

struct FileSource {
    path: PathBuf,
    state: Mutex<FileState>,
}

struct FileState {
    /// Modification time and length of the file last read (`None`: not read, or missing).
    stamp: Option<(SystemTime, u64)>,
    flags: Arc<FlagSet>,
}

impl FileSource {
    async fn current(&self) -> Arc<FlagSet> {
        let stamp = tokio::fs::metadata(&self.path)
            .await
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
        {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.stamp == stamp {
                return state.flags.clone();
            }
        }
        let flags = match stamp {
            None => Some(FlagSet::empty()),
            Some(_) => match tokio::fs::read(&self.path).await {
                Ok(bytes) => match FlagSet::parse(&bytes) {
                    Ok(flags) => Some(flags),
                    Err(e) => {
                        tracing::warn!(path = %self.path.display(), error = %e, "flag file unreadable; keeping the last good document");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(path = %self.path.display(), error = %e, "flag file unreadable; keeping the last good document");
                    None
                }
            },
        };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.stamp = stamp;
        if let Some(flags) = flags {
            tracing::info!(path = %self.path.display(), flags = flags.keys().count(), "flag file loaded");
            state.flags = Arc::new(flags);
        }
        state.flags.clone()
    }
}

#[cfg(feature = "appconfig")]
struct AgentSource {
    client: reqwest::Client,
    url: String,
    refresh: Duration,
    state: Mutex<AgentState>,
}

#[cfg(feature = "appconfig")]
struct AgentState {
    /// The last document fetched successfully.
    last: Option<Arc<FlagSet>>,
    /// When the agent was last asked (successfully or not).
    asked_at: Option<Instant>,
}

#[cfg(feature = "appconfig")]
impl AgentSource {
    async fn current(&self) -> Arc<FlagSet> {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let fresh = state.asked_at.is_some_and(|t| t.elapsed() < self.refresh);
            if fresh {
                return state.last.clone().unwrap_or_default();
            }
            // Concurrent requests meanwhile reuse the last document instead of asking too.
            state.asked_at = Some(Instant::now());
        }
        let fetched = self.fetch().await;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match fetched {
            Ok(flags) => {
                let flags = Arc::new(flags);
                state.last = Some(flags.clone());
                flags
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %e, fallback = if state.last.is_some() { "last known" } else { "defaults" }, "flag fetch failed");
                state.last.clone().unwrap_or_default()
            }
        }
    }

    async fn fetch(&self) -> Result<FlagSet, FetchError> {
        let response = self.client.get(&self.url).send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let body = response.bytes().await?;
        Ok(FlagSet::parse(&body)?)
    }
}

#[cfg(feature = "appconfig")]
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("agent unreachable or too slow: {0}")]
    Http(#[from] reqwest::Error),
    #[error("agent answered {0}")]
    Status(u16),
    #[error(transparent)]
    Document(#[from] super::flags::FlagError),
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: &str =
        r#"{"version":"1","flags":{"dark":{"name":"Dark"}},"values":{"dark":{"enabled":true}}}"#;
    const OFF: &str =
        r#"{"version":"1","flags":{"dark":{"name":"Dark"}},"values":{"dark":{"enabled":false}}}"#;

    #[tokio::test]
    async fn the_file_source_follows_edits_and_keeps_the_last_good_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flags.json");
        let source = FlagSource::file(&path);
        // Missing: defaults.
        assert!(!source.current().await.enabled("dark", false));
        std::fs::write(&path, ON).unwrap();
        assert!(source.current().await.enabled("dark", false));
        // An edit (different length) shows without anything restarting.
        std::fs::write(&path, OFF).unwrap();
        assert!(!source.current().await.enabled("dark", true));
        // A broken edit keeps the last good document.
        std::fs::write(&path, "{ not json").unwrap();
        assert!(!source.current().await.enabled("dark", true));
        assert!(source.current().await.keys().any(|k| k == "dark"));
        std::fs::write(&path, ON).unwrap();
        assert!(source.current().await.enabled("dark", false));
        // Deleted: back to defaults.
        std::fs::remove_file(&path).unwrap();
        assert!(!source.current().await.enabled("dark", false));
    }
}

/// The AppConfig agent's protocol, stood in for by a small HTTP server on a loopback port whose
/// behaviour each test sets: answer a document, answer an error status, or stall.
#[cfg(test)]
#[cfg(feature = "appconfig")]
mod agent_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    const PATH: &str = "/applications/craftbean/environments/test/configurations/flags";
    const ON: &str = r#"{"dark":{"enabled":true}}"#;

    #[derive(Clone)]
    enum Mode {
        Serve(&'static str),
        Status(u16),
        Stall(Duration),
    }

    struct Stub {
        base: String,
        mode: Arc<Mutex<Mode>>,
        requests: Arc<AtomicUsize>,
        paths: Arc<Mutex<Vec<String>>>,
    }

    impl Stub {
        async fn start(mode: Mode) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let mode = Arc::new(Mutex::new(mode));
            let requests = Arc::new(AtomicUsize::new(0));
            let paths = Arc::new(Mutex::new(Vec::new()));
            let (m, r, p) = (mode.clone(), requests.clone(), paths.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((mut socket, _)) = listener.accept().await else {
                        return;
                    };
                    let (m, r, p) = (m.clone(), r.clone(), p.clone());
                    tokio::spawn(async move {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            let Ok(n) = socket.read(&mut buf).await else {
                                return;
                            };
                            if n == 0 {
                                return;
                            }
                            head.extend_from_slice(&buf[..n]);
                        }
                        r.fetch_add(1, Ordering::SeqCst);
                        let line = String::from_utf8_lossy(&head)
                            .lines()
                            .next()
                            .unwrap_or("")
                            .to_owned();
                        p.lock().unwrap().push(line);
                        let mode = m.lock().unwrap().clone();
                        let (status, body) = match mode {
                            Mode::Serve(body) => (200, body),
                            Mode::Status(code) => (code, "{}"),
                            Mode::Stall(d) => {
                                tokio::time::sleep(d).await;
                                (200, ON)
                            }
                        };
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(reply.as_bytes()).await;
                    });
                }
            });
            Self {
                base,
                mode,
                requests,
                paths,
            }
        }

        fn set(&self, mode: Mode) {
            *self.mode.lock().unwrap() = mode;
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    #[tokio::test]
    async fn serves_the_agents_document_and_reuses_it_within_the_refresh_interval() {
        let stub = Stub::start(Mode::Serve(ON)).await;
        let source = FlagSource::agent(&stub.base, PATH, DEFAULT_TIMEOUT, Duration::from_secs(60));
        assert!(source.current().await.enabled("dark", false));
        assert!(source.current().await.enabled("dark", false));
        assert_eq!(stub.requests(), 1);
        assert_eq!(
            stub.paths.lock().unwrap()[0],
            format!("GET {PATH} HTTP/1.1")
        );
    }

    #[tokio::test]
    async fn a_stalled_agent_costs_one_bounded_wait_and_the_last_known_document() {
        let stub = Stub::start(Mode::Serve(ON)).await;
        let timeout = Duration::from_millis(150);
        let source = FlagSource::agent(&stub.base, PATH, timeout, Duration::ZERO);
        assert!(source.current().await.enabled("dark", false));
        stub.set(Mode::Stall(Duration::from_secs(5)));
        let started = Instant::now();
        let flags = source.current().await;
        let waited = started.elapsed();
        assert!(flags.enabled("dark", false), "last known document");
        assert!(waited < Duration::from_millis(1_500), "waited {waited:?}");
        assert_eq!(stub.requests(), 2);
    }

    #[tokio::test]
    async fn an_agent_error_falls_back_to_the_last_known_then_to_defaults() {
        let stub = Stub::start(Mode::Status(500)).await;
        let source = FlagSource::agent(&stub.base, PATH, DEFAULT_TIMEOUT, Duration::ZERO);
        // Never fetched: defaults.
        assert!(!source.current().await.enabled("dark", false));
        assert!(source.current().await.enabled("dark", true));
        stub.set(Mode::Serve(ON));
        assert!(source.current().await.enabled("dark", false));
        // A broken document and an error status both keep the last good one.
        stub.set(Mode::Serve("[not flags]"));
        assert!(source.current().await.enabled("dark", false));
        stub.set(Mode::Status(503));
        assert!(source.current().await.enabled("dark", false));
        assert!(stub.requests() >= 5);
    }

    #[tokio::test]
    async fn no_agent_at_all_means_defaults() {
        // A port nothing listens on: bind, learn the port, close.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let source = FlagSource::agent(&base, PATH, DEFAULT_TIMEOUT, DEFAULT_REFRESH);
        let flags = source.current().await;
        assert_eq!(flags.keys().count(), 0);
    }
}
