//! The redrive Lambda: configuration from the environment (fail fast), clients once,
//! then `redrive::handle` per invocation.

use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_aws::queue::SqsQueues;
use spinectl::{OpError, Operator};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    spine_runtime::init_tracing();
    let flows = spinectl::flows_from_env();
    if flows.is_empty() {
        return Err(OpError::NoFlowConfigured.into());
    }
    let ledger_table = LedgerTableConfig::from_env()?;
    let aws = spine_runtime::load_aws_config().await;
    let ledger: Arc<dyn spine_core::Ledger> = Arc::new(DynamoLedger::new(
        aws_sdk_dynamodb::Client::new(&aws),
        ledger_table,
    ));
    let queues = SqsQueues::new(aws_sdk_sqs::Client::new(&aws));
    let operator = Arc::new(Operator::new(queues, flows, Some(ledger)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<redrive::Request>| {
        let operator = operator.clone();
        async move {
            // Boxed: the handler future is nested deeply enough to hit rustc's layout
            // depth limit when inlined into the runtime's.
            Box::pin(redrive::handle(&operator, event.payload))
                .await
                .map_err(spine_runtime::diagnostic)
        }
    }))
    .await
}
