//! A function whose process exits before it ever asks for an event is given up on after
//! `CRASH_LOOP_EXITS` exits in a row, with its name and last stderr lines, and its
//! invocations fail at once instead of waiting for a process that never comes.
//!
//! The "function" is a shell script standing in for a binary with a bad configuration:
//! it prints what a Rust `main` returning `Err` prints, and exits 1. Its contrast, a
//! script that asks the runtime API for an event and waits, is killed more often than
//! that and is restarted every time (what a cold-start measurement does).

use spine_local::process::CRASH_LOOP_EXITS;
use spine_local::runtime_api::{FunctionHost, FunctionLaunch, InvokeError};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

fn script(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("spine-local-{name}-{}.sh", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).expect("script written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("executable");
    path
}

fn broken_binary() -> PathBuf {
    script(
        "broken",
        "#!/bin/sh\n\
         echo '{\"level\":\"INFO\",\"message\":\"starting\"}'\n\
         echo 'Error: webhook configuration' >&2\n\
         echo \"Caused by: environment variable $MISSING_NAME is not set\" >&2\n\
         exit 1\n",
    )
}

/// A function that starts fine: it asks the runtime API for its next event and waits.
fn waiting_binary() -> PathBuf {
    script(
        "waiting",
        "#!/bin/bash\n\
         exec 3<>/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API#*:}\n\
         printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: local\\r\\n\\r\\n' >&3\n\
         cat <&3\n",
    )
}

fn launch(name: &str, binary: PathBuf, processes: usize) -> FunctionLaunch {
    FunctionLaunch {
        name: name.to_owned(),
        binary,
        environment: BTreeMap::from([("MISSING_NAME".to_owned(), "LEDGER_TABLE".to_owned())]),
        timeout: Duration::from_secs(30),
        memory_mb: 128,
        processes,
    }
}

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
