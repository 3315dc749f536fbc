//! WooCommerce and Shopify adapters end to end against the channel fake: lookups of
//! channel ids, the exact batch requests, per-item refusals left for the next run, 429.

mod common;

use std::time::Duration;

use serde_json::json;
use spine_stock::ChannelStatus;

#[tokio::test]
async fn woocommerce_looks_up_ids_pushes_batches_and_retries_refused_items() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 3.0), ("B", 6.0), ("C", 1.0), ("GONE", 2.0)]).await;
    env.fake.with(|s| {
        s.catalog.insert("A".into(), "101".into());
        s.catalog.insert("B".into(), "102".into());
        s.refuse = Some("102".into());
        // The first lookup is rate limited.
        s.queued.push_back((429, Some("2")));
    });
    // C is mapped in configuration, so it is never looked up.
    let channels = [env.channel(
        "woo",
        "woocommerce",
        json!({"sku_map": {"C": "555"}, "buffer": 1}),
    )];

    let first = env.push.run(&channels).await;
    let c = &first.channels[0];
    assert_eq!(
        (c.status, c.pushed, c.failed, c.unmapped),
        (ChannelStatus::Partial, 2, 1, 1)
    );
    assert_eq!(c.failures[0].sku.as_str(), "B");
    assert!(
        c.failures[0].reason.contains("woocommerce_rest_invalid"),
        "{}",
        c.failures[0].reason
    );
    assert_eq!(env.pauses.taken(), vec![Duration::from_secs(2)]);
    let requests = env.fake.take();
    let paths: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET", "/wp-json/wc/v3/products"),
            ("GET", "/wp-json/wc/v3/products"),
            ("POST", "/wp-json/wc/v3/products/batch"),
        ]
    );
    assert_eq!(requests[1].query, "sku=A%2CB%2CGONE&per_page=100");
    assert_eq!(
        requests[2].json(),
        json!({"update": [
            {"id": 101, "manage_stock": true, "stock_quantity": 2},
            {"id": 102, "manage_stock": true, "stock_quantity": 5},
            {"id": 555, "manage_stock": true, "stock_quantity": 0},
        ]})
    );
    assert_eq!(env.fake.levels().len(), 2);

    // The refusal is fixed: the next run pushes B only (GONE is looked up again).
    env.fake.with(|s| s.refuse = None);
    let second = env.push.run(&channels).await;
    let c = &second.channels[0];
    assert_eq!(
        (c.status, c.pushed, c.unchanged, c.unmapped),
        (ChannelStatus::Ok, 1, 2, 1)
    );
    let requests = env.fake.take();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].json(),
        json!({"update": [{"id": 102, "manage_stock": true, "stock_quantity": 5}]})
    );
}

#[tokio::test]
async fn shopify_sets_quantities_at_the_location_and_resends_the_rest_of_a_refused_batch() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 3.0), ("B", 6.0), ("C", -4.0)]).await;
    env.fake.with(|s| {
        s.catalog
            .insert("A".into(), "gid://shopify/InventoryItem/1".into());
        s.catalog
            .insert("B".into(), "gid://shopify/InventoryItem/2".into());
        s.refuse = Some("gid://shopify/InventoryItem/2".into());
    });
    let mapped = json!({"sku_map": {"C": "gid://shopify/InventoryItem/3"}});
    let channels = [env.channel("shopify", "shopify", mapped)];

    let run = env.push.run(&channels).await;
    let c = &run.channels[0];
    assert_eq!((c.status, c.pushed, c.failed), (ChannelStatus::Partial, 2, 1));
    assert_eq!(c.failures[0].sku.as_str(), "B");
    let requests = env.fake.take();
    assert_eq!(requests.len(), 3, "lookup, refused batch, batch without B");
    assert!(
        requests
            .iter()
            .all(|r| r.path == "/admin/api/2025-01/graphql.json")
    );
    assert_eq!(
        requests[0].json()["variables"],
        json!({"q": "sku:\"A\" OR sku:\"B\""})
    );
    let input = &requests[1].json()["variables"]["input"];
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
        requests[2].json()["variables"]["input"]["quantities"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let levels = env.fake.levels();
    assert_eq!(levels.get("gid://shopify/InventoryItem/3"), Some(&0));
    assert_eq!(levels.get("gid://shopify/InventoryItem/1"), Some(&3));
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_not_waited_for() {
    let env = common::env(5_000).await;
    common::stock(&env.odoo, &[("A", 3.0)]).await;
    env.fake.with(|s| s.queued.push_back((429, Some("3600"))));
    let channels = [env.channel("erp", "http", json!({}))];
    let run = env.push.run(&channels).await;
    assert_eq!(
        (run.channels[0].status, run.channels[0].failed),
        (ChannelStatus::Failed, 1)
    );
    assert!(
        env.pauses.taken().is_empty(),
        "an hour is not waited inside a Lambda run"
    );
    assert_eq!(env.fake.take().len(), 1);
}
