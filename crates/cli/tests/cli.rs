//! The spinectl binary tried as a new user would: help, and one clear line with the
//! documented exit code for each common mistake.

mod common;

use std::process::Output;

use common::*;

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn help_lists_the_commands_with_examples_and_exit_codes() {
    let world = world().await;
    let top = world.spinectl().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&top.stdout);
    assert_eq!(top.status.code(), Some(0));
    for needle in [
        "dlq",
        "Examples:",
        "spinectl dlq redrive --flow order",
        "Exit codes:",
        "ORDER_DLQ_URL",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let dlq = world.spinectl().args(["dlq", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&dlq.stdout);
    for command in ["list", "show", "redrive", "discard"] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
    let redrive = world
        .spinectl()
        .args(["dlq", "redrive", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&redrive.stdout);
    for flag in ["--dry-run", "--reason", "--event", "--max", "--bulk", "--note"] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[tokio::test]
async fn an_unknown_flow_is_one_line_and_exit_2() {
    let world = world().await;
    let out = world
        .spinectl()
        .args(["dlq", "list", "--flow", "orders"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("unknown flow \"orders\""), "{lines:?}");
    // A known flow that this environment does not configure names its variables.
    let out = world
        .spinectl()
        .args(["dlq", "list", "--flow", "refund"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_lines(&out),
        ["spinectl: flow refund is not configured: set REFUND_QUEUE_URL and REFUND_DLQ_URL"]
    );
}

#[tokio::test]
async fn no_credentials_is_one_line_and_exit_3() {
    let world = world().await;
    let out = world
        .spinectl()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .args(["dlq", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("spinectl: no AWS credentials found"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_one_line_and_exit_3() {
    let world = world().await;
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = world
        .spinectl()
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .args(["dlq", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{:?}", stderr_lines(&out));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("spinectl: AWS is unreachable"), "{lines:?}");
}

#[tokio::test]
async fn an_empty_dlq_is_one_line_and_exit_0() {
    let world = world().await;
    let out = world
        .spinectl()
        .args(["dlq", "redrive", "--flow", "order"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr_lines(&out),
        ["spinectl: nothing to redrive: the DLQ is empty"]
    );
    let out = world.spinectl().args(["--json", "dlq", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    assert_eq!(stderr_lines(&out).len(), 1);
}

#[tokio::test]
async fn list_show_discard_through_the_binary() {
    let world = world().await;
    let envelope = order_envelope();
    world.park(&envelope, "permanent").await;
    let key = envelope.event_key.to_string();

    let list = world.spinectl().args(["dlq", "list"]).output().unwrap();
    let table = String::from_utf8_lossy(&list.stdout);
    assert_eq!(list.status.code(), Some(0));
    assert!(
        table.starts_with("FLOW") && table.contains(&key) && table.contains("permanent"),
        "{table}"
    );
    let show = world
        .spinectl()
        .args(["--json", "dlq", "show", &key])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["ledger_status"], "PARKED");
    assert_eq!(shown["envelope"]["event_key"], key.as_str());
    let missing_reason = world.spinectl().args(["dlq", "discard", &key]).output().unwrap();
    assert_eq!(missing_reason.status.code(), Some(2));
    assert_eq!(stderr_lines(&missing_reason).len(), 1);

    let discard = world
        .spinectl()
        .args(["dlq", "discard", &key, "--reason", "duplicate test order"])
        .output()
        .unwrap();

    assert_eq!(discard.status.code(), Some(0), "{:?}", stderr_lines(&discard));
    let again = world.spinectl().args(["dlq", "show", &key]).output().unwrap();
    assert_eq!(again.status.code(), Some(4));
    assert_eq!(stderr_lines(&again).len(), 1);
}

#[tokio::test]
async fn the_bulk_path_says_clearly_that_the_emulator_does_not_support_it() {
    let world = world().await;
    world.park(&order_envelope(), "permanent").await;
    let out = world
        .spinectl()
        .args(["dlq", "redrive", "--flow", "order", "--bulk"])
        .output()
        .unwrap();
    let lines = stderr_lines(&out);
    assert_eq!(out.status.code(), Some(1), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("StartMessageMoveTask) is not supported by this endpoint"),
        "{lines:?}"
    );
    assert_eq!(
        world.bodies(&world.queues.dlq_url).await.len(),
        1,
        "nothing moved"
    );
}
