//! The AWS implementations of the webhook's ports: SQS for the flow queues, Secrets
//! Manager for the signing keys. The ledger's DynamoDB adapter is spine-aws's.

pub mod keys;
pub mod queue;

pub use keys::SecretsManagerKeys;
pub use queue::SqsEventQueue;
