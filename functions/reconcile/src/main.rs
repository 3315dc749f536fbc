//! The reconcile Lambda: configuration at cold start, clients on the first invocation.
//! The logic is in the library.

use std::sync::Arc;

use anyhow::Context;
use lambda_runtime::{LambdaEvent, service_fn};
use reconcile::{Function, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    spine_runtime::init_tracing();
    let settings = Settings::from_env().context("reconcile configuration")?;
    let function = Arc::new(Function::new(
        "reconcile",
        settings,
        spine_runtime::load_aws_config().await,
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let function = Arc::clone(&function);
        async move {
            // Boxed: the handler future is nested deeply enough to hit rustc's layout
            // depth limit when inlined into the runtime's.
            Box::pin(reconcile::invoke(&function, event.payload))
                .await
                .map_err(spine_runtime::diagnostic)
        }
    }))
    .await
}
