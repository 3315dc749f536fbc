//! The stock-push Lambda: configuration, clients, run. The logic is in the library.

use std::sync::Arc;

use anyhow::Context;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use stock_push::{App, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    spine_runtime::init_tracing();
    let settings = Settings::from_env().context("stock-push configuration")?;
    let aws = spine_runtime::load_aws_config().await;
    let app = Arc::new(App::build(settings, &aws).await.context("stock-push clients")?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let app = Arc::clone(&app);
        async move {
            app.handle(event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
