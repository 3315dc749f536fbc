//! `spinectl reconcile run|show` through the binary, over spine-reconcile, with a ledger
//! on emulated AWS and the Odoo under test (the simulator, or a real Odoo from `ODOO_*`):
//! an APPLIED event whose order Odoo does not
//! hold is reported missing (exit 1), stored, shown again by run id, and written as HTML.

mod common;

use common::*;
use secrecy::ExposeSecret;
use spine_core::ledger::{Ledger, OdooRecords};
use spine_reconcile::create_reports_table;
use spine_testkit::unique_name;

// Multi-threaded: the simulator must keep answering while this thread waits for the binary.
// On a real Odoo the day may hold other exceptions (records the ledger does not know):
// the checks look for the lost order's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reports_the_missing_order_stores_it_and_show_reads_it_back() {
    let world = world().await;
    let target = spine_testkit::odoo::target().await;
    let config = target.config(target.protocols()[0]);
    let reports = spine_testkit::create_table(&world.dynamodb, "reports", create_reports_table).await;
    let lost = order_envelope();
    world.ledger.put_received(&ledger_entry(&lost)).await.unwrap();
    let records = [OdooRecords {
        model: "sale.order".into(),
        ids: vec![4242],
    }];
    world
        .ledger
        .mark_applied(&lost.event_key, &records, lost.received_at, "order-sync")
        .await
        .unwrap();
    let day = lost.received_at.date_naive().to_string();
    let html = std::env::temp_dir().join(format!("{}.html", unique_name("report")));
    let spinectl = || {
        let mut cmd = world.spinectl();
        cmd.env("REPORTS_TABLE", &reports)
            .env("ODOO_URL", config.url.as_str())
            .env("ODOO_DB", &config.database)
            .env("ODOO_LOGIN", &config.login)
            .env("ODOO_API_KEY", config.api_key.expose_secret())
            .env("ODOO_PROTOCOL", config.protocol.to_string());
        cmd
    };

    let run = spinectl()
        .args([
            "--json",
            "reconcile",
            "run",
            "--from",
            &day,
            "--to",
            &day,
            "--html",
        ])
        .arg(&html)
        .output()
        .unwrap();

    assert_eq!(
        run.status.code(),
        Some(1),
        "exceptions found: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stderr)));
    assert_eq!(report["counts"]["missing"], 1, "{report}");
    let exceptions = report["exceptions"].as_array().unwrap();
    let lost_key = lost.event_key.as_str();
    let missing = exceptions.iter().find(|e| e["event_key"] == lost_key);
    assert_eq!(
        missing.map(|e| e["kind"].clone()),
        Some("missing".into()),
        "{report}"
    );
    let run_id = report["run_id"].as_str().unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<html") && page.contains(run_id),
        "the run's HTML page"
    );
    let _ = std::fs::remove_file(&html);
    let show = spinectl()
        .args(["--json", "reconcile", "show", run_id])
        .output()
        .unwrap();
    assert_eq!(show.status.code(), Some(1));
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown, report, "the stored report is the one printed");
    let table = spinectl().args(["reconcile", "show", run_id]).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains(run_id) && text.contains("missing"), "{text}");
}

#[tokio::test]
async fn show_of_an_unknown_run_and_run_without_odoo_are_one_line_each() {
    let world = world().await;
    let reports = spine_testkit::create_table(&world.dynamodb, "reports", create_reports_table).await;

    let show = world
        .spinectl()
        .env("REPORTS_TABLE", &reports)
        .args(["reconcile", "show", "nope"])
        .output()
        .unwrap();
    let run = world.spinectl().args(["reconcile", "run"]).output().unwrap();

    assert_eq!(show.status.code(), Some(4));
    assert_eq!(String::from_utf8_lossy(&show.stderr).lines().count(), 1);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        ["spinectl: Odoo is not configured: set ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY"]
    );
}
