//! The stock-push Lambda: configuration at cold start, clients on the first invocation.
//! The logic is in the library.

use std::sync::Arc;

use anyhow::Context;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use stock_push::{Function, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    spine_runtime::init_tracing();
    let settings = Settings::from_env().context("stock-push configuration")?;
    let function = Arc::new(Function::new(
        "stock-push",
        settings,
        spine_runtime::load_aws_config().await,
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let function = Arc::clone(&function);
        async move {
            // Boxed: the handler future is nested deeply enough to hit rustc's layout
            // depth limit when inlined into the runtime's.
            Box::pin(stock_push::invoke(&function, event.payload))
                .await
                .map_err(spine_runtime::diagnostic)
        }
    }))
    .await
}
