//! `make bench-coldstart` (docs/coldstart.md): what each function costs before and during its
//! first request, measured on the binaries as they are built for Lambda.
//!
//! A Lambda Runtime API emulator listens on loopback; each function binary is spawned with the
//! environment template.yaml gives it (the values made local: moto as the endpoint, fixed
//! secrets) and this emulator as `AWS_LAMBDA_RUNTIME_API`. Measured per function, beside a
//! hello-world `lambda_runtime` binary (`bench/hello-lambda`) built with the same profile in the
//! same run:
//! - init: spawn → the binary's first `GET /runtime/invocation/next` (median of `--starts`
//!   spawns, each a fresh process);
//! - first invoke: event handed out → response posted, in the first process;
//! - warm invokes: the same event `--invocations` more times, p50 and p99;
//! - peak RSS: the process's `VmHWM` after the warm invokes;
//! - binary bytes and their deflate size (what the deployment zip holds).
//!
//! The event is the function's `events/<function>.json` fixture with the origin header
//! CloudFront adds. The function reaches the store (`AWS_ENDPOINT_URL`, moto) through a timing
//! proxy, so each warm invoke is split into time waiting for the store and the rest (our code,
//! the runtime client and the emulator's loopback hops, which the hello world shows alone).
//!
//! moto answers a Query in hundreds of milliseconds, beyond the read budget's attempt timeout,
//! so the proxy is also a benchmark fixture that replays reads: before a function is measured,
//! one recording start (the same binary with the `tool` budget) sends the event once and the
//! proxy keeps moto's answer to each read (`GetItem`, `Query`, `BatchGetItem`, `Scan`), keyed by
//! operation and request body. The measured starts then get those exact bytes from memory for
//! the same requests; reads it has not seen still go to moto and are counted. A write
//! (`PutItem`, `UpdateItem`, `DeleteItem`, `TransactWriteItems`, `BatchWriteItem`, SQS
//! `SendMessage`/`SendMessageBatch`) goes to moto until one of its operation has succeeded;
//! after that the proxy acknowledges it with that recorded answer, without moto, because a
//! write's body differs on every invoke (times, ids) and moto's ~320 ms per transaction is
//! longer than the write budget's attempt timeout. So during the measured invokes the table
//! does not change: each warm invoke takes the path of the recording start's second invoke,
//! and its store share is the proxy's memory, not DynamoDB. The data is the seeded demo
//! table, so a read request has one right answer.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Mutex, mpsc};

/// The floor every function is compared with.
pub const HELLO: &str = "hello-lambda";
/// How long a binary may take to reach `/next`, or to answer one event.
const PATIENCE: Duration = Duration::from_secs(60);
/// The origin secret set for every function (the API functions check it).
const ORIGIN_SECRET: &str = "coldstart-origin-secret-0123456789abcdef";

/// One event on its way to the function.
struct Invocation {
    id: String,
    body: Bytes,
}

/// What the function posted back for an invocation.
struct Answer {
    id: String,
    at: Instant,
    body: Result<Bytes, String>,
}

/// The emulator's state: the next event to hand out, and where calls are reported.
struct Runtime {
    events: Mutex<mpsc::Receiver<Invocation>>,
    polls: mpsc::UnboundedSender<Instant>,
    answers: mpsc::UnboundedSender<Answer>,
}

async fn next(State(rt): State<Arc<Runtime>>) -> (StatusCode, HeaderMap, Bytes) {
    let _ = rt.polls.send(Instant::now());
    let mut events = rt.events.lock().await;
    let Some(event) = events.recv().await else {
        return (StatusCode::GONE, HeaderMap::new(), Bytes::new());
    };
    let deadline = jiff::Timestamp::now().as_millisecond() + 30_000;
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", event.id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:coldstart".to_owned(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
    );
    (StatusCode::OK, headers, event.body)
}

/// Reports what the function posted for invocation `id` (an error body as text).
fn report(rt: &Runtime, id: String, body: Result<Bytes, Bytes>) -> StatusCode {
    let at = Instant::now();
    let body = body.map_err(|e| String::from_utf8_lossy(&e).into_owned());
    let _ = rt.answers.send(Answer { id, at, body });
    StatusCode::ACCEPTED
}

async fn response(
    State(rt): State<Arc<Runtime>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    report(&rt, id, Ok(body))
}

async fn error(
    State(rt): State<Arc<Runtime>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    report(&rt, id, Err(body))
}

async fn init_error(State(rt): State<Arc<Runtime>>, body: Bytes) -> StatusCode {
    report(&rt, "init".to_owned(), Err(body))
}

/// A running emulator: its address, and the ends the controller drives.
struct Emulator {
    addr: std::net::SocketAddr,
    events: mpsc::Sender<Invocation>,
    polls: mpsc::UnboundedReceiver<Instant>,
    answers: mpsc::UnboundedReceiver<Answer>,
    server: tokio::task::JoinHandle<()>,
}

impl Emulator {
    async fn start() -> anyhow::Result<Self> {
        let (events_tx, events_rx) = mpsc::channel(1);
        let (polls_tx, polls_rx) = mpsc::unbounded_channel();
        let (answers_tx, answers_rx) = mpsc::unbounded_channel();
        let rt = Arc::new(Runtime {
            events: Mutex::new(events_rx),
            polls: polls_tx,
            answers: answers_tx,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(rt);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            events: events_tx,
            polls: polls_rx,
            answers: answers_rx,
            server,
        })
    }

    /// Waits for the function's next `/next`, returning when it arrived.
    async fn polled(&mut self) -> anyhow::Result<Instant> {
        tokio::time::timeout(PATIENCE, self.polls.recv())
            .await
            .context("the function did not ask for an event in time")?
            .context("emulator stopped")
    }

    /// Hands out one event and waits for its answer: the time it took and the answer.
    async fn invoke(&mut self, id: String, body: Bytes) -> anyhow::Result<(Duration, Bytes)> {
        let start = Instant::now();
        self.events
            .send(Invocation {
                id: id.clone(),
                body,
            })
            .await
            .context("emulator stopped")?;
        let answer = tokio::time::timeout(PATIENCE, self.answers.recv())
            .await
            .context("the function did not answer in time")?
            .context("emulator stopped")?;
        if answer.id != id {
            bail!("answer for {} while waiting for {id}", answer.id);
        }
        match answer.body {
            Ok(body) => Ok((answer.at.duration_since(start), body)),
            Err(e) => bail!("invocation {id} failed: {e}"),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A timing proxy between the function and the DynamoDB-protocol server: forwards every
/// request unchanged (moto does not check signatures, so the changed host does not matter) and
/// records when each call started and ended and which operation it was, so the time a warm
/// invoke spends waiting for the store can be told from the time it spends in our code.
struct StoreProxy {
    addr: std::net::SocketAddr,
    calls: Arc<std::sync::Mutex<Vec<StoreCall>>>,
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

/// One call the function made to the store.
#[derive(Clone, Debug)]
struct StoreCall {
    operation: String,
    start: Instant,
    end: Instant,
    /// Answered from the recorded reads, without moto.
    replayed: bool,
}

/// The read operations whose answers are recorded and replayed, by request body.
const REPLAYED: &[&str] = &["GetItem", "Query", "BatchGetItem", "Scan"];
/// The write operations acknowledged, once one has succeeded, with its recorded answer
/// whatever the body.
const ACKNOWLEDGED: &[&str] = &[
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "TransactWriteItems",
    "BatchWriteItem",
    "SendMessage",
    "SendMessageBatch",
];

/// A recorded answer: status, headers and body exactly as moto sent them.
type Recorded = (StatusCode, HeaderMap, Bytes);

/// moto's answers to reads, by operation and request body.
type Recordings = std::collections::HashMap<(String, Bytes), Recorded>;

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    calls: Arc<std::sync::Mutex<Vec<StoreCall>>>,
    recorded: Arc<std::sync::Mutex<Recordings>>,
    /// The last successful answer to each write operation.
    acknowledgements: Arc<std::sync::Mutex<std::collections::HashMap<String, Recorded>>>,
    /// Print each call forwarded to moto (`CRAFTBEAN_COLDSTART_SHOW_FORWARDED=1`): a warm
    /// invoke that reaches moto measures moto, and its request shows what the recording missed.
    report_forwarded: bool,
    /// Calls forwarded to moto and not answered yet (the forward runs on to the end even when
    /// the function gave up on the call, so its answer is still recorded).
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

impl ProxyState {
    fn replay(&self, operation: &str, body: &Bytes) -> Option<Recorded> {
        if ACKNOWLEDGED.contains(&operation) {
            return self.acknowledgements.lock().ok()?.get(operation).cloned();
        }
        let recorded = self.recorded.lock().ok()?;
        recorded
            .get(&(operation.to_owned(), canonical(body)))
            .cloned()
    }

    fn record(&self, operation: &str, body: Bytes, answer: &Recorded) {
        if !answer.0.is_success() {
            return;
        }
        if REPLAYED.contains(&operation)
            && let Ok(mut recorded) = self.recorded.lock()
        {
            recorded.insert((operation.to_owned(), canonical(&body)), answer.clone());
        } else if ACKNOWLEDGED.contains(&operation)
            && let Ok(mut acknowledgements) = self.acknowledgements.lock()
        {
            acknowledgements.insert(operation.to_owned(), answer.clone());
        }
    }
}

/// Logs one store call when dropped: when the proxy answered, and also when the function gave
/// up on the call first (its attempt timeout closed the connection, and the server dropped the
/// handler mid-way), so a call the function abandoned still counts, as not replayed.
struct CallLog {
    calls: Arc<std::sync::Mutex<Vec<StoreCall>>>,
    operation: String,
    start: Instant,
    replayed: bool,
}

impl Drop for CallLog {
    fn drop(&mut self) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(StoreCall {
                operation: std::mem::take(&mut self.operation),
                start: self.start,
                end: Instant::now(),
                replayed: self.replayed,
            });
        }
    }
}

/// A request body with every JSON object's keys in sorted order, so that two requests that
/// differ only in the order of their map entries share one recording. The SDK serialises maps
/// (`ExpressionAttributeValues`, `Key`) from hash maps, whose order changes from request to
/// request: keyed by raw bytes, a Query with three values matched its recording one time in
/// six, and nearby-cafes' 27 Queries per invoke almost never all did. A body that is not JSON
/// is kept as it is.
fn canonical(body: &Bytes) -> Bytes {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(value, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let mut out = String::with_capacity(body.len());
            write(&value, &mut out);
            Bytes::from(out)
        }
        Err(_) => body.clone(),
    }
}

async fn forward(
    State(proxy): State<ProxyState>,
    request: axum::extract::Request,
) -> (StatusCode, HeaderMap, Bytes) {
    let start = Instant::now();
    let (parts, body) = request.into_parts();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("other")
        .to_owned();
    let mut log = CallLog {
        calls: proxy.calls.clone(),
        operation: operation.clone(),
        start,
        replayed: false,
    };
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::BAD_REQUEST, HeaderMap::new(), Bytes::new());
    };
    match proxy.replay(&operation, &body) {
        Some(answer) => {
            log.replayed = true;
            answer
        }
        None => {
            if proxy.report_forwarded {
                let shown: String = String::from_utf8_lossy(&body).chars().take(400).collect();
                eprintln!("  forwarded to moto (not recorded): {operation} {shown}");
            }
            // Forwarded on a task of its own, so an answer slower than the function's attempt
            // timeout is still recorded for the next try.
            let path = parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            let mut headers = parts.headers.clone();
            headers.remove(axum::http::header::HOST);
            let task = proxy.clone();
            let op = operation.clone();
            proxy
                .in_flight
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let forwarded = tokio::spawn(async move {
                let sent = task
                    .client
                    .request(parts.method, format!("{}{path}", task.upstream))
                    .headers(headers)
                    .body(body.clone())
                    .send()
                    .await;
                let answer = match sent {
                    Ok(res) => {
                        let status = res.status();
                        let headers = res.headers().clone();
                        match res.bytes().await {
                            Ok(bytes) => (status, headers, bytes),
                            Err(_) => (StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new()),
                        }
                    }
                    Err(_) => (StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new()),
                };
                task.record(&op, body, &answer);
                task.in_flight
                    .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                answer
            });
            forwarded
                .await
                .unwrap_or((StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new()))
        }
    }
}

impl StoreProxy {
    async fn start(upstream: &str) -> anyhow::Result<Self> {
        let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
        let state = ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            calls: calls.clone(),
            recorded: Arc::default(),
            acknowledgements: Arc::default(),
            report_forwarded: std::env::var_os("CRAFTBEAN_COLDSTART_SHOW_FORWARDED").is_some(),
            in_flight: Arc::default(),
        };
        let in_flight = state.in_flight.clone();
        let app = Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            calls,
            in_flight,
            server,
        })
    }

    /// Waits until every call forwarded to moto has been answered (and so recorded), at most
    /// `patience`: a recording invoke whose calls moto answered after the function gave up on
    /// them is followed by one that finds those answers in memory and reaches the next round.
    async fn settled(&self, patience: Duration) {
        let until = Instant::now() + patience;
        while self.in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0 && Instant::now() < until
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The calls recorded since the last take.
    fn take(&self) -> Vec<StoreCall> {
        self.calls
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }
}

impl Drop for StoreProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Time covered by at least one of `calls` (overlapping calls count once).
fn busy(calls: &[StoreCall]) -> Duration {
    let mut spans: Vec<(Instant, Instant)> = calls.iter().map(|c| (c.start, c.end)).collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total += e - s;
    }
    total
}

/// What was measured for one binary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub function: String,
    /// Median spawn → first `/next`, milliseconds.
    pub init_ms: f64,
    /// Every start's init, milliseconds.
    pub inits_ms: Vec<f64>,
    pub first_invoke_ms: f64,
    pub warm_p50_ms: f64,
    pub warm_p99_ms: f64,
    /// Per warm invoke: time waiting for the store (p50, p99), and the rest (our code, the
    /// runtime and the emulator's loopback hops).
    pub store_p50_ms: f64,
    pub store_p99_ms: f64,
    pub rest_p50_ms: f64,
    pub rest_p99_ms: f64,
    /// Store calls one warm invoke makes, by operation.
    pub store_calls: BTreeMap<String, usize>,
    /// Store calls over all warm invokes that went to moto instead of the recorded reads
    /// (writes, and reads the recording start did not make).
    pub forwarded_calls: usize,
    pub peak_rss_kib: u64,
    pub binary_bytes: u64,
    pub deflate_bytes: u64,
    /// HTTP status codes of the warm answers (API functions), with counts.
    pub statuses: BTreeMap<u16, usize>,
}

/// Options for one run.
pub struct Options {
    pub bins: PathBuf,
    pub functions: Vec<String>,
    pub starts: usize,
    pub invocations: usize,
    pub table: String,
    pub report: PathBuf,
    /// `CRAFTBEAN_BUDGET` for every function instead of the template's (e.g. `tool`, when the
    /// local store is slower than DynamoDB's attempt budget allows).
    pub budget: Option<String>,
}

impl Options {
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let flag = |name: &str| super::flag_value(args, name);
        let number = |name: &str, default: usize| -> anyhow::Result<usize> {
            flag(name).map_or(Ok(default), |v| {
                v.parse()
                    .with_context(|| format!("{name} must be a number"))
            })
        };
        let functions = match flag("--functions") {
            Some(list) => list
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => http_functions(),
        };
        Ok(Self {
            bins: PathBuf::from(flag("--bins").unwrap_or_else(|| "target/release".to_owned())),
            functions,
            starts: number("--starts", 5)?.max(1),
            invocations: number("--invocations", 1_000)?.max(1),
            table: flag("--table").unwrap_or_else(|| super::DEFAULT_TABLE.to_owned()),
            report: PathBuf::from(
                flag("--report").unwrap_or_else(|| "target/coldstart".to_owned()),
            ),
            budget: flag("--budget"),
        })
    }
}

/// Every function behind an API route, in route-table order, without repeats.
pub fn http_functions() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for route in shared::http::ROUTES {
        if !out.iter().any(|f| f == route.function) {
            out.push(route.function.to_owned());
        }
    }
    out
}

/// The environment template.yaml gives `function` (Globals first), with every value that is a
/// reference to a parameter or resource replaced by its local stand-in.
fn template_env(
    template: &serde_yaml::Value,
    function: &str,
    table: &str,
    budget_override: Option<&str>,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut vars = Vec::new();
    let mut add = |map: Option<&serde_yaml::Mapping>| -> anyhow::Result<()> {
        for (name, value) in map.into_iter().flatten() {
            let name = name
                .as_str()
                .context("an environment variable name is not a string")?;
            let value = match value {
                serde_yaml::Value::String(s) => Some(s.clone()),
                serde_yaml::Value::Number(n) => Some(n.to_string()),
                _ => local_value(name, table),
            };
            match value {
                Some(v) => vars.push((name.to_owned(), v)),
                None => bail!("{function}: no local value for {name}; add one to local_value()"),
            }
        }
        Ok(())
    };
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    add(globals.as_mapping())?;
    let resources = template["Resources"]
        .as_mapping()
        .context("template has no Resources")?;
    let resource = resources
        .values()
        .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(function))
        .with_context(|| format!("template.yaml builds no binary named {function}"))?;
    add(resource["Properties"]["Environment"]["Variables"].as_mapping())?;
    if let Some(budget) = budget_override {
        vars.retain(|(name, _)| name != "CRAFTBEAN_BUDGET");
        vars.push(("CRAFTBEAN_BUDGET".to_owned(), budget.to_owned()));
    }
    Ok(vars)
}

/// The local stand-in for a variable whose template value is a reference; `None` when the
/// variable is better left unset (its default applies).
fn local_value(name: &str, table: &str) -> Option<String> {
    Some(match name {
        "RUST_LOG" => std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()),
        "CRAFTBEAN_TABLE" => table.to_owned(),
        "CRAFTBEAN_ORIGIN_SECRET" => ORIGIN_SECRET.to_owned(),
        "CRAFTBEAN_ORIGIN_SECRET_STANDBY" => ORIGIN_SECRET.to_owned(),
        "CRAFTBEAN_CURSOR_SECRET" => "coldstart-cursor-secret-0123456789abcdef".to_owned(),
        "CRAFTBEAN_USER_ID_SECRET" => "coldstart-user-id-secret-0123456789abcdef".to_owned(),
        "CRAFTBEAN_UPLOADS_BUCKET" => "craftbean-coldstart-uploads".to_owned(),
        "CRAFTBEAN_MEDIA_BUCKET" => "craftbean-coldstart-media".to_owned(),
        "CRAFTBEAN_MEDIA_BASE_URL" => "https://media.craftbean.example".to_owned(),
        "CRAFTBEAN_DISTRIBUTION_ID" => "ECOLDSTART".to_owned(),
        // The AppConfig agent is not running here: flag reads fall back to the defaults within
        // their bound (docs/experiments.md), as they would if the extension were slow.
        "CRAFTBEAN_FLAGS_PATH" | "AWS_APPCONFIG_EXTENSION_PREFETCH_LIST" => {
            "/applications/craftbean/environments/coldstart/configurations/flags".to_owned()
        }
        n if n.starts_with("CRAFTBEAN_WRITE_LIMIT_") => "30".to_owned(),
        _ => return None,
    })
}

/// The function's event fixture with CloudFront's origin header added.
fn event_for(function: &str) -> anyhow::Result<Bytes> {
    if function == HELLO {
        return Ok(Bytes::from_static(b"{\"hello\":\"world\"}"));
    }
    let path = PathBuf::from("events").join(format!("{function}.json"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut event: Value = serde_json::from_str(&text)?;
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.insert(
            shared::http::origin::ORIGIN_HEADER.to_owned(),
            Value::String(ORIGIN_SECRET.to_owned()),
        );
    }
    Ok(Bytes::from(serde_json::to_vec(&event)?))
}

/// Peak resident set of a live process, KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The binary's size and its size deflated (what a deployment zip holds, give or take the
/// zip headers).
fn sizes(bin: &Path) -> anyhow::Result<(u64, u64)> {
    let bytes = std::fs::read(bin).with_context(|| format!("reading {}", bin.display()))?;
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&bytes)?;
    let deflated = encoder.finish()?;
    Ok((bytes.len() as u64, deflated.len() as u64))
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// The `q` quantile (0–1) of sorted samples, nearest rank.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The HTTP status of an API Gateway proxy answer (0 when it has none).
fn status_of(body: &Bytes) -> u16 {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(0)
}

/// Spawns `bin` once against a fresh emulator, returning the process and when it was spawned.
async fn spawn(
    bin: &Path,
    function: &str,
    env: &[(String, String)],
    endpoint: &str,
    log: &Path,
) -> anyhow::Result<(Emulator, tokio::process::Child, Instant)> {
    let emulator = Emulator::start().await?;
    // Appended: the recording start and every measured start of a function share one log.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let mut command = tokio::process::Command::new(bin);
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    for name in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        if let Ok(value) = std::env::var(name) {
            command.env(name, value);
        }
    }
    command.env("AWS_ENDPOINT_URL", endpoint);
    let started = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("spawning {}", bin.display()))?;
    Ok((emulator, child, started))
}

/// How long a recording invoke waits for moto's late answers before the next one.
const RECORDING_PATIENCE: Duration = Duration::from_secs(300);

/// Most invokes of the recording start.
const RECORDING_INVOKES: usize = 40;

/// The recording start: `bin` with the `tool` budget (moto may take longer than the read
/// budget's attempt timeout), sent the event until one invoke is answered wholly from the
/// proxy's memory (at most [`RECORDING_INVOKES`] times), so the proxy keeps moto's answers to
/// the reads a first and a warm invoke make, also those a search only reaches once its earlier
/// reads come back in time (nearby-cafes' later rounds).
async fn record(
    proxy: &StoreProxy,
    bin: &Path,
    function: &str,
    env: &[(String, String)],
    endpoint: &str,
    log: &Path,
    event: &Bytes,
) -> anyhow::Result<()> {
    let mut env = env.to_vec();
    env.retain(|(name, _)| name != "CRAFTBEAN_BUDGET");
    env.push(("CRAFTBEAN_BUDGET".to_owned(), "tool".to_owned()));
    let (mut emulator, mut child, _) = spawn(bin, function, &env, endpoint, log).await?;
    emulator
        .polled()
        .await
        .with_context(|| format!("{function} (recording): see {}", log.display()))?;
    let mut complete = false;
    for i in 0..RECORDING_INVOKES {
        proxy.take();
        let (_, body) = emulator
            .invoke(format!("record-{i}"), event.clone())
            .await?;
        // Complete once an invoke got its answer wholly from memory. An invoke that failed on
        // the store (a 5xx: moto slower than even the tool budget) proves nothing: the calls it
        // gave up on were never answered, so the proxy could not record them.
        if i > 0 && status_of(&body) < 500 && proxy.take().iter().all(|c| c.replayed) {
            complete = true;
            break;
        }
        proxy.settled(RECORDING_PATIENCE).await;
    }
    if !complete {
        eprintln!(
            "{function}: the recording start still reached moto after {RECORDING_INVOKES} invokes; warm invokes may too (see the `to moto` column)"
        );
    }
    child.kill().await.ok();
    Ok(())
}

/// Measures one binary.
async fn measure(
    options: &Options,
    template: &serde_yaml::Value,
    function: &str,
) -> anyhow::Result<Row> {
    let bin = options.bins.join(function);
    let env = if function == HELLO {
        Vec::new()
    } else {
        template_env(
            template,
            function,
            &options.table,
            options.budget.as_deref(),
        )?
    };
    let event = event_for(function)?;
    let log = options.report.join(format!("{function}.log"));
    let upstream = std::env::var("AWS_ENDPOINT_URL")
        .context("AWS_ENDPOINT_URL must name the DynamoDB-protocol server (moto)")?;
    let proxy = StoreProxy::start(&upstream).await?;
    let endpoint = format!("http://{}", proxy.addr);
    if function != HELLO {
        record(&proxy, &bin, function, &env, &endpoint, &log, &event).await?;
        proxy.take();
    }
    let mut inits = Vec::new();
    let mut row = None;
    for start in 0..options.starts {
        let (mut emulator, mut child, spawned) =
            spawn(&bin, function, &env, &endpoint, &log).await?;
        let polled = emulator
            .polled()
            .await
            .with_context(|| format!("{function}: see {}", log.display()))?;
        inits.push(millis(polled.duration_since(spawned)));
        if start == 0 {
            let (first, _) = emulator.invoke("first".to_owned(), event.clone()).await?;
            let mut warm = Vec::with_capacity(options.invocations);
            let mut store = Vec::with_capacity(options.invocations);
            let mut rest = Vec::with_capacity(options.invocations);
            let mut store_calls = BTreeMap::new();
            let mut forwarded_calls = 0;
            let mut statuses = BTreeMap::new();
            for i in 0..options.invocations {
                proxy.take();
                let (took, body) = emulator.invoke(format!("warm-{i}"), event.clone()).await?;
                let calls = proxy.take();
                forwarded_calls += calls.iter().filter(|c| !c.replayed).count();
                let waited = busy(&calls).min(took);
                warm.push(millis(took));
                store.push(millis(waited));
                rest.push(millis(took - waited));
                if i == 0 {
                    for call in &calls {
                        *store_calls.entry(call.operation.clone()).or_insert(0) += 1;
                    }
                }
                let status = status_of(&body);
                if status >= 400 && !statuses.contains_key(&status) {
                    eprintln!(
                        "{function}: first {status} answer: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                *statuses.entry(status).or_insert(0) += 1;
            }
            for samples in [&mut warm, &mut store, &mut rest] {
                samples.sort_by(f64::total_cmp);
            }
            let pid = child.id().context("the function exited")?;
            let (binary_bytes, deflate_bytes) = sizes(&bin)?;
            row = Some(Row {
                function: function.to_owned(),
                init_ms: 0.0,
                inits_ms: Vec::new(),
                first_invoke_ms: millis(first),
                warm_p50_ms: quantile(&warm, 0.50),
                warm_p99_ms: quantile(&warm, 0.99),
                store_p50_ms: quantile(&store, 0.50),
                store_p99_ms: quantile(&store, 0.99),
                rest_p50_ms: quantile(&rest, 0.50),
                rest_p99_ms: quantile(&rest, 0.99),
                store_calls,
                forwarded_calls,
                peak_rss_kib: peak_rss_kib(pid),
                binary_bytes,
                deflate_bytes,
                statuses,
            });
        }
        child.kill().await.ok();
        drop(emulator);
    }
    let mut row = row.context("no start measured")?;
    let mut sorted = inits.clone();
    sorted.sort_by(f64::total_cmp);
    row.init_ms = quantile(&sorted, 0.5);
    row.inits_ms = inits;
    Ok(row)
}

/// Runs the benchmark and prints the table.
pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let options = Options::parse(args)?;
    std::fs::create_dir_all(&options.report)?;
    let template: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string("template.yaml")?)?;
    let hello = measure(&options, &template, HELLO).await?;
    let mut rows = Vec::new();
    for function in &options.functions {
        eprintln!("measuring {function}");
        rows.push(measure(&options, &template, function).await?);
    }
    println!(
        "hello-world floor: init {:.2} ms (starts: {}), warm p50 {:.3} ms",
        hello.init_ms,
        hello
            .inits_ms
            .iter()
            .map(|m| format!("{m:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        hello.warm_p50_ms,
    );
    println!(
        "\n| function | init ms | × hello | first invoke ms | warm p50 / p99 ms | store p50 / p99 ms | rest p50 / p99 ms | store calls | to moto | peak RSS MiB | binary MB | deflated MB | statuses |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|");
    for row in std::iter::once(&hello).chain(&rows) {
        let statuses: Vec<String> = row
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        let calls: Vec<String> = row
            .store_calls
            .iter()
            .map(|(op, n)| format!("{op}×{n}"))
            .collect();
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {} | {} | {:.1} | {:.2} | {:.2} | {} |",
            row.function,
            row.init_ms,
            row.init_ms / hello.init_ms,
            row.first_invoke_ms,
            row.warm_p50_ms,
            row.warm_p99_ms,
            row.store_p50_ms,
            row.store_p99_ms,
            row.rest_p50_ms,
            row.rest_p99_ms,
            calls.join(" "),
            row.forwarded_calls,
            row.peak_rss_kib as f64 / 1024.0,
            row.binary_bytes as f64 / 1e6,
            row.deflate_bytes as f64 / 1e6,
            statuses.join(" "),
        );
    }
    let report = serde_json::json!({
        "at": jiff::Timestamp::now().to_string(),
        "bins": options.bins,
        "hello": hello,
        "functions": rows,
    });
    let path = options.report.join("report.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
    eprintln!("report: {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn recordings_match_requests_whatever_the_order_of_their_map_entries() {
        let a = Bytes::from_static(
            br#"{"TableName":"t","ExpressionAttributeValues":{":to":{"S":"b"},":lpk":{"S":"p"},":from":{"S":"a"}},"Limit":[2,1]}"#,
        );
        let b = Bytes::from_static(
            br#"{"ExpressionAttributeValues":{":from":{"S":"a"},":lpk":{"S":"p"},":to":{"S":"b"}},"Limit":[2,1],"TableName":"t"}"#,
        );
        assert_eq!(canonical(&a), canonical(&b));
        // Arrays keep their order, and a different value is a different request.
        let c = Bytes::from_static(
            br#"{"ExpressionAttributeValues":{":from":{"S":"a"},":lpk":{"S":"p"},":to":{"S":"c"}},"Limit":[2,1],"TableName":"t"}"#,
        );
        let d = Bytes::from_static(
            br#"{"ExpressionAttributeValues":{":from":{"S":"a"},":lpk":{"S":"p"},":to":{"S":"b"}},"Limit":[1,2],"TableName":"t"}"#,
        );
        assert_ne!(canonical(&a), canonical(&c));
        assert_ne!(canonical(&a), canonical(&d));
        let raw = Bytes::from_static(b"not json");
        assert_eq!(canonical(&raw), raw);
    }

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&samples, 0.5), 50.0);
        assert_eq!(quantile(&samples, 0.99), 99.0);
        assert_eq!(quantile(&samples, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn store_time_counts_overlapping_calls_once() {
        let t = Instant::now();
        let ms = |n: u64| t + Duration::from_millis(n);
        let call = |start: u64, end: u64| StoreCall {
            operation: "Query".to_owned(),
            start: ms(start),
            end: ms(end),
            replayed: false,
        };
        // 0–10 and 5–12 overlap (12 ms together); 20–25 stands alone.
        let calls = [call(20, 25), call(0, 10), call(5, 12)];
        assert_eq!(busy(&calls), Duration::from_millis(17));
        assert_eq!(busy(&[]), Duration::ZERO);
    }

    #[test]
    fn every_http_function_gets_a_complete_local_environment_from_the_template() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let template: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(root.join("template.yaml")).unwrap())
                .unwrap();
        for function in http_functions() {
            let env = template_env(&template, &function, "t", None).unwrap();
            let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
            assert!(names.contains(&"CRAFTBEAN_TABLE"), "{function}: {names:?}");
            assert!(names.contains(&"CRAFTBEAN_BUDGET"), "{function}: {names:?}");
            assert!(
                root.join("events")
                    .join(format!("{function}.json"))
                    .exists(),
                "{function} has no event fixture"
            );
        }
    }

    #[tokio::test]
    async fn the_proxy_replays_recorded_reads_and_acknowledges_writes_once_one_succeeded() {
        // An upstream that numbers its answers, so a replay is told from a fresh answer.
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        let upstream = Router::new().fallback(move || {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                format!("{{\"answer\":{n}}}")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream_addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, upstream).await;
        });
        let proxy = StoreProxy::start(&format!("http://{upstream_addr}"))
            .await
            .unwrap();
        let client = reqwest::Client::new();
        let call = |target: &'static str, body: &'static str| {
            let client = client.clone();
            let url = format!("http://{}/", proxy.addr);
            async move {
                client
                    .post(url)
                    .header("x-amz-target", format!("DynamoDB_20120810.{target}"))
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(call("GetItem", "{\"k\":1}").await, "{\"answer\":0}");
        assert_eq!(call("GetItem", "{\"k\":1}").await, "{\"answer\":0}");
        assert_eq!(call("GetItem", "{\"k\":2}").await, "{\"answer\":1}");
        assert_eq!(call("PutItem", "{\"k\":1}").await, "{\"answer\":2}");
        // Any later PutItem, whatever its body, gets the recorded acknowledgement.
        assert_eq!(call("PutItem", "{\"k\":7}").await, "{\"answer\":2}");
        // Another write operation is forwarded until one of its own has succeeded.
        assert_eq!(call("UpdateItem", "{\"k\":1}").await, "{\"answer\":3}");
        assert_eq!(call("UpdateItem", "{\"k\":2}").await, "{\"answer\":3}");
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 4);
        let calls = proxy.take();
        let replayed: Vec<(&str, bool)> = calls
            .iter()
            .map(|c| (c.operation.as_str(), c.replayed))
            .collect();
        assert_eq!(
            replayed,
            [
                ("GetItem", false),
                ("GetItem", true),
                ("GetItem", false),
                ("PutItem", false),
                ("PutItem", true),
                ("UpdateItem", false),
                ("UpdateItem", true)
            ]
        );
        server.abort();
    }

    #[tokio::test]
    async fn the_emulator_hands_out_events_and_times_the_answers() {
        let mut emulator = Emulator::start().await.unwrap();
        let base = format!("http://{}/2018-06-01/runtime", emulator.addr);
        // A function in miniature: poll, then post back what it got.
        let function = tokio::spawn(async move {
            let client = reqwest::Client::new();
            for _ in 0..2 {
                let event = client
                    .get(format!("{base}/invocation/next"))
                    .send()
                    .await
                    .unwrap();
                let id = event.headers()["lambda-runtime-aws-request-id"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                assert!(event.headers().contains_key("lambda-runtime-deadline-ms"));
                let body = event.bytes().await.unwrap();
                client
                    .post(format!("{base}/invocation/{id}/response"))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
            }
        });
        emulator.polled().await.unwrap();
        for i in 0..2 {
            let (took, body) = emulator
                .invoke(format!("id-{i}"), Bytes::from(format!("event {i}")))
                .await
                .unwrap();
            assert_eq!(body, format!("event {i}"));
            assert!(took < PATIENCE);
        }
        function.await.unwrap();
    }
}
