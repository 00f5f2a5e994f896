//! A fault-injecting HTTP proxy on loopback, between the SDK adapters and moto, for the chaos
//! suite (tests/tests/it/chaos.rs). Each connection carries one request (no keep-alive), and
//! each request takes the next fault of the current plan: pass through, added latency, a 500,
//! a DynamoDB throttling answer, a connection reset before anything is forwarded, a stalled
//! socket, or a request forwarded whose response is then lost (the write happened, the caller
//! never hears of it).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward it and return the answer.
    Pass,
    /// Wait this long, then forward it.
    Latency(Duration),
    /// Answer 500 `InternalServerError` without forwarding.
    ServerError,
    /// Answer 400 `ProvisionedThroughputExceededException` (DynamoDB's throttling shape:
    /// `x-amzn-ErrorType` header and JSON `__type`) without forwarding.
    Throttle,
    /// Read the request, then reset the connection (RST) without forwarding.
    Reset,
    /// Read the request and never answer (the socket stays open).
    Stall,
    /// Forward it, then close the connection instead of returning the answer.
    LoseResponse,
}

struct State {
    plan: Mutex<Vec<Fault>>,
    next: AtomicUsize,
    seen: AtomicUsize,
    forwarded: AtomicUsize,
    lost: AtomicUsize,
    upstream: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl State {
    fn take(&self) -> Fault {
        let plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        self.seen.fetch_add(1, Ordering::SeqCst);
        plan.get(n % plan.len().max(1))
            .copied()
            .unwrap_or(Fault::Pass)
    }
}

/// A running proxy; it stops when dropped.
pub struct ChaosProxy {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ChaosProxy {
    /// Starts a proxy on an ephemeral loopback port in front of `upstream` (`http://host:port`),
    /// passing everything through until told otherwise.
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the chaos proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(State {
            plan: Mutex::new(vec![Fault::Pass]),
            next: AtomicUsize::new(0),
            seen: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(stream, shared.clone()));
            }
        });
        Self { addr, state, task }
    }

    /// The URL to point SDK clients at.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to every request from now on.
    pub fn set(&self, fault: Fault) {
        self.cycle(vec![fault]);
    }

    /// Applies `faults` in turn, request by request, round and round, from now on.
    pub fn cycle(&self, faults: Vec<Fault>) {
        let mut plan = self.state.plan.lock().unwrap_or_else(|e| e.into_inner());
        *plan = faults;
        self.state.next.store(0, Ordering::SeqCst);
    }

    /// Requests that reached the proxy so far.
    pub fn seen(&self) -> usize {
        self.state.seen.load(Ordering::SeqCst)
    }

    /// Responses the proxy dropped after the upstream answered (`Fault::LoseResponse`).
    pub fn lost(&self) -> usize {
        self.state.lost.load(Ordering::SeqCst)
    }

    /// Requests the proxy forwarded to the upstream so far.
    pub fn forwarded(&self) -> usize {
        self.state.forwarded.load(Ordering::SeqCst)
    }
}

async fn connection(mut stream: TcpStream, state: Arc<State>) {
    let fault = state.take();
    match fault {
        Fault::Reset => {
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await;
            // SO_LINGER 0: closing sends RST instead of FIN.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Fault::Stall => {
            let mut buf = [0u8; 4096];
            // Keep reading (so the client's writes succeed) and never answer; the client's
            // timeout ends it, or the proxy's runtime does.
            let idle = async {
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(30), idle).await;
        }
        _ => {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { answer(req, fault, &state).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    }
}

/// The error that makes hyper drop the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("chaos: response dropped")]
struct Dropped;

fn canned(status: StatusCode, error_type: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{error_type}"),
        "message": "injected by the chaos proxy",
    });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    if let Ok(value) = hyper::header::HeaderValue::from_str(error_type) {
        headers.insert("x-amzn-errortype", value);
    }
    response
}

async fn answer(
    req: Request<Incoming>,
    fault: Fault,
    state: &State,
) -> Result<Response<Full<Bytes>>, Dropped> {
    match fault {
        Fault::ServerError => {
            return Ok(canned(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
            ));
        }
        Fault::Throttle => {
            return Ok(canned(
                StatusCode::BAD_REQUEST,
                "ProvisionedThroughputExceededException",
            ));
        }
        Fault::Latency(delay) => tokio::time::sleep(delay).await,
        _ => {}
    }
    let response = forward(req, state).await?;
    if fault == Fault::LoseResponse {
        state.lost.fetch_add(1, Ordering::SeqCst);
        return Err(Dropped);
    }
    Ok(response)
}

async fn forward(req: Request<Incoming>, state: &State) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = Request::builder()
        .method(parts.method)
        .uri(format!("{}{path}", state.upstream));
    for (name, value) in &parts.headers {
        upstream = upstream.header(name, value);
    }
    let upstream = upstream.body(Full::new(body)).map_err(|_| Dropped)?;
    state.forwarded.fetch_add(1, Ordering::SeqCst);
    let response = state.client.request(upstream).await.map_err(|_| Dropped)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}
