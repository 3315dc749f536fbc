//! A local Lambda: the function's real binary, run as one or more processes, each
//! talking to its own instance of the Lambda Runtime API served here.
//!
//! Invocations wait in one queue per function; whichever process asks for the next event
//! gets it. A process that exits (crash, kill) fails its in-flight invocation and is
//! started again ([`crate::process`]), as Lambda replaces a sandbox; an invocation that
//! outlives the function's timeout kills its process, as Lambda does.

use crate::process::{CrashLoop, kill, supervise};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Why an invocation produced no response.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum InvokeError {
    #[error("the function failed: {error_type}: {message}")]
    Function { error_type: String, message: String },
    #[error("the function timed out after {0:?}")]
    Timeout(Duration),
    #[error("the function's process exited during the invocation")]
    Crashed,
    #[error("the function is not running")]
    Unavailable,
    /// Every process of the function crash-looped at start (see [`crate::process`]).
    #[error("the function does not start: {0}")]
    NotStarted(Box<CrashLoop>),
}

type Reply = oneshot::Sender<Result<serde_json::Value, InvokeError>>;

struct Invocation {
    event: serde_json::Value,
    reply: Reply,
}

/// How to start one function.
#[derive(Debug, Clone)]
pub struct FunctionLaunch {
    /// The name logs and the runtime know it by.
    pub name: String,
    pub binary: PathBuf,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u32,
    /// How many processes (the function's concurrency).
    pub processes: usize,
}

/// A running local function.
pub struct FunctionHost {
    name: String,
    timeout: Duration,
    queue: mpsc::Sender<Invocation>,
    slots: Vec<Arc<Slot>>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// One process and the runtime API it talks to.
pub(crate) struct Slot {
    queue: Arc<Mutex<mpsc::Receiver<Invocation>>>,
    pub(crate) current: Mutex<Option<(String, Reply)>>,
    pub(crate) pid: AtomicU32,
    timeout: Duration,
    /// When the current process was spawned, until it first asks for an event; how long
    /// that took is its cold-start initialisation.
    pub(crate) spawned_at: std::sync::Mutex<Option<std::time::Instant>>,
    init: std::sync::Mutex<Vec<Duration>>,
    /// Set when the slot gave up restarting a process that crashes at start.
    pub(crate) crash_loop: std::sync::Mutex<Option<CrashLoop>>,
}

impl FunctionHost {
    /// Starts the function's processes; each is restarted whenever it exits until
    /// [`FunctionHost::stop`].
    pub async fn start(launch: FunctionLaunch) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Invocation>(1024);
        let shared = Arc::new(Mutex::new(rx));
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let mut slots = Vec::new();
        for index in 0..launch.processes.max(1) {
            let slot = Arc::new(Slot {
                queue: shared.clone(),
                current: Mutex::new(None),
                pid: AtomicU32::new(0),
                timeout: launch.timeout,
                spawned_at: std::sync::Mutex::new(None),
                init: std::sync::Mutex::new(Vec::new()),
                crash_loop: std::sync::Mutex::new(None),
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let address = listener.local_addr()?;
            let app = runtime_api(slot.clone());
            let mut stop = shutdown.subscribe();
            tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
            });
            tokio::spawn(supervise(
                launch.clone(),
                index,
                address,
                slot.clone(),
                shutdown.subscribe(),
            ));
            slots.push(slot);
        }
        Ok(Self {
            name: launch.name,
            timeout: launch.timeout,
            queue: tx,
            slots,
            shutdown,
        })
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Invokes the function with an event and waits for its response (or its timeout).
    /// Fails at once with [`InvokeError::NotStarted`] when no process of the function
    /// is left (each crash-looped at start).
    pub async fn invoke(&self, event: serde_json::Value) -> Result<serde_json::Value, InvokeError> {
        if let Some(crash) = self.all_crash_looped() {
            return Err(InvokeError::NotStarted(Box::new(crash)));
        }
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Invocation { event, reply })
            .await
            .map_err(|_| InvokeError::Unavailable)?;
        // Queueing time counts too: a local host this busy is as good as timed out.
        let grace = Duration::from_secs(2);
        match tokio::time::timeout(self.timeout + grace, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(InvokeError::Crashed),
            Err(_) => {
                self.kill_busy().await;
                Err(InvokeError::Timeout(self.timeout))
            }
        }
    }

    /// The first crash loop of any of the function's processes, if one gave up.
    pub fn crash_loop(&self) -> Option<CrashLoop> {
        self.slots.iter().find_map(|slot| lock(&slot.crash_loop).clone())
    }

    fn all_crash_looped(&self) -> Option<CrashLoop> {
        let given_up = self.slots.iter().all(|slot| lock(&slot.crash_loop).is_some());
        given_up.then(|| self.crash_loop()).flatten()
    }

    /// Waits until every process of the function has asked for its first event
    /// (`Ok(true)`), or `within` passed (`Ok(false)`: slow, not broken). A process that
    /// crash-loops at start ends the wait with its [`CrashLoop`].
    pub async fn ready(&self, within: Duration) -> Result<bool, CrashLoop> {
        let started = std::time::Instant::now();
        loop {
            if let Some(crash) = self.crash_loop() {
                return Err(crash);
            }
            if self.slots.iter().all(|slot| !lock(&slot.init).is_empty()) {
                return Ok(true);
            }
            if started.elapsed() >= within {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills every process that is in the middle of an invocation (fault injection,
    /// and what a timeout does). They are started again.
    pub async fn kill_busy(&self) -> usize {
        let mut killed = 0;
        for slot in &self.slots {
            if slot.current.lock().await.is_some() {
                kill(slot.pid.load(Ordering::SeqCst));
                killed += 1;
            }
        }
        killed
    }

    /// Cold-start initialisation times so far: process start to its first request for
    /// an event, one entry per process start.
    pub fn init_times(&self) -> Vec<Duration> {
        self.slots
            .iter()
            .flat_map(|slot| lock(&slot.init).clone())
            .collect()
    }

    /// Kills the function's first process while nothing else starts and waits for its
    /// replacement to ask for an event: a cold start on an otherwise idle machine, not
    /// one of many processes starting at once. `None` if it is not back `within`.
    pub async fn cold_start_alone(&self, within: Duration) -> Option<Duration> {
        let slot = self.slots.first()?;
        let before = lock(&slot.init).len();
        kill(slot.pid.load(Ordering::SeqCst));
        let started = std::time::Instant::now();
        while started.elapsed() < within {
            if let Some(init) = lock(&slot.init).get(before) {
                return Some(*init);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// The largest peak resident memory (VmHWM, KiB) of the function's live processes.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        self.slots
            .iter()
            .filter_map(|slot| {
                let pid = slot.pid.load(Ordering::SeqCst);
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
                let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .max()
    }

    /// Stops every process of the function.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
        for slot in &self.slots {
            kill(slot.pid.load(Ordering::SeqCst));
        }
    }
}

impl Drop for FunctionHost {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Locks a std mutex, taking the value even if a panicking thread poisoned it (these
/// hold plain data that a panic cannot leave half-written).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn runtime_api(slot: Arc<Slot>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(slot)
}

async fn next(State(slot): State<Arc<Slot>>) -> Response {
    if let Some(spawned) = lock(&slot.spawned_at).take() {
        lock(&slot.init).push(spawned.elapsed());
    }
    let invocation = { slot.queue.lock().await.recv().await };
    let Some(invocation) = invocation else {
        return StatusCode::GONE.into_response();
    };
    let id = uuid::Uuid::new_v4().to_string();
    let timeout_ms = i64::try_from(slot.timeout.as_millis()).unwrap_or(i64::MAX);
    let deadline = chrono::Utc::now().timestamp_millis().saturating_add(timeout_ms);
    let body = invocation.event.to_string();
    // A stale reply left by a process that died is dropped here: its caller sees Crashed.
    *slot.current.lock().await = Some((id.clone(), invocation.reply));
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:local".to_owned(),
    );
    set(
        "lambda-runtime-trace-id",
        format!("Root=1-{:x}-local", chrono::Utc::now().timestamp()),
    );
    set("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, body).into_response()
}

async fn finish(slot: &Slot, id: &str, result: Result<serde_json::Value, InvokeError>) -> StatusCode {
    let mut current = slot.current.lock().await;
    match current.take() {
        Some((current_id, reply)) if current_id == id => {
            let _ = reply.send(result);
            StatusCode::ACCEPTED
        }
        other => {
            *current = other;
            StatusCode::BAD_REQUEST
        }
    }
}

async fn response(State(slot): State<Arc<Slot>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into_owned()));
    finish(&slot, &id, Ok(value)).await
}

async fn error(State(slot): State<Arc<Slot>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let field = |name: &str| {
        value
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let failure = InvokeError::Function {
        error_type: field("errorType"),
        message: field("errorMessage"),
    };
    finish(&slot, &id, Err(failure)).await
}

async fn init_error(body: Bytes) -> StatusCode {
    tracing::error!("a function failed to start: {}", String::from_utf8_lossy(&body));
    StatusCode::ACCEPTED
}
