//! The request log line, in a test binary of its own: tracing's per-callsite interest
//! cache is process-wide, so a subscriber set for one test thread can miss events while
//! other tests run in parallel threads of the same process.

mod common;

use common::rig::rig;
use common::{answer, event};
use std::sync::Arc;

/// Collects log output in memory.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_log_line_per_request_with_its_facts_and_no_personal_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rig = rig(false);
    let (status, body) = answer(&rig.webhook.handle(event("shopify-orders-create.json")).await);
    assert_eq!(status, 202);

    let text = String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .filter(|line: &serde_json::Value| line["fields"]["message"] == "webhook")
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let fields = &lines[0]["fields"];
    assert_eq!(fields["source"], "shopify");
    assert_eq!(fields["topic"], "orders/create");
    assert_eq!(fields["outcome"], "accepted");
    assert_eq!(fields["status"], 202);
    assert_eq!(fields["event_key"], body["event_key"]);
    assert_eq!(fields["correlation_id"], body["correlation_id"]);
    assert!(fields["latency_ms"].as_f64().is_some());
    for personal in ["ada@example.com", "Lovelace", "Analytical", "+15555550123"] {
        assert!(!text.contains(personal), "{personal} reached the log");
    }
}
