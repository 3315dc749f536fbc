//! The whole run against the simulator, the AWS emulator and the generic HTTP target:
//! first run pushes everything, an unchanged run pushes nothing, one change pushes exactly
//! that SKU, buffer and zero floor apply, a 5xx for one SKU leaves it for the next run.

mod common;

use std::collections::BTreeMap;

use serde_json::json;
use spine_core::SourceName;
use spine_stock::metrics::{METRIC_CHANNEL_FAILED, emf_lines};
use spine_stock::{ChannelStatus, RunSummary};

fn levels(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect()
}

fn only(summary: &RunSummary) -> &spine_stock::ChannelSummary {
    assert_eq!(summary.channels.len(), 1);
    &summary.channels[0]
}

#[tokio::test]
async fn first_run_pushes_all_then_nothing_then_exactly_the_change() {
    let env = common::env(5_000).await;
    let quants = common::stock(&env.odoo, &[("A", 10.0), ("B", 5.0), ("C", 1.0), ("D", 2.7)]).await;
    let channel = env.channel("erp", "http", json!({"buffer": 2}));
    let channels = [channel];

    // GIVEN nothing pushed yet WHEN the first run THEN every SKU, buffered and floored.
    let first = env.push.run(&channels).await;
    let c = only(&first);
    assert_eq!(
        (c.status, c.pushed, c.unchanged, c.failed),
        (ChannelStatus::Ok, 4, 0, 0)
    );
    assert_eq!(
        env.fake.levels(),
        levels(&[("A", 8), ("B", 3), ("C", 0), ("D", 0)])
    );
    let requests = env.fake.take();
    assert_eq!(requests.len(), 1, "one batch");
    let body = requests[0].json();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].headers["content-type"], "application/json");
    assert_eq!(body["channel"], "erp");
    assert_eq!(
        body["levels"],
        json!([{"sku": "A", "quantity": 8}, {"sku": "B", "quantity": 3}, {"sku": "C", "quantity": 0}, {"sku": "D", "quantity": 0}])
    );
    assert!(chrono::DateTime::parse_from_rfc3339(body["pushed_at"].as_str().expect("pushed_at")).is_ok());
    let recorded = env
        .state
        .last_pushed(&SourceName::parse("erp").expect("name"))
        .await
        .expect("state");
    assert_eq!(recorded.len(), 4);
    assert_eq!(first.odoo_round_trips, 1, "one page of products");

    // WHEN nothing changed THEN nothing is sent.
    let second = env.push.run(&channels).await;
    let c = only(&second);
    assert_eq!((c.status, c.pushed, c.unchanged), (ChannelStatus::Ok, 0, 4));
    assert!(env.fake.take().is_empty());

    // WHEN B changes (and C changes within the floor) THEN exactly B is sent.
    common::set_qty(&env.odoo, quants["B"], 9.0).await;
    common::set_qty(&env.odoo, quants["C"], 0.0).await;
    let third = env.push.run(&channels).await;
    assert_eq!((only(&third).pushed, only(&third).unchanged), (1, 3));
    let requests = env.fake.take();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json()["levels"], json!([{"sku": "B", "quantity": 7}]));
}

#[tokio::test]
async fn a_5xx_for_one_sku_leaves_it_for_the_next_run() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 1.0), ("B", 2.0), ("C", 3.0)]).await;
    let channels = [env.channel("erp", "http", json!({"batch_size": 1}))];
    env.fake.with(|s| s.refuse = Some("B".to_owned()));

    let first = env.push.run(&channels).await;
    let c = only(&first);
    assert_eq!((c.status, c.pushed, c.failed), (ChannelStatus::Partial, 2, 1));
    assert_eq!(c.failures[0].sku.as_str(), "B");
    assert!(c.failures[0].reason.contains("503"), "{}", c.failures[0].reason);
    // A and C once each, B three times (the retry policy's attempts).
    assert_eq!(env.fake.take().len(), 5);
    assert_eq!(env.pauses.taken().len(), 2, "two backoffs before B's retries");

    env.fake.with(|s| s.refuse = None);
    let second = env.push.run(&channels).await;
    assert_eq!(
        (
            only(&second).status,
            only(&second).pushed,
            only(&second).unchanged
        ),
        (ChannelStatus::Ok, 1, 2)
    );
    let requests = env.fake.take();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json()["levels"], json!([{"sku": "B", "quantity": 2}]));
}

#[tokio::test]
async fn a_429_waits_the_retry_after_it_asked_for() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 4.0)]).await;
    let channels = [env.channel("erp", "http", json!({}))];
    env.fake.with(|s| s.queued.push_back((429, Some("7"))));

    let run = env.push.run(&channels).await;
    assert_eq!(only(&run).pushed, 1);
    assert_eq!(env.pauses.taken(), vec![std::time::Duration::from_secs(7)]);
    assert_eq!(env.fake.take().len(), 2);
}

#[tokio::test]
async fn a_channel_that_fails_everything_is_failed_and_raises_the_metric() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 4.0), ("B", 1.0)]).await;
    let channels = [env.channel("erp", "http", json!({}))];
    env.fake
        .with(|s| s.queued.extend([(500, None), (500, None), (500, None)]));

    let run = env.push.run(&channels).await;
    let c = only(&run);
    assert_eq!((c.status, c.pushed, c.failed), (ChannelStatus::Failed, 0, 2));
    let lines = emf_lines(&run);
    assert_eq!(lines[0][METRIC_CHANNEL_FAILED], 1);
    assert_eq!(lines[0]["Channel"], "erp");
    // Nothing was recorded, so the next (healthy) run pushes both.
    let next = env.push.run(&channels).await;
    assert_eq!((only(&next).status, only(&next).pushed), (ChannelStatus::Ok, 2));
    assert_eq!(emf_lines(&next)[0][METRIC_CHANNEL_FAILED], 0);
}

#[tokio::test]
async fn a_bad_credential_fails_its_channel_only() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 4.0)]).await;
    let good = env.channel("erp", "http", json!({}));
    let missing = env.channel(
        "other",
        "http",
        json!({"credentials_secret": "no-such-secret-anywhere"}),
    );
    let wrong_shape = env.channel(
        "woo",
        "woocommerce",
        json!({"credentials_secret": format!("{}/http", env.prefix)}),
    );

    let run = env.push.run(&[missing, good, wrong_shape]).await;
    assert_eq!(run.channels[0].status, ChannelStatus::Failed);
    assert!(
        run.channels[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("no-such-secret-anywhere"))
    );
    assert_eq!(
        (run.channels[1].status, run.channels[1].pushed),
        (ChannelStatus::Ok, 1)
    );
    let shape = run.channels[2].error.as_deref().unwrap_or_default();
    assert!(
        shape.contains("consumer_key") && !shape.contains(common::fake::HMAC_KEY),
        "{shape}"
    );
    assert_eq!(
        run.odoo_round_trips, 1,
        "one read shared by the channels of one scope"
    );
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_an_http_date_retry_after_is_honoured() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 4.0)]).await;
    let channels = [env.channel("erp", "http", json!({}))];
    env.fake.with(|s| s.queued.push_back((422, None)));
    let run = env.push.run(&channels).await;
    assert_eq!((only(&run).status, only(&run).failed), (ChannelStatus::Failed, 1));
    assert!(
        only(&run).failures[0].reason.contains("422"),
        "{:?}",
        only(&run).failures
    );
    assert_eq!(env.fake.take().len(), 1, "a refusal is not repeated");
    assert!(env.pauses.taken().is_empty());

    // A Retry-After date in the past means "now".
    env.fake
        .with(|s| s.queued.push_back((503, Some("Wed, 21 Oct 2015 07:28:00 GMT"))));
    let run = env.push.run(&channels).await;
    assert_eq!(only(&run).pushed, 1);
    assert_eq!(env.pauses.taken(), vec![std::time::Duration::ZERO]);
}
