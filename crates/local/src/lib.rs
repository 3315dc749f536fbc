//! The whole spine on one machine, behaving like the deployed stack.
//!
//! `spine-local up` reads `template.yaml`, creates its tables and queues (with their
//! redrive policies) in emulated AWS, seeds the secrets, starts the Odoo simulator unless
//! a real Odoo is configured, and runs each function's real binary behind a local Lambda
//! Runtime API ([`runtime_api`]). In front: the HTTP API routes ([`gateway`]), one SQS
//! poller per unit of each mapping's maximum concurrency that honours batch item
//! failures ([`poller`]), and the schedules on a short local interval ([`host`]).
//! The Lambda Invoke API ([`invoke_api`]) runs one invocation of any function, for
//! `cargo lambda invoke --data-file events/...`. A function that crashes at start in a
//! loop is given up on and reported ([`process`]).

pub mod gateway;
pub mod host;
pub mod invoke_api;
pub mod odoo;
pub mod poller;
pub mod process;
pub mod runtime_api;
pub mod stack;
pub mod template;

pub use host::{Host, HostOptions};
