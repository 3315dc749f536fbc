//! The shipment sync Lambda: SQS batches from the shipments queue, each event applied to Odoo
//! once (idempotency by business key), recorded in the ledger, failures retried or
//! parked. Everything is in `spine_sync::lambda::run`: configuration from the
//! environment (names in `spine_sync::lambda::env_names::all`), clients built once,
//! then the Lambda loop.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    spine_sync::lambda::run(spine_core::Flow::Shipment, "shipment-sync").await
}
