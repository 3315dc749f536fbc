//! WooCommerce and Shopify adapters end to end against the channel fake: lookups of
//! channel ids, the exact batch requests, per-item refusals left for the next run, 429.
//! The fake lists only the test's own SKUs, so against a real Odoo every other product is
//! looked up, found unlisted and never pushed: batches hold the test's SKUs alone.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::Env;
use common::fake::{Captured, assert_no_batch_repeated, url_param};
use serde_json::json;
use spine_stock::ChannelStatus;

/// The labels of this test's SKUs that WooCommerce lookups asked for.
fn woo_looked_up(env: &Env, lookups: &[Captured]) -> BTreeSet<String> {
    lookups
        .iter()
        .flat_map(|r| {
            url_param(&r.query, "sku")
                .split(',')
                .filter_map(|sku| env.label(sku).map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The labels of this test's SKUs that Shopify variant lookups asked for.
fn shopify_looked_up(env: &Env, lookups: &[&Captured]) -> BTreeSet<String> {
    let mut labels = BTreeSet::new();
    for r in lookups {
        let q = r.json()["variables"]["q"].as_str().unwrap_or_default().to_owned();
        for term in q.split(" OR ") {
            let sku = term.strip_prefix("sku:\"").and_then(|t| t.strip_suffix('"'));
            if let Some(label) = sku.and_then(|s| env.label(s)) {
                labels.insert(label.to_owned());
            }
        }
    }
    labels
}

fn labels(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[tokio::test]
async fn woocommerce_looks_up_ids_pushes_batches_and_retries_refused_items() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 3.0), ("B", 6.0), ("C", 1.0), ("GONE", 2.0)])
            .await;
        env.fake.with(|s| {
            s.catalog.insert(env.sku("A"), "101".into());
            s.catalog.insert(env.sku("B"), "102".into());
            s.refuse = Some("102".into());
            // The first lookup is rate limited.
            s.queued.push_back((429, Some("2")));
        });
        // C is mapped in configuration, so it is never looked up.
        let channels = [env.channel(
            "woo",
            "woocommerce",
            json!({"sku_map": {(env.sku("C")): "555"}, "buffer": 1}),
        )];

        let first = env.push.run(&channels).await;
        let c = &first.channels[0];
        assert_eq!((c.status, c.pushed, c.failed), (ChannelStatus::Partial, 2, 1));
        assert_eq!(c.failures[0].sku.as_str(), env.sku("B"));
        assert!(
            c.failures[0].reason.contains("woocommerce_rest_invalid"),
            "{}",
            c.failures[0].reason
        );
        assert_eq!(env.pauses.taken(), vec![Duration::from_secs(2)]);
        let requests = env.fake.take();
        let (batch, lookups) = requests.split_last().expect("requests");
        assert_eq!(
            (batch.method.as_str(), batch.path.as_str()),
            ("POST", "/wp-json/wc/v3/products/batch")
        );
        assert!(
            lookups
                .iter()
                .all(|r| (r.method.as_str(), r.path.as_str()) == ("GET", "/wp-json/wc/v3/products"))
        );
        assert_eq!(woo_looked_up(&env, lookups), labels(&["A", "B", "GONE"]));
        assert_eq!(
            batch.json(),
            json!({"update": [
                {"id": 101, "manage_stock": true, "stock_quantity": 2},
                {"id": 102, "manage_stock": true, "stock_quantity": 5},
                {"id": 555, "manage_stock": true, "stock_quantity": 0},
            ]})
        );
        assert_eq!(env.fake.levels().len(), 2);
        if env.on_sim() {
            // The rate-limited lookup, then the same lookup again.
            assert_eq!(c.unmapped, 1);
            assert_eq!(lookups.len(), 2);
            let query = format!(
                "sku={}%2C{}%2C{}&per_page=100",
                env.sku("A"),
                env.sku("B"),
                env.sku("GONE")
            );
            assert_eq!(lookups[1].query, query);
        }

        // The refusal is fixed: the next run pushes B only (GONE is looked up again).
        env.fake.with(|s| s.refuse = None);
        let second = env.push.run(&channels).await;
        let c = &second.channels[0];
        assert_eq!((c.status, c.pushed, c.unchanged), (ChannelStatus::Ok, 1, 2));
        let requests = env.fake.take();
        let (batch, lookups) = requests.split_last().expect("requests");
        assert_eq!(
            batch.json(),
            json!({"update": [{"id": 102, "manage_stock": true, "stock_quantity": 5}]})
        );
        // Ids are cached for one run only: what is pushed again is looked up again.
        assert_eq!(woo_looked_up(&env, lookups), labels(&["B", "GONE"]));
        if env.on_sim() {
            assert_eq!(c.unmapped, 1);
            assert_eq!(requests.len(), 2);
        }
    }
}

#[tokio::test]
async fn shopify_sets_quantities_at_the_location_and_resends_the_rest_of_a_refused_batch() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 3.0), ("B", 6.0), ("C", -4.0)]).await;
        env.fake.with(|s| {
            s.catalog
                .insert(env.sku("A"), "gid://shopify/InventoryItem/1".into());
            s.catalog
                .insert(env.sku("B"), "gid://shopify/InventoryItem/2".into());
            s.refuse = Some("gid://shopify/InventoryItem/2".into());
        });
        let mapped = json!({"sku_map": {(env.sku("C")): "gid://shopify/InventoryItem/3"}});
        let channels = [env.channel("shopify", "shopify", mapped)];

        let run = env.push.run(&channels).await;
        let c = &run.channels[0];
        assert_eq!((c.status, c.pushed, c.failed), (ChannelStatus::Partial, 2, 1));
        assert_eq!(c.failures[0].sku.as_str(), env.sku("B"));
        let requests = env.fake.take();
        assert!(
            requests
                .iter()
                .all(|r| r.path == "/admin/api/2025-01/graphql.json")
        );
        let (lookups, sets): (Vec<&Captured>, Vec<&Captured>) = requests.iter().partition(|r| {
            r.json()["query"]
                .as_str()
                .is_some_and(|q| q.contains("productVariants"))
        });
        assert_eq!(sets.len(), 2, "refused batch, batch without B");
        assert_eq!(shopify_looked_up(&env, &lookups), labels(&["A", "B"]));
        if env.on_sim() {
            assert_eq!(requests.len(), 3, "lookup, refused batch, batch without B");
            let q = format!("sku:\"{}\" OR sku:\"{}\"", env.sku("A"), env.sku("B"));
            assert_eq!(requests[0].json()["variables"], json!({ "q": q }));
        }
        let input = &sets[0].json()["variables"]["input"];
        assert_eq!(input["name"], "available");
        assert_eq!(input["reason"], "correction");
        assert_eq!(input["ignoreCompareQuantity"], true);
        let loc = common::fake::SHOPIFY_LOCATION;
        assert_eq!(
            input["quantities"],
            json!([
                {"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": loc, "quantity": 3},
                {"inventoryItemId": "gid://shopify/InventoryItem/2", "locationId": loc, "quantity": 6},
                {"inventoryItemId": "gid://shopify/InventoryItem/3", "locationId": loc, "quantity": 0},
            ])
        );
        assert_eq!(
            sets[1].json()["variables"]["input"]["quantities"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        let levels = env.fake.levels();
        assert_eq!(levels.get("gid://shopify/InventoryItem/3"), Some(&0));
        assert_eq!(levels.get("gid://shopify/InventoryItem/1"), Some(&3));
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_not_waited_for() {
    for env in common::envs(5_000).await {
        env.stock(&[("A", 3.0)]).await;
        env.fake.with(|s| s.queued.push_back((429, Some("3600"))));
        let channels = [env.channel("erp", "http", json!({}))];
        let run = env.push.run(&channels).await;
        let c = &run.channels[0];
        assert_ne!(c.status, ChannelStatus::Ok);
        assert!(
            env.pauses.taken().is_empty(),
            "an hour is not waited inside a Lambda run"
        );
        let requests = env.fake.take();
        assert_no_batch_repeated(&requests);
        if env.on_sim() {
            assert_eq!((c.status, c.failed), (ChannelStatus::Failed, 1));
            assert_eq!(requests.len(), 1);
        }
    }
}
