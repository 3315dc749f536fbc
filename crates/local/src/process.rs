//! The processes behind a local function: each is spawned with the Lambda environment,
//! its output relayed line by line under a label, and started again when it exits, as
//! Lambda replaces a sandbox.
//!
//! One exception: a process that keeps exiting before it ever asks for an event (a
//! missing variable, a bad configuration) would otherwise be respawned forever while
//! every invocation waits for its timeout. After [`CRASH_LOOP_EXITS`] such exits in a
//! row the supervisor gives up, logs the function's name and its last output lines,
//! and records a [`CrashLoop`] that the host reports.

use crate::runtime_api::{FunctionLaunch, InvokeError, Slot, lock};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Consecutive exits before the first request for an event that make a crash loop.
pub const CRASH_LOOP_EXITS: u32 = 3;
/// How many of the last output lines of a process are kept for the crash-loop report.
const TAIL_LINES: usize = 20;

/// A function whose process exits at start, again and again: it is not started again.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "function {function} exited {exits} times in a row before asking for its first event \
     (last exit: {last_status}); it is not started again. Its last output:\n{}",
    .last_output.join("\n")
)]
pub struct CrashLoop {
    /// The function's name (template logical id) and process index, e.g. `WebhookFunction#0`.
    pub function: String,
    pub exits: u32,
    pub last_status: String,
    /// The last stderr lines of the last process (its stdout when stderr was empty).
    pub last_output: Vec<String>,
}

/// The last lines a process wrote, per stream.
#[derive(Default)]
struct Tail {
    stderr: VecDeque<String>,
    stdout: VecDeque<String>,
    /// Past a Rust backtrace's header: its frames would push the error itself out.
    in_backtrace: bool,
}

impl Tail {
    fn push(&mut self, stderr: bool, line: String) {
        if stderr && line.trim().eq_ignore_ascii_case("stack backtrace:") {
            self.in_backtrace = true;
        }
        if stderr && self.in_backtrace {
            return;
        }
        let lines = if stderr {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// Stderr is where a Rust `main` returning `Err` writes; JSON logs go to stdout.
    fn last_lines(&self) -> Vec<String> {
        let lines = if self.stderr.is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        lines.iter().cloned().collect()
    }
}

/// One spawned process and the tasks relaying its output.
struct Running {
    child: Child,
    relays: Vec<JoinHandle<()>>,
    tail: Arc<std::sync::Mutex<Tail>>,
}

impl Running {
    /// The process's last lines, once its output is read to the end (bounded: a child
    /// of the process could keep the pipe open).
    async fn last_lines(self) -> Vec<String> {
        for relay in self.relays {
            let _ = tokio::time::timeout(Duration::from_secs(1), relay).await;
        }
        lock(&self.tail).last_lines()
    }
}

/// Runs one process slot of a function until `stop`, restarting the process whenever it
/// exits, unless it crash-loops at start (then the slot records it and ends).
pub(crate) async fn supervise(
    launch: FunctionLaunch,
    index: usize,
    address: SocketAddr,
    slot: Arc<Slot>,
    mut stop: watch::Receiver<bool>,
) {
    let label = format!("{}#{index}", launch.name);
    let mut early_exits = 0u32;
    let mut quick_exits = 0u32;
    while !*stop.borrow() {
        // Set before the spawn: the process may ask for an event before spawn returns.
        *lock(&slot.spawned_at) = Some(Instant::now());
        let started = Instant::now();
        let mut running = match spawn(&launch, address, &label) {
            Ok(running) => running,
            Err(e) => {
                tracing::error!(function = %label, "cannot start {}: {e}", launch.binary.display());
                record(&slot, &label, 1, format!("cannot start: {e}"), Vec::new());
                return;
            }
        };
        slot.pid.store(running.child.id().unwrap_or(0), Ordering::SeqCst);
        let status = tokio::select! {
            status = running.child.wait() => status.ok(),
            _ = stop.changed() => { let _ = running.child.kill().await; None }
        };
        slot.pid.store(0, Ordering::SeqCst);
        if let Some((_, reply)) = slot.current.lock().await.take() {
            let _ = reply.send(Err(InvokeError::Crashed));
        }
        if *stop.borrow() {
            return;
        }
        let last_lines = running.last_lines().await;
        // `next` takes the spawn time: still there means the process never asked.
        let never_asked = lock(&slot.spawned_at).take().is_some();
        early_exits = if never_asked { early_exits + 1 } else { 0 };
        let status = status.map_or_else(|| "unknown".to_owned(), |s| s.to_string());
        if early_exits >= CRASH_LOOP_EXITS {
            record(&slot, &label, early_exits, status, last_lines);
            return;
        }
        tracing::warn!(function = %label, %status, "process exited; starting it again");
        // A process that dies soon after start is not restarted in a hot loop.
        quick_exits = if started.elapsed() < Duration::from_secs(2) {
            quick_exits + 1
        } else {
            0
        };
        tokio::time::sleep(Duration::from_millis(100 * u64::from(quick_exits.min(50)))).await;
    }
}

fn record(slot: &Slot, label: &str, exits: u32, last_status: String, last_output: Vec<String>) {
    let crash = CrashLoop {
        function: label.to_owned(),
        exits,
        last_status,
        last_output,
    };
    tracing::error!(function = %label, "{crash}");
    *lock(&slot.crash_loop) = Some(crash);
}

fn spawn(launch: &FunctionLaunch, address: SocketAddr, label: &str) -> std::io::Result<Running> {
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
    let tail = Arc::new(std::sync::Mutex::new(Tail::default()));
    let mut relays = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        relays.push(relay(stdout, false, label, tail.clone()));
    }
    if let Some(stderr) = child.stderr.take() {
        relays.push(relay(stderr, true, label, tail.clone()));
    }
    Ok(Running { child, relays, tail })
}

fn relay(
    stream: impl AsyncRead + Send + Unpin + 'static,
    stderr: bool,
    label: &str,
    tail: Arc<std::sync::Mutex<Tail>>,
) -> JoinHandle<()> {
    let label = label.to_owned();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("[{label}] {line}");
            lock(&tail).push(stderr, line);
        }
    })
}

/// Kills a process with SIGKILL, as Lambda ends a sandbox: no chance to clean up.
pub(crate) fn kill(pid: u32) {
    if pid != 0 {
        // Quiet: the process may have exited since (kill then says "No such process").
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .stderr(Stdio::null())
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_lines_and_prefers_stderr() {
        let mut tail = Tail::default();
        for n in 0..TAIL_LINES + 5 {
            tail.push(false, format!("out {n}"));
        }
        let lines = tail.last_lines();
        assert_eq!(lines.len(), TAIL_LINES);
        assert_eq!(lines[0], "out 5");
        tail.push(true, "Error: LEDGER_TABLE is not set".to_owned());
        assert_eq!(tail.last_lines(), ["Error: LEDGER_TABLE is not set"]);
        for frame in [
            "Stack backtrace:",
            "   0: anyhow::context",
            "      at src/main.rs:21",
        ] {
            tail.push(true, frame.to_owned());
        }
        assert_eq!(
            tail.last_lines(),
            ["Error: LEDGER_TABLE is not set"],
            "backtrace frames are not kept"
        );
    }
}
