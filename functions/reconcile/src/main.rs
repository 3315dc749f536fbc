//! The reconcile Lambda: configuration, clients, run. The logic is in the library.

use std::sync::Arc;

use anyhow::Context;
use lambda_runtime::{LambdaEvent, service_fn};
use reconcile::{App, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    spine_runtime::init_tracing();
    let settings = Settings::from_env().context("reconcile configuration")?;
    let aws = spine_runtime::load_aws_config().await;
    let app = Arc::new(App::build(settings, &aws).await.context("reconcile clients")?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let app = Arc::clone(&app);
        async move {
            app.handle(event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
