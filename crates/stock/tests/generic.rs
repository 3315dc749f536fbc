//! The whole run against the Odoo under test, the AWS emulator and the generic HTTP
//! target: first run pushes everything, an unchanged run pushes nothing, one change pushes
//! exactly that SKU, buffer and zero floor apply, a 5xx for one SKU leaves it for the next
//! run. Against a real Odoo the assertions keep to the test's own SKUs (see `common`).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::fake::assert_no_batch_repeated;
use serde_json::json;
use spine_core::SourceName;
use spine_stock::metrics::{METRIC_CHANNEL_FAILED, emf_lines};
use spine_stock::{ChannelStatus, RunSummary};
use spine_testkit::odoo::set_on_hand;

fn levels(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect()
}

fn only(summary: &RunSummary) -> &spine_stock::ChannelSummary {
    assert_eq!(summary.channels.len(), 1);
    &summary.channels[0]
}

#[tokio::test]
async fn first_run_pushes_all_then_nothing_then_exactly_the_change() {
    for env in common::envs(5_000).await {
        let products = env
            .stock(&[("A", 10.0), ("B", 5.0), ("C", 1.0), ("D", 2.7)])
            .await;
        let channels = [env.channel("erp", "http", json!({"buffer": 2}))];

        // GIVEN nothing pushed yet WHEN the first run THEN every SKU, buffered and floored.
        let first = env.push.run(&channels).await;
        let c = only(&first);
        assert_eq!((c.status, c.failed), (ChannelStatus::Ok, 0));
        let expected = levels(&[("A", 8), ("B", 3), ("C", 0), ("D", 0)]);
        assert_eq!(env.own_levels(&env.fake.levels()), expected);
        let requests = env.fake.take();
        let body = requests[0].json();
        assert_eq!(requests[0].method, "POST");
        assert_eq!(requests[0].headers["content-type"], "application/json");
        assert_eq!(body["channel"], "erp");
        assert_eq!(
            env.pushed(&requests),
            json!([{"sku": "A", "quantity": 8}, {"sku": "B", "quantity": 3}, {"sku": "C", "quantity": 0}, {"sku": "D", "quantity": 0}])
        );
        assert!(chrono::DateTime::parse_from_rfc3339(body["pushed_at"].as_str().expect("pushed_at")).is_ok());
        let recorded: BTreeMap<String, i64> = env
            .state
            .last_pushed(&SourceName::parse("erp").expect("name"))
            .await
            .expect("state")
            .into_iter()
            .map(|(sku, q)| (sku.as_str().to_owned(), q))
            .collect();
        assert_eq!(env.own_levels(&recorded), expected);
        if env.on_sim() {
            // Counts over the whole catalogue, which on a real Odoo holds other products.
            assert_eq!((c.pushed, c.unchanged), (4, 0));
            assert_eq!(requests.len(), 1, "one batch");
            assert_eq!(first.odoo_round_trips, 1, "one page of products");
        }

        // WHEN nothing changed THEN nothing is sent.
        let second = env.push.run(&channels).await;
        assert_eq!(only(&second).status, ChannelStatus::Ok);
        let requests = env.fake.take();
        assert_eq!(env.pushed(&requests), json!([]));
        if env.on_sim() {
            assert_eq!((only(&second).pushed, only(&second).unchanged), (0, 4));
            assert!(requests.is_empty());
        }

        // WHEN B changes (and C changes within the floor) THEN exactly B is sent.
        set_on_hand(&env.odoo, products["B"], 9.0).await;
        set_on_hand(&env.odoo, products["C"], 0.0).await;
        let third = env.push.run(&channels).await;
        let requests = env.fake.take();
        assert_eq!(env.pushed(&requests), json!([{"sku": "B", "quantity": 7}]));
        if env.on_sim() {
            assert_eq!((only(&third).pushed, only(&third).unchanged), (1, 3));
            assert_eq!(requests.len(), 1);
        }
    }
}

#[tokio::test]
async fn a_5xx_for_one_sku_leaves_it_for_the_next_run() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 1.0), ("B", 2.0), ("C", 3.0)]).await;
        let channels = [env.channel("erp", "http", json!({"batch_size": 1}))];
        env.fake.with(|s| s.refuse = Some(env.sku("B")));

        let first = env.push.run(&channels).await;
        let c = only(&first);
        assert_eq!((c.status, c.failed), (ChannelStatus::Partial, 1));
        assert_eq!(c.failures[0].sku.as_str(), env.sku("B"));
        assert!(c.failures[0].reason.contains("503"), "{}", c.failures[0].reason);
        // A and C once each, B three times (the retry policy's attempts).
        let requests = env.fake.take();
        let sent = env.pushed(&requests);
        assert_eq!(sent.as_array().map(Vec::len), Some(5), "{sent}");
        assert_eq!(env.pauses.taken().len(), 2, "two backoffs before B's retries");
        assert_eq!(env.own_levels(&env.fake.levels()), levels(&[("A", 1), ("C", 3)]));
        if env.on_sim() {
            assert_eq!(c.pushed, 2);
            assert_eq!(requests.len(), 5);
        }

        env.fake.with(|s| s.refuse = None);
        let second = env.push.run(&channels).await;
        assert_eq!(only(&second).status, ChannelStatus::Ok);
        let requests = env.fake.take();
        assert_eq!(env.pushed(&requests), json!([{"sku": "B", "quantity": 2}]));
        if env.on_sim() {
            assert_eq!((only(&second).pushed, only(&second).unchanged), (1, 2));
            assert_eq!(requests.len(), 1);
        }
    }
}

#[tokio::test]
async fn a_429_waits_the_retry_after_it_asked_for() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 4.0)]).await;
        let channels = [env.channel("erp", "http", json!({}))];
        env.fake.with(|s| s.queued.push_back((429, Some("7"))));

        let run = env.push.run(&channels).await;
        assert_eq!(only(&run).status, ChannelStatus::Ok);
        assert_eq!(env.pauses.taken(), vec![Duration::from_secs(7)]);
        assert_eq!(env.own_levels(&env.fake.levels()), levels(&[("A", 4)]));
        if env.on_sim() {
            assert_eq!(only(&run).pushed, 1);
            assert_eq!(env.fake.take().len(), 2);
        }
    }
}

#[tokio::test]
async fn a_channel_that_fails_everything_is_failed_and_raises_the_metric() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 4.0), ("B", 1.0)]).await;
        let channels = [env.channel("erp", "http", json!({}))];
        env.fake.with(|s| s.always = Some(500));

        let run = env.push.run(&channels).await;
        let c = only(&run);
        assert_eq!((c.status, c.pushed), (ChannelStatus::Failed, 0));
        let lines = emf_lines(&run);
        assert_eq!(lines[0][METRIC_CHANNEL_FAILED], 1);
        assert_eq!(lines[0]["Channel"], "erp");
        assert!(env.fake.levels().is_empty());
        if env.on_sim() {
            assert_eq!(c.failed, 2);
            assert_eq!(env.fake.take().len(), 3, "one batch, three attempts");
        }
        // Nothing was recorded, so the next (healthy) run pushes both.
        env.fake.with(|s| s.always = None);
        let next = env.push.run(&channels).await;
        assert_eq!(only(&next).status, ChannelStatus::Ok);
        assert_eq!(env.own_levels(&env.fake.levels()), levels(&[("A", 4), ("B", 1)]));
        assert_eq!(emf_lines(&next)[0][METRIC_CHANNEL_FAILED], 0);
        if env.on_sim() {
            assert_eq!(only(&next).pushed, 2);
        }
    }
}

#[tokio::test]
async fn a_bad_credential_fails_its_channel_only() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 4.0)]).await;
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
        assert_eq!(run.channels[1].status, ChannelStatus::Ok);
        assert_eq!(env.own_levels(&env.fake.levels()), levels(&[("A", 4)]));
        let shape = run.channels[2].error.as_deref().unwrap_or_default();
        assert!(
            shape.contains("consumer_key") && !shape.contains(common::fake::HMAC_KEY),
            "{shape}"
        );
        assert_eq!(
            run.products_read.keys().collect::<Vec<_>>(),
            ["all"],
            "one read shared by the channels of one scope"
        );
        if env.on_sim() {
            assert_eq!(run.channels[1].pushed, 1);
            assert_eq!(run.odoo_round_trips, 1, "one page, read once");
        }
    }
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_an_http_date_retry_after_is_honoured() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 4.0)]).await;
        let channels = [env.channel("erp", "http", json!({}))];
        env.fake.with(|s| s.queued.push_back((422, None)));
        let run = env.push.run(&channels).await;
        let c = only(&run);
        assert_ne!(c.status, ChannelStatus::Ok);
        assert!(
            c.failures.first().is_some_and(|f| f.reason.contains("422")),
            "{:?}",
            c.failures
        );
        let requests = env.fake.take();
        assert_no_batch_repeated(&requests);
        assert!(env.pauses.taken().is_empty());
        if env.on_sim() {
            assert_eq!((c.status, c.failed), (ChannelStatus::Failed, 1));
            assert_eq!(requests.len(), 1, "a refusal is not repeated");
        }

        // A Retry-After date in the past means "now".
        env.fake
            .with(|s| s.queued.push_back((503, Some("Wed, 21 Oct 2015 07:28:00 GMT"))));
        let run = env.push.run(&channels).await;
        assert_eq!(only(&run).status, ChannelStatus::Ok);
        assert_eq!(env.pauses.taken(), vec![Duration::ZERO]);
        assert_eq!(env.own_levels(&env.fake.levels()), levels(&[("A", 4)]));
        if env.on_sim() {
            assert_eq!(only(&run).pushed, 1);
        }
    }
}
