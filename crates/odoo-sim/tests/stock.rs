//! Setting on-hand stock the way a real Odoo 19 takes it: an inventory adjustment on a
//! quant in the warehouse's internal stock location (`lot_stock_id`), counted quantity
//! written in `inventory_mode`, then `action_apply_inventory`.

mod common;

use common::{BOTH, Proto, Sim};
use serde_json::{Value, json};

async fn on_hand(sim: &Sim, proto: Proto, product: i64) -> (Option<f64>, Option<f64>) {
    let p = sim
        .read1(proto, "product.product", product, &["qty_available", "free_qty"])
        .await;
    (p["qty_available"].as_f64(), p["free_qty"].as_f64())
}

#[tokio::test]
async fn an_inventory_adjustment_in_the_warehouse_stock_location_sets_on_hand() {
    for proto in BOTH {
        let sim = Sim::default().await;
        let inventory = json!({"inventory_mode": true});
        // GIVEN the company's warehouse and its internal stock location
        let warehouses = sim
            .ok(
                proto,
                "stock.warehouse",
                "search_read",
                None,
                json!({"domain": [], "fields": ["code", "lot_stock_id"], "order": "id asc", "limit": 1}),
            )
            .await;
        assert_eq!(warehouses[0]["code"], "WH");
        let location = warehouses[0]["lot_stock_id"][0].as_i64().expect("lot_stock_id");
        let usage = sim
            .read1(proto, "stock.location", location, &["usage", "complete_name"])
            .await;
        assert_eq!(
            (&usage["usage"], &usage["complete_name"]),
            (&json!("internal"), &json!("WH/Stock"))
        );
        let product = sim
            .create(
                proto,
                "product.product",
                json!({"name": "Counted", "default_code": "CNT", "is_storable": true}),
            )
            .await;

        // WHEN a counted quantity is created there and applied
        let quant = sim
            .create_ctx(
                proto,
                "stock.quant",
                json!({"product_id": product, "location_id": location, "inventory_quantity": 12.0}),
                &inventory,
            )
            .await;
        assert_eq!(
            on_hand(&sim, proto, product).await,
            (Some(0.0), Some(0.0)),
            "counted, not applied"
        );
        let applied = sim
            .ok(
                proto,
                "stock.quant",
                "action_apply_inventory",
                Some(vec![quant]),
                json!({"context": inventory}),
            )
            .await;
        assert!(!applied.is_object(), "applied without a wizard: {applied}");
        // THEN the product holds it, in that location
        assert_eq!(on_hand(&sim, proto, product).await, (Some(12.0), Some(12.0)));
        let q = sim
            .read1(proto, "stock.quant", quant, &["location_id", "quantity"])
            .await;
        assert_eq!(
            (q["location_id"][0].as_i64(), q["quantity"].as_f64()),
            (Some(location), Some(12.0))
        );

        // WHEN the same quant is counted again, down to zero, and applied
        let written = sim
            .ok(
                proto,
                "stock.quant",
                "write",
                Some(vec![quant]),
                json!({"vals": {"inventory_quantity": 0.0}, "context": inventory}),
            )
            .await;
        assert_eq!(written, Value::Bool(true));
        sim.ok(
            proto,
            "stock.quant",
            "action_apply_inventory",
            Some(vec![quant]),
            json!({"context": inventory}),
        )
        .await;
        // THEN the level is replaced, not added to
        assert_eq!(on_hand(&sim, proto, product).await, (Some(0.0), Some(0.0)));
    }
}
