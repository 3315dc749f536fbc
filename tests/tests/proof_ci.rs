//! The proof in CI: a small fault-injection run of the whole local spine must pass
//! every claim, and the same verdict must fail when idempotency is switched off and on a
//! world corrupted by hand.
//!
//! How the suite is shown to fail:
//! - With `SPINE_UNSAFE_SKIP_IDEMPOTENCY=yes` (a test-only switch the template never
//!   sets), the webhook enqueues every repeated delivery, the workers run the flow
//!   without an idempotency record, and the payment and refund flows no longer look for
//!   what an earlier delivery created: webhooks delivered five times then leave
//!   duplicates in Odoo, which the verdict reports. (With only the first two layers off
//!   the run still passed here: Odoo's external ids caught every repeat.)
//! - After a clean run the world is corrupted the way a lost message or a forged
//!   webhook would leave it (a second sale order with an existing order's reference, an
//!   accepted event whose worker is gone, a forged order's reference in Odoo, a redriven
//!   business failure's order deleted), and each claim concerned must flip to FAIL.
//!
//! Needs the function binaries (`cargo build --bins --workspace`) and moto (started by
//! spine-testkit). Odoo is the simulator unless ODOO_* name a real one.

use spine_proof::drive::Answer;
use spine_proof::sign::{Kind, Secrets};
use spine_proof::verdict::names;
use spine_proof::{ScenarioConfig, run, spine};
use std::time::Duration;

fn small(orders: usize) -> ScenarioConfig {
    ScenarioConfig {
        orders,
        dup_max: 3,
        rate_503: 0.02,
        rate_429: 0.02,
        rate_timeout: 0.0,
        rate_drop: 0.02,
        kill_every: Some(Duration::from_secs(2)),
        bad_share: 0.1,
        unknown_sku_share: 0.1,
        senders: 8,
        settle_timeout: Duration::from_secs(200),
        // A 30-order run resolves its dependencies in seconds.
        dependency_retry: (Duration::from_secs(2), Duration::from_secs(20)),
        ..ScenarioConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_faulty_run_passes_every_claim() {
    let config = small(30);
    let spine = spine::start(&config).await.expect("the local spine starts");
    let outcome = run::execute(&spine, &config).await;
    spine.shutdown().await;
    let outcome = outcome.expect("the run completes");
    println!("{}\n{}", outcome.verdict, outcome.figures);
    assert!(outcome.plan.orders.iter().any(|o| o.unknown_sku.is_some()));
    assert!(
        outcome
            .driven
            .answers
            .iter()
            .any(|a| matches!(a.kind, Kind::Bad { .. }))
    );
    assert!(outcome.verdict.passed(), "{}", outcome.verdict);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_idempotency_the_verdict_fails() {
    // Every webhook delivered five times at once, no other fault: whatever goes wrong
    // comes from the missing idempotency layers alone.
    let config = ScenarioConfig {
        dup_max: 5,
        concurrent_share: 1.0,
        rate_503: 0.0,
        rate_429: 0.0,
        rate_drop: 0.0,
        kill_every: None,
        rotate_key: false,
        bad_share: 0.0,
        unknown_sku_share: 0.0,
        refund_share: 1.0,
        skip_idempotency: true,
        ..small(12)
    };
    let spine = spine::start(&config).await.expect("the local spine starts");
    let outcome = run::execute(&spine, &config).await;
    spine.shutdown().await;
    let outcome = outcome.expect("the run completes");
    println!("{}", outcome.verdict);
    assert!(
        !outcome.verdict.passed(),
        "the verdict must fail without idempotency"
    );
    let duplicates = outcome.verdict.claim(names::DUPLICATES).expect("claim present");
    assert!(!duplicates.pass, "Odoo holds duplicates: {duplicates:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_verdict_fails_on_a_corrupted_world() {
    let config = ScenarioConfig {
        rate_503: 0.0,
        rate_429: 0.0,
        rate_drop: 0.0,
        kill_every: None,
        rotate_key: false,
        unknown_sku_share: 0.3,
        ..small(10)
    };
    let spine = spine::start(&config).await.expect("the local spine starts");
    let outcome = run::execute(&spine, &config).await.expect("the run completes");
    assert!(outcome.verdict.passed(), "a clean run first: {}", outcome.verdict);
    let mut evidence = outcome.evidence.clone();
    let plan = &outcome.plan;
    let odoo = &spine.odoo;

    // A double apply: a second sale order with an applied order's reference.
    let first = plan
        .orders
        .iter()
        .find(|o| o.unknown_sku.is_none())
        .expect("a plain order");
    let existing = odoo
        .search_read(
            "sale.order",
            &spine_odoo::Domain::all().eq("client_order_ref", first.client_ref()),
            &["partner_id"],
            &spine_odoo::SearchOpts::default(),
        )
        .await
        .expect("read");
    let partner = existing[0]["partner_id"][0].as_i64().expect("partner");
    let copy = serde_json::json!({"partner_id": partner, "client_order_ref": first.client_ref()});
    odoo.create("sale.order", &[copy.as_object().cloned().expect("object")])
        .await
        .expect("duplicate created");

    // A forged webhook applied: a forged order's reference in Odoo.
    let forged = format!("#{}", plan.forged_ids[0]);
    let fake = serde_json::json!({"partner_id": partner, "client_order_ref": forged});
    odoo.create("sale.order", &[fake.as_object().cloned().expect("object")])
        .await
        .expect("forged created");

    // A redriven business failure lost again: its sale order deleted.
    let parked = plan
        .orders
        .iter()
        .find(|o| o.unknown_sku.is_some())
        .expect("an unknown-SKU order");
    let ids = odoo
        .search(
            "sale.order",
            &spine_odoo::Domain::all().eq("client_order_ref", parked.client_ref()),
            &Default::default(),
        )
        .await
        .expect("search");
    odoo.call("sale.order", "action_cancel", &ids, Default::default(), None)
        .await
        .expect("cancel");
    odoo.call("sale.order", "unlink", &ids, Default::default(), None)
        .await
        .expect("unlink");

    // Accepted but never applied: the order worker is gone when a new order arrives.
    spine
        .host
        .function("OrderSyncFunction")
        .expect("order worker")
        .stop();
    let mut extra = spine_proof::plan::build(&ScenarioConfig {
        seed: config.seed + 1,
        orders: 1,
        ..config.clone()
    });
    extra.orders[0].unknown_sku = None;
    let slots = spine_proof::deliveries::schedule(
        &extra,
        &ScenarioConfig {
            dup_max: 1,
            bad_share: 0.0,
            ..config.clone()
        },
        &Secrets::local().expect("secrets"),
        chrono::Utc::now().timestamp(),
    )
    .expect("slots");
    let order_slot = slots
        .into_iter()
        .find(|s| matches!(s[0].kind, Kind::Valid { what: "order", .. }))
        .expect("an order");
    let answer = send(
        &spine.host.http_url,
        &order_slot[0].request(
            &Secrets::local().expect("secrets"),
            chrono::Utc::now().timestamp(),
        ),
    )
    .await;
    assert_eq!(answer.status, 202, "{answer:?}");
    evidence.answers.push(answer);

    let verdict = run::judge(&spine, plan, &evidence).await.expect("verdict");
    spine.shutdown().await;
    println!("{verdict}");
    assert!(!verdict.passed());
    for name in [
        names::DUPLICATES,
        names::OPEN,
        names::BAD_ACCEPTED,
        names::RECONCILE,
        names::BUSINESS,
        names::MISSING,
    ] {
        let claim = verdict.claim(name).expect("claim present");
        assert!(!claim.pass, "{name} should fail: {claim:?}");
    }
    assert!(verdict.claim(names::REFUSED).expect("claim").pass);
}

async fn send(url: &str, delivery: &spine_proof::sign::Delivery) -> Answer {
    let mut request = reqwest::Client::new().post(format!("{url}/webhooks/{}", delivery.source));
    for (k, v) in &delivery.headers {
        request = request.header(k, v);
    }
    let started = std::time::Instant::now();
    let response = request.body(delivery.body.clone()).send().await.expect("answer");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    Answer {
        kind: delivery.kind.clone(),
        source: delivery.source,
        status,
        outcome: body["status"].as_str().unwrap_or_default().to_owned(),
        event_key: body["event_key"].as_str().map(str::to_owned),
        latency: started.elapsed(),
    }
}
