//! Cold-start plumbing every function shares.

use std::future::Future;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use serde::de::DeserializeOwned;
use spine_core::disposition::Classify;

use crate::BatchHandler;

/// JSON log lines on stdout (what CloudWatch expects), filtered by `RUST_LOG` (default
/// `info`). Safe to call twice: the second call does nothing.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // try_init: a second subscriber (tests, a re-used process) is not an error worth dying for.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_target(false)
        .without_time()
        .try_init();
}

/// The AWS configuration from the Lambda environment (region, credentials, and
/// `AWS_ENDPOINT_URL` when set). Call once at cold start and build every client from it.
pub async fn load_aws_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// Runs the Lambda loop with `handler` as the SQS batch handler. Returns only when the
/// runtime stops (or fails to start).
pub async fn run_sqs_handler<T, H, Fut, E>(handler: BatchHandler<T, H>) -> Result<(), lambda_runtime::Error>
where
    T: DeserializeOwned + Send + 'static,
    H: Fn(T, crate::MessageContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Classify + std::fmt::Display + Send + 'static,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let handler = handler.clone();
        async move { handler.handle(event.payload).await.map_err(crate::diagnostic) }
    }))
    .await
}
