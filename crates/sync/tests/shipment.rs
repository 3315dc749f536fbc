//! Shipment sync against the simulator on both protocols (or a real Odoo).

mod common;

use common::*;
use odoo_sim::SimConfig;
use spine_core::contracts::ShipmentStatus;
use spine_core::{Classify, Disposition};
use spine_sync::{SyncConfig, SyncError};

#[tokio::test]
async fn tracking_goes_on_the_delivery_which_is_validated_once_in_transit() {
    let target = target().await;
    for protocol in target.protocols() {
        let config = SyncConfig {
            validate_deliveries: true,
            ..SyncConfig::default()
        };
        let sync = syncer(&target, protocol, config).await;
        let odoo = sync.odoo();
        let (a, b) = two_products(odoo).await;
        let order = order(&a, &b);
        let early = shipment(&order, ShipmentStatus::LabelCreated);
        let waiting = sync.shipment(&shop(), &early).await.expect_err("no order yet");
        assert_eq!(
            waiting.disposition(),
            Disposition::WaitingOnDependency,
            "{protocol}"
        );

        sync.order(&shop(), &order).await.expect("order");
        sync.shipment(&shop(), &early).await.expect("label created");
        let picking = xid_id(odoo, &early.delivery_xid(&shop()))
            .await
            .expect("delivery marked");
        let row = read_one(odoo, "stock.picking", picking, &["carrier_tracking_ref", "state"]).await;
        assert_eq!(
            row["carrier_tracking_ref"],
            serde_json::Value::from(early.tracking_number.clone())
        );
        assert_ne!(row["state"], "done", "{protocol}: not validated before it ships");

        let mut moving = early.clone();
        moving.status = ShipmentStatus::InTransit;
        let applied = sync.shipment(&shop(), &moving).await.expect("in transit");
        assert_eq!(applied.touched[0].id, picking);
        sync.shipment(&shop(), &moving).await.expect("repeat");
        let row = read_one(odoo, "stock.picking", picking, &["state"]).await;
        assert_eq!(row["state"], "done", "{protocol}: validated");
    }
}

#[tokio::test]
async fn without_stock_delivery_the_shipment_is_parked_naming_the_module() {
    let target = target_with(SimConfig {
        stock_delivery: false,
        ..SimConfig::default()
    })
    .await;
    if target.sim_only("without_stock_delivery").is_none() {
        return;
    }
    for protocol in target.protocols() {
        let sync = syncer(&target, protocol, SyncConfig::default()).await;
        let (a, b) = two_products(sync.odoo()).await;
        let order = order(&a, &b);
        sync.order(&shop(), &order).await.expect("order");
        let error = sync
            .shipment(&shop(), &shipment(&order, ShipmentStatus::InTransit))
            .await
            .expect_err("no carrier_tracking_ref");
        assert!(
            matches!(error, SyncError::StockDeliveryMissing { .. }),
            "{protocol}: {error}"
        );
        assert_eq!(error.disposition(), Disposition::Permanent);
        assert!(error.reason().contains("stock_delivery"), "{}", error.reason());
    }
}
