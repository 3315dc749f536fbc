//! Fault injection through the simulator: "commit then drop the connection", hangs,
//! 503 and 429. These need the simulator's faults, so on a real Odoo they are skipped
//! (each says so on stderr).

mod common;

use std::time::Duration;

use common::{rec, target, unique};
use odoo_sim::{Faults, SimHandle};
use serde_json::json;
use spine_odoo::{Domain, ErrorKind, OdooClient, Protocol, RetryPolicy};

fn retry(attempts: u32, max_delay: Duration) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay,
    }
}

fn drops(rate: f64, seed: u64) -> Faults {
    Faults {
        rate_drop_after_commit: rate,
        seed,
        ..Faults::default()
    }
}

/// How many partners carry this name, and how many spine external ids this name has.
async fn partner_and_xid_counts(odoo: &OdooClient, name: &str) -> (u64, u64) {
    let partners = odoo
        .search_count("res.partner", &Domain::all().eq("name", name))
        .await
        .expect("count partners");
    let xids = Domain::all()
        .eq("module", "spine")
        .eq("name", name)
        .eq("model", "res.partner");
    (
        partners,
        odoo.search_count("ir.model.data", &xids)
            .await
            .expect("count xids"),
    )
}

async fn load_partner(odoo: &OdooClient, name: &str) -> Result<Vec<i64>, spine_odoo::OdooError> {
    let row = vec![vec![format!("spine.{name}"), name.to_owned()]];
    odoo.load("res.partner", &["id", "name"], &row)
        .await
        .map(|r| r.ids)
}

/// Warms up (version, authenticate) so injected faults hit only the call under test.
async fn warm(sim: &SimHandle, odoo: &OdooClient) {
    sim.set_faults(Faults::default());
    odoo.search_count("res.partner", &Domain::all())
        .await
        .expect("warm-up");
}

#[tokio::test]
async fn load_retried_after_a_dropped_commit_leaves_one_record() {
    let t = target().await;
    let Some(sim) = t.sim_only("load_retried_after_a_dropped_commit_leaves_one_record") else {
        return;
    };
    for protocol in t.protocols() {
        let odoo = OdooClient::new(t.config(protocol).with_retry(retry(4, Duration::from_millis(20))))
            .expect("client");
        warm(sim, &odoo).await;
        // Find a seed whose fates drop at least one commit and then let one answer through.
        let mut proven = false;
        for seed in 0..40 {
            let name = unique("crash_load");
            let before = sim.stats();
            sim.set_faults(drops(0.5, seed));
            let result = load_partner(&odoo, &name).await;
            let dropped = sim.stats().dropped_after_commit - before.dropped_after_commit;
            sim.set_faults(Faults::default());
            if dropped == 0 || result.is_err() {
                continue;
            }
            assert_eq!(
                partner_and_xid_counts(&odoo, &name).await,
                (1, 1),
                "{protocol}: {dropped} lost answers, one record"
            );
            eprintln!(
                "{protocol}: seed {seed} dropped {dropped} committed answer(s); the retried load found the same record"
            );
            proven = true;
            break;
        }
        assert!(
            proven,
            "{protocol}: some seed must drop a commit and then succeed"
        );

        // Every answer lost: the client gives up with a transient error, still one record.
        let name = unique("crash_load_all");
        let before = sim.stats();
        sim.set_faults(drops(1.0, 1));
        let err = load_partner(&odoo, &name).await.expect_err("all answers dropped");
        sim.set_faults(Faults::default());
        assert_eq!(err.kind(), ErrorKind::Transient, "{protocol}: {err}");
        assert_eq!(
            sim.stats().dropped_after_commit - before.dropped_after_commit,
            4,
            "retried up to max_attempts"
        );
        assert_eq!(partner_and_xid_counts(&odoo, &name).await, (1, 1), "{protocol}");
        let again = load_partner(&odoo, &name)
            .await
            .expect("the redelivery finds the same record");
        assert_eq!(again.len(), 1);
        assert_eq!(partner_and_xid_counts(&odoo, &name).await, (1, 1));
    }
}

#[tokio::test]
async fn create_after_a_dropped_commit_is_not_retried() {
    let t = target().await;
    let Some(sim) = t.sim_only("create_after_a_dropped_commit_is_not_retried") else {
        return;
    };
    for protocol in t.protocols() {
        let odoo = OdooClient::new(t.config(protocol).with_retry(retry(4, Duration::from_millis(20))))
            .expect("client");
        warm(sim, &odoo).await;
        let name = unique("crash_create");
        let before = sim.stats();
        sim.set_faults(drops(1.0, 3));
        let err = odoo
            .create("res.partner", &[rec(json!({"name": name}))])
            .await
            .expect_err("answer lost");
        sim.set_faults(Faults::default());
        assert_eq!(
            err.kind(),
            ErrorKind::Transient,
            "{protocol}: surfaces to the caller"
        );
        assert!(err.may_have_applied());
        assert_eq!(
            sim.stats().dropped_after_commit - before.dropped_after_commit,
            1,
            "{protocol}: sent once"
        );
        let count = odoo
            .search_count("res.partner", &Domain::all().eq("name", name.as_str()))
            .await
            .expect("count");
        assert_eq!(
            count, 1,
            "{protocol}: the lost answer's commit happened, which is why create is not repeated"
        );
    }
}

#[tokio::test]
async fn timeouts_retry_reads_but_not_creates() {
    let t = target().await;
    let Some(sim) = t.sim_only("timeouts_retry_reads_but_not_creates") else {
        return;
    };
    for protocol in t.protocols() {
        let config = t
            .config(protocol)
            .with_timeouts(Duration::from_secs(1), Duration::from_millis(300));
        let odoo = OdooClient::new(config.with_retry(retry(3, Duration::from_millis(20)))).expect("client");
        warm(sim, &odoo).await;
        let hang = Faults {
            rate_timeout: 1.0,
            hang_for: Duration::from_secs(3),
            ..Faults::default()
        };
        let before = sim.stats();
        sim.set_faults(hang.clone());
        let err = odoo
            .search_count("res.partner", &Domain::all())
            .await
            .expect_err("every attempt hangs");
        assert_eq!(err.kind(), ErrorKind::Transient, "{protocol}: {err}");
        assert_eq!(
            sim.stats().injected_timeouts - before.injected_timeouts,
            3,
            "{protocol}: read retried"
        );

        let before = sim.stats();
        let err = odoo
            .create("res.partner", &[rec(json!({"name": unique("slow")}))])
            .await
            .expect_err("hangs");
        sim.set_faults(Faults::default());
        assert!(err.is_transient() && err.may_have_applied(), "{protocol}: {err}");
        assert_eq!(
            sim.stats().injected_timeouts - before.injected_timeouts,
            1,
            "{protocol}: create sent once"
        );
    }
}

#[tokio::test]
async fn overload_is_ridden_out_with_backoff_and_retry_after() {
    let t = target().await;
    let Some(sim) = t.sim_only("overload_is_ridden_out_with_backoff_and_retry_after") else {
        return;
    };
    for protocol in t.protocols() {
        // Retry-After: 1 fits under a 2 s max_delay, so it is slept on.
        let odoo =
            OdooClient::new(t.config(protocol).with_retry(retry(6, Duration::from_secs(2)))).expect("client");
        warm(sim, &odoo).await;
        let before = sim.stats();
        sim.set_faults(Faults {
            rate_503: 0.3,
            rate_429: 0.15,
            seed: 11,
            ..Faults::default()
        });
        for _ in 0..8 {
            odoo.search_count("res.partner", &Domain::all())
                .await
                .expect("retried through 503/429");
        }
        let ids = odoo
            .create("res.partner", &[rec(json!({"name": unique("busy")}))])
            .await
            .expect("503/429 are safe for create");
        sim.set_faults(Faults::default());
        let stats = sim.stats();
        assert!(
            stats.injected_503 > before.injected_503,
            "{protocol}: the seed injects 503s"
        );
        assert!(
            stats.injected_429 > before.injected_429,
            "{protocol}: the seed injects 429s"
        );
        assert_eq!(ids.len(), 1);

        // Retry-After longer than max_delay goes back to the caller, hint included.
        let impatient = OdooClient::new(t.config(protocol).with_retry(retry(3, Duration::from_millis(50))))
            .expect("client");
        warm(sim, &impatient).await;
        sim.set_faults(Faults {
            rate_429: 1.0,
            ..Faults::default()
        });
        let err = impatient
            .search_count("res.partner", &Domain::all())
            .await
            .expect_err("429");
        sim.set_faults(Faults::default());
        assert_eq!(
            (err.kind(), err.retry_after()),
            (ErrorKind::Transient, Some(Duration::from_secs(1))),
            "{protocol}"
        );
    }
}

#[tokio::test]
async fn auto_protocol_on_an_old_server_uses_jsonrpc() {
    let t = target().await;
    let Some(_) = t.sim_only("auto_protocol_on_an_old_server_uses_jsonrpc") else {
        return;
    };
    let old = common::target_with(odoo_sim::SimConfig {
        server_version: "17.0".into(),
        ..Default::default()
    })
    .await;
    // JSON-2 forced on an old server: the HTML 404 is a configuration error.
    let err = old
        .client(Protocol::Json2)
        .search_count("res.partner", &Domain::all())
        .await
        .expect_err("no JSON-2");
    assert_eq!(err.kind(), ErrorKind::Configuration, "{err}");
    let odoo = old.client(Protocol::Auto);
    let ids = odoo
        .create("res.partner", &[rec(json!({"name": unique("old")}))])
        .await
        .expect("JSON-RPC create");
    assert_eq!(
        odoo.read("res.partner", &ids, &["id"]).await.expect("read").len(),
        1
    );
    let m = odoo.metrics();
    assert_eq!(m.by_method["common.version"].round_trips, 1);
    assert_eq!(m.by_method["common.authenticate"].round_trips, 1);
    assert_eq!(m.round_trips, 4, "version, authenticate, create, read");
}
