//! The DynamoDB adapter against the emulator, and the Odoo read against the simulator or a
//! real Odoo (ODOO_* set).

mod common;

use chrono::Utc;
use spine_core::{Sku, SourceName};
use spine_stock::source::read_free_stock;
use spine_stock::{Level, StockScope, StockState, create_table};

#[tokio::test]
async fn levels_are_recorded_in_batches_and_read_back_per_channel() {
    let dynamo = spine_testkit::dynamodb().await;
    let table = spine_testkit::unique_name("stock");
    create_table(&dynamo, &table).await.expect("table");
    let state = StockState::new(dynamo, table);
    let (a, b) = (
        SourceName::parse("a").expect("name"),
        SourceName::parse("b").expect("name"),
    );
    let levels: Vec<Level> = (0..60)
        .map(|i| Level {
            sku: Sku::parse(&format!("SKU-{i:03}")).expect("sku"),
            quantity: i,
        })
        .collect();
    state.record(&a, &levels, Utc::now()).await.expect("record");
    state.record(&b, &levels[..1], Utc::now()).await.expect("record");
    assert_eq!(state.requests(), 4, "25 + 25 + 10, then 1");

    let read = state.last_pushed(&a).await.expect("read");
    assert_eq!(read.len(), 60);
    assert_eq!(read[&Sku::parse("SKU-042").expect("sku")], 42);
    assert_eq!(state.last_pushed(&b).await.expect("read").len(), 1);
    let empty = state
        .last_pushed(&SourceName::parse("c").expect("name"))
        .await
        .expect("read");
    assert!(empty.is_empty());
}

#[tokio::test]
async fn free_stock_is_read_in_keyset_pages_from_the_odoo_under_test() {
    let target = spine_testkit::odoo::target().await;
    for protocol in target.protocols() {
        let odoo = target.client(protocol);
        let skus: Vec<String> = (0..5)
            .map(|i| spine_testkit::odoo::unique(&format!("STK{i}")))
            .collect();
        for sku in &skus {
            spine_testkit::odoo::product(&odoo, sku).await;
        }
        let before = odoo.metrics();
        let stock = read_free_stock(&odoo, StockScope::All, 2).await.expect("read");
        for sku in &skus {
            // New products hold no stock on either server.
            assert_eq!(
                stock.by_sku.get(&Sku::parse(sku).expect("sku")),
                Some(&0),
                "{sku}"
            );
        }
        let trips = odoo.metrics().since(&before).by_method["product.product.search_read"].round_trips;
        assert_eq!(trips as usize, stock.by_sku.len() / 2 + 1, "pages of two");
    }
}
