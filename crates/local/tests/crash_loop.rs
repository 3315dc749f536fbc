//! A function whose process exits before it ever asks for an event is given up on after
//! `CRASH_LOOP_EXITS` exits in a row, with its name and last stderr lines, and its
//! invocations fail at once instead of waiting for a process that never comes.
//!
//! The "function" is a shell script standing in for a binary with a bad configuration:
//! it prints what a Rust `main` returning `Err` prints, and exits 1.

use spine_local::process::CRASH_LOOP_EXITS;
use spine_local::runtime_api::{FunctionHost, FunctionLaunch, InvokeError};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

fn broken_binary() -> PathBuf {
    let path = std::env::temp_dir().join(format!("spine-local-broken-{}.sh", uuid::Uuid::new_v4()));
    let script = "#!/bin/sh\n\
        echo '{\"level\":\"INFO\",\"message\":\"starting\"}'\n\
        echo 'Error: webhook configuration' >&2\n\
        echo \"Caused by: environment variable $MISSING_NAME is not set\" >&2\n\
        exit 1\n";
    std::fs::write(&path, script).expect("script written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("executable");
    path
}

#[tokio::test]
async fn a_function_crashing_at_start_is_given_up_with_its_last_stderr_lines() {
    let binary = broken_binary();
    let launch = FunctionLaunch {
        name: "BrokenFunction".to_owned(),
        binary: binary.clone(),
        environment: BTreeMap::from([("MISSING_NAME".to_owned(), "LEDGER_TABLE".to_owned())]),
        timeout: Duration::from_secs(30),
        memory_mb: 128,
        processes: 1,
    };
    let function = FunctionHost::start(launch).await.expect("runtime API listens");

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
