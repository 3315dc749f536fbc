//! odoo-spine's domain core: identifiers, money, failure classification, and (as the
//! issues land) contracts, the idempotency state machine, the ledger and the flow logic.
//!
//! This crate has no AWS and no Lambda dependency. What it needs from the world it asks
//! for through narrow traits ("ports") that adapters implement.

pub mod contracts;
pub mod disposition;
pub mod idempotency;
pub mod ids;
pub mod ledger;
pub mod money;

pub use contracts::{CanonicalEvent, ContractError, ContractVersion, Envelope, EnvelopeError};
pub use disposition::{Classify, Disposition};
pub use idempotency::{Idempotency, IdempotencyKey, IdempotencyStore, Outcome, PayloadHash};
pub use ids::{
    BusinessKey, CorrelationId, EventKey, ExternalId, Flow, IdError, Sku, SourceEventId, SourceName,
};
pub use ledger::{Ledger, LedgerEntry, LedgerError, LedgerStatus, StatusKind};
pub use money::{Currency, Money, MoneyError};
