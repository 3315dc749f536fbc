//! A function whose process exits before it ever asks for an event is given up on after
//! `CRASH_LOOP_EXITS` exits in a row, with its name and last stderr lines, and its
//! invocations fail at once instead of waiting for a process that never comes.
//!
//! The "function" is a shell script standing in for a binary with a bad configuration:
//! it prints what a Rust `main` returning `Err` prints, and exits 1. Its contrast, a
//! script that asks the runtime API for an event and waits, is killed more often than
//! that and is restarted every time (what a cold-start measurement does).

mod common;

use common::{broken_binary, launch, waiting_binary};
use spine_local::process::CRASH_LOOP_EXITS;
use spine_local::runtime_api::{FunctionHost, InvokeError};
use std::time::Duration;

#[tokio::test]
async fn a_function_crashing_at_start_is_given_up_with_its_last_stderr_lines() {
    let binary = broken_binary();
    let function = FunctionHost::start(launch("BrokenFunction", binary.clone(), 1))
        .await
        .expect("runtime API listens");

    let crash = function
        .ready(Duration::from_secs(60))
        .await
        .expect_err("a crash loop, not a ready function");

    assert!(crash.function.starts_with("BrokenFunction#"), "{crash:?}");
    assert_eq!(crash.exits, CRASH_LOOP_EXITS);
    assert_eq!(crash.last_status, "exit status: 1");
    assert_eq!(
        crash.last_output,
        [
            "Error: webhook configuration",
            "Caused by: environment variable LEDGER_TABLE is not set"
        ],
        "stderr, not the stdout log line"
    );
    let message = crash.to_string();
    assert!(message.contains("BrokenFunction#") && message.contains("LEDGER_TABLE is not set"));
    assert!(
        function.init_times().is_empty(),
        "no process ever asked for an event"
    );

    // Its only process has given up: an invocation fails at once, saying why.
    let answer = function.invoke(serde_json::json!({})).await;
    let Err(InvokeError::NotStarted(crash)) = answer else {
        panic!("NotStarted expected, got {answer:?}");
    };
    assert!(crash.last_output.iter().any(|l| l.contains("LEDGER_TABLE")));
    function.stop();
    let _ = std::fs::remove_file(binary);
}

#[tokio::test]
async fn a_process_that_asked_for_an_event_is_restarted_and_its_cold_start_measured() {
    let binary = waiting_binary();
    let function = FunctionHost::start(launch("WaitingFunction", binary.clone(), 2))
        .await
        .expect("runtime API listens");

    let ready = function.ready(Duration::from_secs(60)).await;
    assert_eq!(ready, Ok(true), "both processes asked for an event");
    assert_eq!(function.init_times().len(), 2);

    // Killed after it asked, CRASH_LOOP_EXITS + 1 times: replaced every time, never given up.
    for round in 1..=CRASH_LOOP_EXITS + 1 {
        let alone = function.cold_start_alone(Duration::from_secs(60)).await;
        assert!(
            alone.is_some(),
            "round {round}: the replacement asked for an event"
        );
    }
    assert_eq!(function.init_times().len(), 2 + CRASH_LOOP_EXITS as usize + 1);
    assert_eq!(function.crash_loop(), None);
    function.stop();
    let _ = std::fs::remove_file(binary);
}
