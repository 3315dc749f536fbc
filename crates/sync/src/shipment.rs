//! Shipment sync (`shipment.v1`): the tracking number written to `carrier_tracking_ref`
//! on the order's delivery (stock.picking), the delivery validated when configured and
//! the parcel has left (in transit or later, not failed), and `delivery_xid` registered
//! on the picking as the spine's marker.
//!
//! Without the `stock_delivery` module Odoo has no `carrier_tracking_ref`: the write
//! fails as an unknown field and the event is parked with a reason that says so.

use serde_json::{Value, json};
use spine_core::contracts::{ShipmentStatus, ShipmentV1};
use spine_core::{ExternalId, SourceName};
use spine_odoo::{Domain, ErrorKind, Kwargs, OdooError, Record, SearchOpts};

use crate::applied::Applied;
use crate::error::SyncError;
use crate::payment::rec;
use crate::syncer::Syncer;
use crate::xids::{self, text};

const ORDER: &str = "sale.order";
const PICKING: &str = "stock.picking";

/// Applies one shipment update (see the module documentation).
pub(crate) async fn sync(
    s: &Syncer,
    source: &SourceName,
    shipment: &ShipmentV1,
) -> Result<Applied, SyncError> {
    let order_xid = shipment.order.sale_order_xid();
    let marker = shipment.delivery_xid(source);
    let known = xids::lookup(&s.odoo, &[&order_xid, &marker]).await?;
    let Some(order_id) = known.id(&order_xid, ORDER) else {
        return Err(SyncError::Waiting {
            what: "sale order",
            xid: order_xid,
        });
    };
    let marked = known.id(&marker, PICKING);
    let picking = find_delivery(s, order_id, marked, &order_xid).await?;
    let picking_id = picking
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| SyncError::Unexpected {
            step: "find delivery",
            detail: "a picking without an id".into(),
        })?;
    write_tracking(s, picking_id, &shipment.tracking_number).await?;
    let mut applied = Applied::default();
    let state = text(&picking, "state");
    if s.config.validate_deliveries && has_left(shipment.status) && state != "done" {
        validate(s, picking_id).await?;
    }
    if marked.is_none() {
        xids::register(&s.odoo, &[(&marker, PICKING, picking_id)]).await?;
    }
    applied.touch(PICKING, picking_id, Some(&marker));
    applied.touch(ORDER, order_id, Some(&order_xid));
    Ok(applied)
}

fn has_left(status: ShipmentStatus) -> bool {
    status.rank() >= ShipmentStatus::InTransit.rank() && status != ShipmentStatus::Failed
}

/// The marked picking, or the order's first delivery that is not cancelled.
async fn find_delivery(
    s: &Syncer,
    order_id: i64,
    marked: Option<i64>,
    order_xid: &ExternalId,
) -> Result<Record, SyncError> {
    let domain = match marked {
        Some(id) => Domain::all().eq("id", id),
        None => Domain::all()
            .eq("sale_id", order_id)
            .is_in("state", ["draft", "waiting", "confirmed", "assigned", "done"]),
    };
    let opts = SearchOpts {
        order: Some("id asc".into()),
        limit: Some(1),
        ..SearchOpts::default()
    };
    let rows = s
        .odoo
        .search_read(PICKING, &domain, &["state", "name"], &opts)
        .await
        .map_err(SyncError::odoo("find delivery"))?;
    rows.into_iter().next().ok_or_else(|| SyncError::NotConfirmed {
        xid: order_xid.clone(),
        state: "without a delivery".into(),
    })
}

async fn write_tracking(s: &Syncer, picking_id: i64, tracking: &str) -> Result<(), SyncError> {
    let vals = rec(json!({"carrier_tracking_ref": tracking}));
    match s.odoo.write(PICKING, &[picking_id], &vals).await {
        Ok(_) => Ok(()),
        Err(source) if is_missing_field(&source) => Err(SyncError::StockDeliveryMissing { source }),
        Err(source) => Err(SyncError::Odoo {
            step: "write tracking reference",
            source,
        }),
    }
}

/// ODOO.md: writing a field the model lacks is `builtins.KeyError` (JSON-RPC) or a 500
/// naming the field (JSON-2); either way a configuration error mentioning it.
fn is_missing_field(error: &OdooError) -> bool {
    error.kind() == ErrorKind::Configuration
        && error
            .server_fault()
            .is_some_and(|f| f.message.contains("carrier_tracking_ref"))
}

async fn validate(s: &Syncer, picking_id: i64) -> Result<(), SyncError> {
    let answer = s
        .odoo
        .call(PICKING, "button_validate", &[picking_id], Kwargs::new(), None)
        .await
        .map_err(SyncError::odoo("validate delivery"))?;
    // `true` is done; a dict is a wizard (backorder, missing quantities) for a human.
    if answer.is_object() {
        return Err(SyncError::ValidationNeedsWizard { picking_id });
    }
    Ok(())
}
