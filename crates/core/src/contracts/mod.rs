//! The canonical, versioned data contracts every flow speaks: `order.v1`, `payment.v1`,
//! `refund.v1` and `shipment.v1`, wrapped in one [`Envelope`].
//!
//! Webhook ingest maps each source's payload to one of these and validates it; the queue
//! carries the envelope as JSON; each sync worker reads only the contract of its flow.
//! Money is always integer minor units plus an ISO currency, never a float.
//!
//! The JSON Schema of every contract is generated from these types ([`schemas`]) and
//! checked into `contracts/`; a test fails when the files and the types drift apart.
//! A breaking change means a new version (`order.v2`) beside the old one, never an edit
//! of a published one.

mod envelope;
mod order;
mod payment;
mod schema;
mod shipment;
mod validate;
mod xids;

pub use envelope::{CanonicalEvent, ContractVersion, Envelope, EnvelopeError};
pub use order::{Address, Customer, OrderLine, OrderV1};
pub use payment::{OrderRef, PaymentV1, RefundV1};
pub use schema::{SchemaFile, schemas};
pub use shipment::{ShipmentStatus, ShipmentV1};
pub use validate::ContractError;
