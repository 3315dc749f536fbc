//! [`Syncer`]: one Odoo client, the flows' settings, and the small per-instance caches
//! that save round trips without ever deciding correctness.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use spine_core::contracts::{OrderV1, PaymentV1, RefundV1, ShipmentV1};
use spine_core::{CanonicalEvent, Classify, Currency, Disposition, Envelope, Sku, SourceName};
use spine_odoo::OdooClient;

use crate::applied::Applied;
use crate::breaker::Breaker;
use crate::config::SyncConfig;
use crate::error::SyncError;

/// Applies canonical events to one Odoo database. Build it once per Lambda instance and
/// share it; it is `Send + Sync`.
///
/// Contract, for every flow: applying the same event again, or after a failure at any
/// point (including Odoo committing and the answer being lost), leaves exactly the
/// records one successful run leaves. Errors say by [`spine_core::Classify`] whether to
/// retry, wait or park.
pub struct Syncer {
    pub(crate) odoo: OdooClient,
    pub(crate) config: SyncConfig,
    /// Active currencies by code. Only active ones are kept, so enabling a currency in
    /// Odoo takes effect at once.
    currencies: Mutex<HashMap<Currency, i64>>,
    /// Partner external id to the fingerprint of what this instance last loaded, so a
    /// known, unchanged customer is not loaded again. Consulted only when Odoo says the
    /// partner exists, so a partner deleted in Odoo is loaded again.
    partners: Mutex<HashMap<String, u64>>,
    /// SKU to product id, each with when it was resolved. Trusted for [`SKU_TTL`]; a
    /// failed order load drops the whole cache and resolves again (see `order.rs`).
    products: Mutex<HashMap<Sku, (i64, Instant)>>,
    /// Holds events back while Odoo keeps answering 429/503.
    breaker: Breaker,
    /// The proof's unsafe test mode: payments and refunds do not look for the record an
    /// earlier delivery made (idempotency layer 3 off for them).
    pub(crate) skip_record_checks: bool,
}

/// How long a resolved SKU is trusted without asking Odoo again.
pub(crate) const SKU_TTL: Duration = Duration::from_secs(300);

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("odoo", &self.odoo)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    /// A syncer writing through `odoo` with `config`. Sends nothing.
    pub fn new(odoo: OdooClient, config: SyncConfig) -> Self {
        Self {
            odoo,
            config,
            currencies: Mutex::new(HashMap::new()),
            partners: Mutex::new(HashMap::new()),
            products: Mutex::new(HashMap::new()),
            breaker: Breaker::default(),
            skip_record_checks: false,
        }
    }

    /// Test mode ([`spine_core::idempotency::UNSAFE_SKIP_ENV`]): the payment and refund
    /// flows no longer look for the payment or credit note an earlier delivery created
    /// (by external id, memo or marker), so a repeated event creates another one. Never
    /// for a deployment.
    pub fn without_record_checks(mut self) -> Self {
        self.skip_record_checks = true;
        self
    }

    /// The Odoo client (for secret rotation: [`OdooClient::set_api_key`]).
    pub fn odoo(&self) -> &OdooClient {
        &self.odoo
    }

    /// The settings in force.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Runs the flow of the envelope's event, with the envelope's source.
    pub async fn apply(&self, envelope: &Envelope) -> Result<Applied, SyncError> {
        let source = &envelope.source;
        match &envelope.event {
            CanonicalEvent::OrderV1(order) => self.order(source, order).await,
            CanonicalEvent::PaymentV1(payment) => self.payment(source, payment).await,
            CanonicalEvent::RefundV1(refund) => self.refund(source, refund).await,
            CanonicalEvent::ShipmentV1(shipment) => self.shipment(source, shipment).await,
        }
    }

    /// Order sync (see [`crate::order`]).
    pub async fn order(&self, source: &SourceName, order: &OrderV1) -> Result<Applied, SyncError> {
        self.counted("order", crate::order::sync(self, source, order))
            .await
    }

    /// Payment sync (see [`crate::payment`]); `source` is the gateway.
    pub async fn payment(&self, source: &SourceName, payment: &PaymentV1) -> Result<Applied, SyncError> {
        self.counted("payment", crate::payment::sync(self, source, payment))
            .await
    }

    /// Refund sync (see [`crate::refund`]); `source` is the gateway.
    pub async fn refund(&self, source: &SourceName, refund: &RefundV1) -> Result<Applied, SyncError> {
        self.counted("refund", crate::refund::sync(self, source, refund))
            .await
    }

    /// Shipment sync (see [`crate::shipment`]); `source` is the carrier or shop.
    pub async fn shipment(&self, source: &SourceName, shipment: &ShipmentV1) -> Result<Applied, SyncError> {
        self.counted("shipment", crate::shipment::sync(self, source, shipment))
            .await
    }

    /// Runs a flow, counting its round trips and logging the outcome without personal data.
    async fn counted(
        &self,
        flow: &'static str,
        run: impl Future<Output = Result<Applied, SyncError>>,
    ) -> Result<Applied, SyncError> {
        if let Some(retry_after) = self.breaker.open_for() {
            return Err(SyncError::Overloaded { retry_after });
        }
        let before = self.odoo.metrics();
        let result = run.await;
        match result.as_ref().map_err(Classify::disposition) {
            Err(Disposition::Transient {
                overload: true,
                retry_after,
            }) => self.breaker.overloaded(retry_after),
            // Transport failures say nothing about load; anything else reached Odoo fine.
            Err(Disposition::Transient { .. }) => {}
            _ => self.breaker.healthy(),
        }
        let round_trips = self.odoo.metrics().since(&before).round_trips;
        match &result {
            Ok(applied) => {
                tracing::info!(flow, round_trips, already_applied = applied.already_applied, flags = ?applied.flags, "applied to odoo")
            }
            Err(error) => tracing::warn!(flow, round_trips, error = %error, "sync failed"),
        }
        result.map(|mut applied| {
            applied.round_trips = round_trips;
            applied
        })
    }

    pub(crate) fn cached_currency(&self, currency: Currency) -> Option<i64> {
        let cache = self.currencies.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(&currency).copied()
    }

    pub(crate) fn cache_currency(&self, currency: Currency, id: i64) {
        let mut cache = self.currencies.lock().unwrap_or_else(PoisonError::into_inner);
        cache.insert(currency, id);
    }

    pub(crate) fn partner_unchanged(&self, xid: &str, fingerprint: u64) -> bool {
        let cache = self.partners.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(xid) == Some(&fingerprint)
    }

    pub(crate) fn remember_partner(&self, xid: &str, fingerprint: u64) {
        let mut cache = self.partners.lock().unwrap_or_else(PoisonError::into_inner);
        cache.insert(xid.to_owned(), fingerprint);
    }

    /// The cached product ids of `skus`, when every one is cached and fresh.
    pub(crate) fn cached_products(&self, skus: &[Sku]) -> Option<HashMap<Sku, i64>> {
        let cache = self.products.lock().unwrap_or_else(PoisonError::into_inner);
        skus.iter()
            .map(|sku| {
                let (id, at) = cache.get(sku)?;
                (at.elapsed() < SKU_TTL).then(|| (sku.clone(), *id))
            })
            .collect()
    }

    pub(crate) fn remember_products(&self, products: &HashMap<Sku, i64>) {
        let mut cache = self.products.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        for (sku, id) in products {
            cache.insert(sku.clone(), (*id, now));
        }
    }

    pub(crate) fn forget_products(&self) {
        self.products
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
