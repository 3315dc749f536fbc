//! The webhook ingest Lambda: configuration, clients, run. The logic is in the library.

use anyhow::Context;
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_runtime::{LambdaEvent, service_fn};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_aws::queue::SqsQueues;
use spine_aws::secrets::{SecretsCache, SecretsConfig};
use std::sync::Arc;
use webhook::adapters::{SecretsManagerKeys, SqsEventQueue};
use webhook::{Config, Webhook};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_current_span(false)
        .without_time()
        .init();
    let config = Config::from_env().context("webhook configuration")?;
    let aws = aws_config::load_from_env().await;
    let cache = SecretsCache::new(
        aws_sdk_secretsmanager::Client::new(&aws),
        SecretsConfig {
            ttl: config.secret_cache,
        },
    );
    let webhook = Webhook::new(
        config.sources,
        config.limits,
        Arc::new(SecretsManagerKeys::new(cache, config.secret_grace)),
        Arc::new(DynamoLedger::new(
            aws_sdk_dynamodb::Client::new(&aws),
            LedgerTableConfig {
                table: config.ledger_table,
            },
        )),
        Arc::new(SqsEventQueue::new(
            SqsQueues::new(aws_sdk_sqs::Client::new(&aws)),
            config.queues,
        )),
    );
    let webhook = Arc::new(if spine_core::idempotency::unsafe_skip_requested() {
        tracing::warn!("ingress dedupe is OFF (test mode): every repeated delivery is enqueued");
        webhook.without_ingress_dedupe()
    } else {
        webhook
    });
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let webhook = Arc::clone(&webhook);
        async move { Ok::<_, lambda_runtime::Error>(webhook.handle(event.payload).await) }
    }))
    .await
}
