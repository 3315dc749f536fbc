//! The local stack: the template's tables and queues created in emulated AWS, and its
//! functions described with their resolved environment and triggers.

use crate::template::{Physical, Resource, Template, TemplateError, resolve, scalar};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// What starts a function.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// An HTTP API route such as `POST /webhooks/{source}`.
    Http { method: String, path: String },
    /// An SQS event source mapping.
    Sqs {
        queue_logical_id: String,
        batch_size: i32,
        max_concurrency: usize,
        report_batch_item_failures: bool,
    },
    /// An EventBridge schedule (run on a short local interval instead).
    Schedule {
        expression: String,
        input: Option<String>,
    },
}

/// One function as the local host runs it.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub logical_id: String,
    /// The binary cargo builds for it (`BuildProperties.Binary`).
    pub binary: String,
    /// Its deployed name (`FunctionName`, resolved), when the template sets one.
    pub function_name: Option<String>,
    pub timeout_secs: u64,
    pub memory_mb: u32,
    /// The environment the template gives it, resolved.
    pub environment: BTreeMap<String, String>,
    pub triggers: Vec<Trigger>,
}

/// The provisioned stack: physical names and what functions to run.
#[derive(Debug, Clone)]
pub struct Stack {
    pub parameters: BTreeMap<String, String>,
    pub physical: Physical,
    pub functions: Vec<FunctionSpec>,
    /// Queue URL per logical id.
    pub queue_urls: BTreeMap<String, String>,
}

/// AWS clients pointed at the emulator.
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

/// Creates every table and queue of the template (existing ones are kept), then resolves
/// every function's environment and triggers.
pub async fn provision(
    template: &Template,
    parameters: BTreeMap<String, String>,
    clients: &Clients,
) -> Result<Stack> {
    let mut physical = Physical::default();
    for (id, table) in template.of_kind("AWS::DynamoDB::Table") {
        let name = create_table(id, table, &parameters, &physical, &clients.dynamodb).await?;
        physical
            .attrs
            .insert((id.clone(), "Arn".into()), table_arn(&name));
        physical.refs.insert(id.clone(), name);
    }
    let mut queue_urls = BTreeMap::new();
    // Dead-letter queues first: the others' redrive policies name their ARNs.
    let queues: Vec<_> = template.of_kind("AWS::SQS::Queue").collect();
    let (plain, with_dlq): (Vec<_>, Vec<_>) = queues
        .into_iter()
        .partition(|(_, q)| q.properties.get("RedrivePolicy").is_none());
    for (id, queue) in plain.into_iter().chain(with_dlq) {
        let (name, url, arn) = create_queue(id, queue, &parameters, &physical, &clients.sqs).await?;
        physical.refs.insert(id.clone(), url.clone());
        physical.attrs.insert((id.clone(), "Arn".into()), arn);
        physical.attrs.insert((id.clone(), "QueueName".into()), name);
        physical
            .attrs
            .insert((id.clone(), "QueueUrl".into()), url.clone());
        queue_urls.insert(id.clone(), url);
    }
    for (id, _) in template.of_kind("AWS::Serverless::Function") {
        physical
            .refs
            .insert(id.clone(), format!("{}-{id}", crate::template::STACK_NAME));
    }
    let mut functions = Vec::new();
    for (id, resource) in template.of_kind("AWS::Serverless::Function") {
        functions.push(function_spec(template, id, resource, &parameters, &physical)?);
    }
    Ok(Stack {
        parameters,
        physical,
        functions,
        queue_urls,
    })
}

fn table_arn(name: &str) -> String {
    use crate::template::{ACCOUNT_ID, REGION};
    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}")
}

fn text(value: Option<&Value>, at: &str) -> Result<String, TemplateError> {
    value.and_then(scalar).ok_or_else(|| TemplateError::Invalid {
        at: at.to_owned(),
        problem: "missing".to_owned(),
    })
}

fn key_schema(list: Option<&Value>, at: &str) -> Result<Vec<KeySchemaElement>> {
    let mut keys = Vec::new();
    for key in list.and_then(Value::as_sequence).into_iter().flatten() {
        let kind = match text(key.get("KeyType"), at)?.as_str() {
            "HASH" => KeyType::Hash,
            _ => KeyType::Range,
        };
        keys.push(
            KeySchemaElement::builder()
                .attribute_name(text(key.get("AttributeName"), at)?)
                .key_type(kind)
                .build()?,
        );
    }
    Ok(keys)
}

async fn create_table(
    id: &str,
    table: &Resource,
    params: &BTreeMap<String, String>,
    physical: &Physical,
    client: &aws_sdk_dynamodb::Client,
) -> Result<String> {
    let p = &table.properties;
    let at = format!("Resources.{id}");
    let name = resolve(p.get("TableName").unwrap_or(&Value::Null), params, physical, &at)?;
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(p.get("KeySchema"), &at)?));
    for def in p
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let kind = match text(def.get("AttributeType"), &at)?.as_str() {
            "N" => ScalarAttributeType::N,
            "B" => ScalarAttributeType::B,
            _ => ScalarAttributeType::S,
        };
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(def.get("AttributeName"), &at)?)
                .attribute_type(kind)
                .build()?,
        );
    }
    for gsi in p
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let projection = match gsi
            .get("Projection")
            .and_then(|p| p.get("ProjectionType"))
            .and_then(scalar)
        {
            Some(kind) if kind == "KEYS_ONLY" => ProjectionType::KeysOnly,
            Some(kind) if kind == "INCLUDE" => ProjectionType::Include,
            _ => ProjectionType::All,
        };
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(gsi.get("IndexName"), &at)?)
                .set_key_schema(Some(key_schema(gsi.get("KeySchema"), &at)?))
                .projection(Projection::builder().projection_type(projection).build())
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
        Err(e) => return Err(anyhow::Error::new(e).context(format!("creating table {name}"))),
    }
    let ttl = p.get("TimeToLiveSpecification");
    if let Some(attribute) = ttl.and_then(|t| t.get("AttributeName")).and_then(scalar) {
        // Accepted by the emulator (which never deletes): the code checks expiry itself.
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(attribute)
            .enabled(true)
            .build()?;
        let _ = client
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(spec)
            .send()
            .await;
    }
    Ok(name)
}

async fn create_queue(
    id: &str,
    queue: &Resource,
    params: &BTreeMap<String, String>,
    physical: &Physical,
    client: &aws_sdk_sqs::Client,
) -> Result<(String, String, String)> {
    let p = &queue.properties;
    let at = format!("Resources.{id}");
    let name = resolve(p.get("QueueName").unwrap_or(&Value::Null), params, physical, &at)?;
    let mut request = client.create_queue().queue_name(&name);
    for (property, attribute) in [
        ("VisibilityTimeout", QueueAttributeName::VisibilityTimeout),
        (
            "MessageRetentionPeriod",
            QueueAttributeName::MessageRetentionPeriod,
        ),
        ("FifoQueue", QueueAttributeName::FifoQueue),
    ] {
        if let Some(value) = p.get(property) {
            request = request.attributes(attribute, resolve(value, params, physical, &at)?);
        }
    }
    if let Some(policy) = p.get("RedrivePolicy") {
        let target = resolve(
            policy.get("deadLetterTargetArn").unwrap_or(&Value::Null),
            params,
            physical,
            &format!("{at}.RedrivePolicy"),
        )?;
        let max = text(policy.get("maxReceiveCount"), &format!("{at}.RedrivePolicy"))?;
        let json = serde_json::json!({"deadLetterTargetArn": target, "maxReceiveCount": max.parse::<u32>()?});
        request = request.attributes(QueueAttributeName::RedrivePolicy, json.to_string());
    }
    let url = request
        .send()
        .await
        .with_context(|| format!("creating queue {name}"))?
        .queue_url
        .context("CreateQueue answered without a URL")?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .context("the queue has no ARN")?;
    Ok((name, url, arn))
}

fn function_spec(
    template: &Template,
    id: &str,
    resource: &Resource,
    params: &BTreeMap<String, String>,
    physical: &Physical,
) -> Result<FunctionSpec> {
    let at = format!("Resources.{id}");
    let binary = resource
        .metadata
        .get("BuildProperties")
        .and_then(|b| b.get("Binary"))
        .and_then(scalar)
        .with_context(|| format!("{at}: Metadata.BuildProperties.Binary names no binary"))?;
    let number = |name: &str, default: u64| {
        template
            .function_property(resource, name)
            .and_then(|v| scalar(&v))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut environment = BTreeMap::new();
    for (name, value) in template.function_environment(resource) {
        environment.insert(
            name.clone(),
            resolve(&value, params, physical, &format!("{at}.Environment.{name}"))?,
        );
    }
    let function_name = resource
        .properties
        .get("FunctionName")
        .map(|name| resolve(name, params, physical, &format!("{at}.FunctionName")))
        .transpose()?;
    let mut triggers = Vec::new();
    for (_, event) in resource
        .properties
        .get("Events")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        if let Some(trigger) = trigger(event, params, physical, &at)? {
            triggers.push(trigger);
        }
    }
    Ok(FunctionSpec {
        logical_id: id.to_owned(),
        binary,
        function_name,
        timeout_secs: number("Timeout", 3),
        memory_mb: u32::try_from(number("MemorySize", 128)).unwrap_or(128),
        environment,
        triggers,
    })
}

fn trigger(
    event: &Value,
    params: &BTreeMap<String, String>,
    physical: &Physical,
    at: &str,
) -> Result<Option<Trigger>> {
    let kind = event.get("Type").and_then(scalar).unwrap_or_default();
    let p = event.get("Properties").cloned().unwrap_or(Value::Null);
    Ok(match kind.as_str() {
        "HttpApi" => Some(Trigger::Http {
            method: text(p.get("Method"), at)?.to_ascii_uppercase(),
            path: text(p.get("Path"), at)?,
        }),
        "SQS" => {
            let arn = resolve(p.get("Queue").unwrap_or(&Value::Null), params, physical, at)?;
            let queue_logical_id = physical
                .attrs
                .iter()
                .find(|((_, attr), value)| attr == "Arn" && **value == arn)
                .map(|((id, _), _)| id.clone())
                .with_context(|| format!("{at}: the SQS event names an unknown queue {arn}"))?;
            let report = p
                .get("FunctionResponseTypes")
                .and_then(Value::as_sequence)
                .is_some_and(|types| {
                    types
                        .iter()
                        .any(|t| t.as_str() == Some("ReportBatchItemFailures"))
                });
            Some(Trigger::Sqs {
                queue_logical_id,
                batch_size: p
                    .get("BatchSize")
                    .and_then(scalar)
                    .and_then(|b| b.parse().ok())
                    .unwrap_or(10),
                max_concurrency: p
                    .get("ScalingConfig")
                    .and_then(|s| s.get("MaximumConcurrency"))
                    .and_then(scalar)
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(2),
                report_batch_item_failures: report,
            })
        }
        "Schedule" | "ScheduleV2" => Some(Trigger::Schedule {
            expression: resolve(
                p.get("Schedule")
                    .or_else(|| p.get("ScheduleExpression"))
                    .unwrap_or(&Value::Null),
                params,
                physical,
                at,
            )?,
            input: p
                .get("Input")
                .map(|i| resolve(i, params, physical, at))
                .transpose()?,
        }),
        _ => None,
    })
}
