//! A local Lambda: the function's real binary, run as one or more processes, each
//! talking to its own instance of the Lambda Runtime API served here.
//!
//! Invocations wait in one queue per function; whichever process asks for the next event
//! gets it. A process that exits (crash, kill) fails its in-flight invocation and is
//! started again, as Lambda replaces a sandbox; an invocation that outlives the
//! function's timeout kills its process, as Lambda does.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
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
struct Slot {
    queue: Arc<Mutex<mpsc::Receiver<Invocation>>>,
    current: Mutex<Option<(String, Reply)>>,
    pid: AtomicU32,
    timeout: Duration,
    /// When the current process was spawned, and how long it took to first ask for an
    /// event (its cold-start initialisation).
    spawned_at: std::sync::Mutex<Option<std::time::Instant>>,
    init: std::sync::Mutex<Vec<Duration>>,
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
    pub async fn invoke(&self, event: serde_json::Value) -> Result<serde_json::Value, InvokeError> {
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

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn kill(pid: u32) {
    if pid != 0 {
        // SIGKILL, as Lambda ends a sandbox: no chance to clean up.
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .status();
    }
}

async fn supervise(
    launch: FunctionLaunch,
    index: usize,
    address: std::net::SocketAddr,
    slot: Arc<Slot>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let label = format!("{}#{index}", launch.name);
    let mut failures = 0u32;
    while !*stop.borrow() {
        let mut child = match spawn(&launch, address, &label) {
            Ok(child) => child,
            Err(e) => {
                tracing::error!(function = %label, "cannot start {}: {e}", launch.binary.display());
                return;
            }
        };
        slot.pid.store(child.id().unwrap_or(0), Ordering::SeqCst);
        *lock(&slot.spawned_at) = Some(std::time::Instant::now());
        let started = std::time::Instant::now();
        let status = tokio::select! {
            status = child.wait() => status.ok(),
            _ = stop.changed() => { let _ = child.kill().await; None }
        };
        slot.pid.store(0, Ordering::SeqCst);
        if let Some((_, reply)) = slot.current.lock().await.take() {
            let _ = reply.send(Err(InvokeError::Crashed));
        }
        if *stop.borrow() {
            return;
        }
        tracing::warn!(function = %label, ?status, "process exited; starting it again");
        // A process that dies at once (bad configuration) is not restarted in a hot loop.
        failures = if started.elapsed() < Duration::from_secs(2) {
            failures + 1
        } else {
            0
        };
        tokio::time::sleep(Duration::from_millis(100 * u64::from(failures.min(50)))).await;
    }
}

fn spawn(launch: &FunctionLaunch, address: std::net::SocketAddr, label: &str) -> std::io::Result<Child> {
    let mut command = Command::new(&launch.binary);
    command
        .envs(&launch.environment)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &launch.name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", launch.memory_mb.to_string())
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", launch.name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", label)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
    ]
    .into_iter()
    .flatten()
    {
        let label = label.to_owned();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{label}] {line}");
            }
        });
    }
    Ok(child)
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
