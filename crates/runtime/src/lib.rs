//! The Lambda side shared by every function: bootstrap (JSON tracing, AWS config, the
//! runtime loop) and the partial-batch wrapper that lifts a typed per-message handler to
//! an SQS batch handler.
//!
//! A function's `main.rs` is: [`init_tracing`], typed config, [`load_aws_config`],
//! clients, then [`run_sqs_handler`] with a [`BatchHandler`].

mod actions;
mod batch;
mod bootstrap;
mod context;
mod diagnostic;
mod first_invocation;
mod policy;
mod policy_env;

pub use actions::{MessageActions, SqsActions};
pub use batch::{BatchError, BatchHandler};
pub use bootstrap::{init_tracing, load_aws_config, run_sqs_handler};
pub use context::MessageContext;
pub use diagnostic::{diagnostic, error_chain};
pub use first_invocation::FirstInvocation;
pub use policy::{Action, BatchPolicy, decide, park_class};
pub use policy_env::{PolicyConfigError, env_names};
