//! Queue URLs per flow, from the environment that template.yaml sets.

use spine_core::ids::Flow;

/// Why the queue configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum QueueConfigError {
    /// A required variable is unset, empty or not unicode.
    #[error("environment variable {0} is missing or empty")]
    Missing(&'static str),
}

/// The work queue and dead-letter queue of one flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowQueues {
    /// The flow's work queue URL.
    pub queue_url: String,
    /// The flow's DLQ URL.
    pub dlq_url: String,
}

/// Queue URLs for every flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// `ORDER_QUEUE_URL` / `ORDER_DLQ_URL`.
    pub order: FlowQueues,
    /// `PAYMENT_QUEUE_URL` / `PAYMENT_DLQ_URL`.
    pub payment: FlowQueues,
    /// `REFUND_QUEUE_URL` / `REFUND_DLQ_URL`.
    pub refund: FlowQueues,
    /// `SHIPMENT_QUEUE_URL` / `SHIPMENT_DLQ_URL`.
    pub shipment: FlowQueues,
}

impl QueueConfig {
    /// Environment variable names `(queue, dlq)` per flow, as template.yaml defines them.
    pub const ENV: [(Flow, &'static str, &'static str); 4] = [
        (Flow::Order, "ORDER_QUEUE_URL", "ORDER_DLQ_URL"),
        (Flow::Payment, "PAYMENT_QUEUE_URL", "PAYMENT_DLQ_URL"),
        (Flow::Refund, "REFUND_QUEUE_URL", "REFUND_DLQ_URL"),
        (Flow::Shipment, "SHIPMENT_QUEUE_URL", "SHIPMENT_DLQ_URL"),
    ];

    /// Reads all eight variables; fails on the first missing one, naming it.
    pub fn from_env() -> Result<Self, QueueConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads one flow's pair only (a worker needs just its own queues).
    pub fn flow_from_env(flow: Flow) -> Result<FlowQueues, QueueConfigError> {
        flow_from(flow, &|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env) with an injectable lookup (tests, other sources).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, QueueConfigError> {
        Ok(Self {
            order: flow_from(Flow::Order, &lookup)?,
            payment: flow_from(Flow::Payment, &lookup)?,
            refund: flow_from(Flow::Refund, &lookup)?,
            shipment: flow_from(Flow::Shipment, &lookup)?,
        })
    }

    /// The queues of `flow`.
    pub fn for_flow(&self, flow: Flow) -> &FlowQueues {
        match flow {
            Flow::Order => &self.order,
            Flow::Payment => &self.payment,
            Flow::Refund => &self.refund,
            Flow::Shipment => &self.shipment,
        }
    }
}

fn flow_from(flow: Flow, lookup: &dyn Fn(&str) -> Option<String>) -> Result<FlowQueues, QueueConfigError> {
    let (_, queue, dlq) = QueueConfig::ENV
        .into_iter()
        .find(|(f, _, _)| *f == flow)
        .unwrap_or(QueueConfig::ENV[0]);
    let get = |name: &'static str| {
        lookup(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or(QueueConfigError::Missing(name))
    };
    Ok(FlowQueues {
        queue_url: get(queue)?,
        dlq_url: get(dlq)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_flow_and_names_the_missing_variable() {
        let all = |name: &str| Some(format!("https://sqs/{name}"));
        let config = QueueConfig::from_lookup(all).expect("all set");
        assert_eq!(
            config.for_flow(Flow::Refund).dlq_url,
            "https://sqs/REFUND_DLQ_URL"
        );
        let missing = QueueConfig::from_lookup(|n| (n != "SHIPMENT_DLQ_URL").then(|| "u".to_owned()));
        assert!(matches!(
            missing,
            Err(QueueConfigError::Missing("SHIPMENT_DLQ_URL"))
        ));
        let empty = QueueConfig::from_lookup(|n| Some(if n == "ORDER_QUEUE_URL" { " " } else { "u" }.into()));
        assert!(matches!(empty, Err(QueueConfigError::Missing("ORDER_QUEUE_URL"))));
    }
}
