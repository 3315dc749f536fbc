//! The benchmark's ledger: applied order events (and, when asked, one applied payment
//! per order) generated page by page, so its own storage does not count in the memory
//! figures; and which events the Odoo side changes.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use spine_core::contracts::{OrderRef, PaymentV1};
use spine_core::ledger::{HistoryEntry, LedgerStatus, OdooRecords, Page, PageToken, PutOutcome};
use spine_core::{
    BusinessKey, CanonicalEvent, CorrelationId, Currency, Envelope, EventKey, Flow, Ledger, LedgerEntry,
    LedgerError, Money, SourceEventId, SourceName, StatusKind,
};

/// One event in 100 is deleted in Odoo.
pub fn deleted(i: usize) -> bool {
    i % 100 == 7
}

/// One event in 100 has another total in Odoo.
pub fn changed(i: usize) -> bool {
    i % 100 == 13
}

/// One event in 100 has a copy typed in by hand (same reference, no external id).
pub fn copied(i: usize) -> bool {
    i % 100 == 21
}

/// The stand-in's database id of event `i`'s hand-made copy.
pub fn copy_id(i: usize) -> i64 {
    10_000_000 + i as i64
}

/// The external id name of event `i`'s order.
pub fn xid_name(i: usize) -> String {
    format!("shopify_order_b{i}")
}

/// The external id name of order `i`'s payment.
pub fn payment_name(i: usize) -> String {
    format!("stripe_payment_p{i}")
}

/// The external id name of order `i`'s invoice.
pub fn invoice_name(i: usize) -> String {
    format!("shopify_invoice_b{i}")
}

/// The memo the payment flow writes on order `i`'s payment.
pub fn memo(i: usize) -> String {
    format!("stripe p{i}")
}

fn bad(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::InvalidPageToken(e.to_string())
}

/// `events` applied order events received on `day` (and as many payments when
/// `payments`), generated page by page.
pub struct GenLedger {
    events: usize,
    payments: bool,
    day: NaiveDate,
    start: DateTime<Utc>,
}

impl GenLedger {
    pub fn new(events: usize, payments: bool, day: NaiveDate) -> Self {
        let start = day.and_hms_opt(0, 0, 1).map(|t| t.and_utc()).unwrap_or_default();
        Self {
            events,
            payments,
            day,
            start,
        }
    }

    /// Order `i`'s payment, as the webhook and the payment flow leave it: with its
    /// envelope (reconciliation reads the order's invoice from it).
    fn payment(&self, i: usize) -> Result<LedgerEntry, LedgerError> {
        let received = self.start + Duration::milliseconds(i as i64);
        let amount = Money::from_minor(3450, Currency::parse("USD").map_err(bad)?);
        let payment = PaymentV1 {
            payment_id: SourceEventId::parse(&format!("p{i}")).map_err(bad)?,
            order: OrderRef {
                source: SourceName::parse("shopify").map_err(bad)?,
                order_id: SourceEventId::parse(&format!("b{i}")).map_err(bad)?,
            },
            amount,
            paid_at: received,
            method: "card".into(),
            reference: format!("p{i}"),
        };
        let envelope = Envelope::new(
            SourceName::parse("stripe").map_err(bad)?,
            SourceEventId::parse(&format!("ep{i}")).map_err(bad)?,
            "payment_intent.succeeded",
            CorrelationId::generate(),
            received,
            received,
            CanonicalEvent::PaymentV1(payment),
        )
        .map_err(bad)?;
        Ok(LedgerEntry {
            event_key: envelope.event_key.clone(),
            source: envelope.source.clone(),
            source_event_id: envelope.source_event_id.clone(),
            flow: Flow::Payment,
            business_key: envelope.business_key.clone(),
            contract_version: "payment.v1".into(),
            topic: envelope.topic.clone(),
            correlation_id: envelope.correlation_id.clone(),
            received_at: received,
            occurred_at: Some(received),
            amount: Some(amount),
            status: LedgerStatus::Applied { records: vec![] },
            updated_at: received,
            history: vec![],
            payload: serde_json::to_value(&envelope).map_err(bad)?,
        })
    }

    fn entry(&self, i: usize) -> Result<LedgerEntry, LedgerError> {
        let source = SourceName::parse("shopify").map_err(bad)?;
        let event_id = SourceEventId::parse(&format!("e{i}")).map_err(bad)?;
        let received = self.start + Duration::milliseconds(i as i64);
        let currency = Currency::parse("USD").map_err(bad)?;
        Ok(LedgerEntry {
            event_key: EventKey::derive(&source, &event_id),
            business_key: BusinessKey {
                flow: Flow::Order,
                source: source.clone(),
                entity_id: SourceEventId::parse(&format!("b{i}")).map_err(bad)?,
                revision: 0,
            },
            source,
            source_event_id: event_id,
            flow: Flow::Order,
            contract_version: "order.v1".into(),
            topic: "orders/create".into(),
            correlation_id: CorrelationId::generate(),
            received_at: received,
            occurred_at: Some(received),
            amount: Some(Money::from_minor(3450, currency)),
            status: LedgerStatus::Applied {
                records: vec![OdooRecords {
                    model: "sale.order".into(),
                    ids: vec![],
                }],
            },
            updated_at: received,
            history: vec![],
            // Stored entries carry their envelope: about 1 KB each.
            payload: json!({ "event": "x".repeat(1000) }),
        })
    }
}

fn refused() -> LedgerError {
    LedgerError::InvalidPageToken("the benchmark ledger is read-only".into())
}

#[async_trait]
impl Ledger for GenLedger {
    async fn put_received(&self, _: &LedgerEntry) -> Result<PutOutcome, LedgerError> {
        Err(refused())
    }
    async fn transition(&self, _: &EventKey, _: LedgerStatus, _: HistoryEntry) -> Result<(), LedgerError> {
        Err(refused())
    }
    async fn append_audit(&self, _: &EventKey, _: &HistoryEntry) -> Result<(), LedgerError> {
        Err(refused())
    }
    async fn get(&self, _: &EventKey) -> Result<Option<LedgerEntry>, LedgerError> {
        Ok(None)
    }
    async fn query_by_flow_day(
        &self,
        flow: Flow,
        day: NaiveDate,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        let payments = flow == Flow::Payment && self.payments;
        if !(flow == Flow::Order || payments) || day != self.day {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        }
        let from = match page {
            None => 0,
            Some(PageToken(t)) => t.parse::<usize>().map_err(|_| LedgerError::InvalidPageToken(t))?,
        };
        let to = (from + limit as usize).min(self.events);
        let one = |i| if payments { self.payment(i) } else { self.entry(i) };
        let items = (from..to).map(one).collect::<Result<Vec<_>, _>>()?;
        let next = (to < self.events).then(|| PageToken(to.to_string()));
        Ok(Page { items, next })
    }
    async fn query_by_status(
        &self,
        _: StatusKind,
        _: Option<Flow>,
        _: DateTime<Utc>,
        _: u32,
        _: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        Ok(Page {
            items: vec![],
            next: None,
        })
    }
}
