//! The HTTP transport: accept loop, one hyper HTTP/1.1 connection per task, fault
//! injection in front of the protocols, and "commit then drop the connection".

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;

use crate::config::{Faults, SimConfig, SimStats};
use crate::db::Db;
use crate::faults::{FaultState, Gate};
use crate::protocol::{Body, html_response, json2, jsonrpc, not_found};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by every connection of one server.
pub struct Shared {
    config: SimConfig,
    db: Db,
    api_key: Mutex<String>,
    faults: Mutex<FaultState>,
    stats: Mutex<SimStats>,
}

impl Shared {
    /// The configuration the server was started with (faults as set now).
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Whether `key` is the current API key.
    pub fn key_matches(&self, key: &str) -> bool {
        *lock(&self.api_key) == key
    }
}

/// A running simulated Odoo server; it stops when dropped or shut down.
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// Binds 127.0.0.1 on a free port and serves until dropped or shut down.
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Binds the given address and serves until dropped or shut down.
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimHandle> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            db: Db::new(config.clone()),
            api_key: Mutex::new(config.api_key.clone()),
            faults: Mutex::new(FaultState::new(config.faults.clone())),
            stats: Mutex::new(SimStats::default()),
            config,
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, shared.clone(), stopped));
        Ok(SimHandle {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configuration, with the API key and faults as they are now.
    pub fn config(&self) -> SimConfig {
        let mut cfg = self.shared.config.clone();
        cfg.api_key = lock(&self.shared.api_key).clone();
        cfg.faults = lock(&self.shared.faults).faults().clone();
        cfg
    }

    /// New fault settings (and a reseeded RNG), from the next request on.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.faults).set(faults);
    }

    /// Replaces the API key: the old one is rejected from now on.
    pub fn rotate_api_key(&self, new_key: &str) {
        *lock(&self.shared.api_key) = new_key.to_owned();
    }

    /// Counters so far.
    pub fn stats(&self) -> SimStats {
        lock(&self.shared.stats).clone()
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    // Dropping the set when the loop ends aborts every open connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                connections.spawn(serve_connection(stream, shared.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let kill = Arc::new(Notify::new());
    let svc_kill = kill.clone();
    let svc = service_fn(move |req| {
        let (shared, kill) = (shared.clone(), svc_kill.clone());
        async move { Ok::<_, Infallible>(handle(shared, kill, req).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    // A kill drops the connection future, which closes the socket with nothing written.
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
    }
}

fn bump(shared: &Shared, f: impl FnOnce(&mut SimStats)) {
    f(&mut lock(&shared.stats));
}

async fn handle(shared: Arc<Shared>, kill: Arc<Notify>, req: Request<Incoming>) -> Response<Body> {
    bump(&shared, |s| s.requests += 1);
    let (gate, latency) = {
        let mut faults = lock(&shared.faults);
        (faults.decide(), faults.faults().latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let drop_after_commit = match gate {
        Gate::Unavailable => {
            bump(&shared, |s| s.injected_503 += 1);
            return html_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "The server is temporarily unable to service your request.",
            );
        }
        Gate::TooMany => {
            bump(&shared, |s| s.injected_429 += 1);
            let mut resp = html_response(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "This user has exceeded an allotted request count. Try again later.",
            );
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return resp;
        }
        Gate::Serve {
            drop_after_commit,
            hang,
        } => {
            if let Some(hang) = hang {
                bump(&shared, |s| s.injected_timeouts += 1);
                tokio::time::sleep(hang).await;
            }
            drop_after_commit
        }
    };
    let (resp, wrote) = route(&shared, req).await;
    if wrote {
        bump(&shared, |s| s.writes_committed += 1);
        if drop_after_commit {
            bump(&shared, |s| s.dropped_after_commit += 1);
            kill.notify_one();
            std::future::pending::<()>().await;
        }
    }
    resp
}

async fn route(shared: &Shared, req: Request<Incoming>) -> (Response<Body>, bool) {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return (not_found(), false),
    };
    if parts.method != Method::POST {
        return (not_found(), false);
    }
    if path == "/jsonrpc" {
        let (value, wrote) = jsonrpc::handle(shared, &body);
        return (crate::protocol::json_response(200, &value), wrote);
    }
    let Some(rest) = path.strip_prefix("/json/2/") else {
        return (not_found(), false);
    };
    let Some((model, method)) = rest
        .split_once('/')
        .filter(|(m, f)| !m.is_empty() && !f.is_empty() && !f.contains('/'))
    else {
        return (not_found(), false);
    };
    if shared.config.major_version() < 19 {
        return (not_found(), false);
    }
    json2::handle(shared, &parts.headers, model, method, &body)
}
