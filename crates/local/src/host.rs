//! The whole spine on one machine: provision the template into emulated AWS, seed the
//! secrets, start Odoo (the simulator unless a real one is configured), run every
//! function's binary, and put the HTTP route, the SQS pollers and the schedules in front.

use crate::gateway::{self, Route};
use crate::poller::{self, PollStats, PollerConfig};
use crate::runtime_api::{FunctionHost, FunctionLaunch};
use crate::stack::{self, Clients, Stack, Trigger};
use crate::template::Template;
use anyhow::{Context, Result, bail};
use odoo_sim::{SimConfig, SimHandle};
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The template parameter naming the Odoo secret.
pub const PARAM_ODOO_SECRET: &str = "OdooSecretName";
/// The template parameter naming the webhook signing secret.
pub const PARAM_WEBHOOK_SECRET: &str = "WebhookSecretName";

/// The signing secrets the local run gives each webhook source: the same test values
/// the samples in events/webhook/ are signed with, so `curl --data-binary` of a sample
/// body with its headers verifies. Never use them anywhere else.
pub const LOCAL_WEBHOOK_SECRETS: &str = r#"{
  "shopify": "shpss_spine_test_shopify",
  "woocommerce": "wc_spine_test_secret",
  "stripe": "whsec_spine_test_stripe",
  "midtrans": "SB-Mid-server-spine-test",
  "xendit": "xnd_callback_token_spine_test",
  "tokopedia": "tokopedia_spine_test_secret",
  "carrier": "carrier_spine_test_secret"
}"#;

/// The products the simulator is seeded with: every SKU the samples order.
pub const DEMO_CATALOG: &[(&str, &str, f64, f64)] = &[
    ("MUG-01", "Enamel mug", 12.5, 40.0),
    ("STK-PACK", "Sticker pack", 4.0, 200.0),
    ("TEE-BLK-M", "T-shirt black M", 25.0, 30.0),
    ("KOPI-ARB-250", "Arabica coffee 250 g", 85000.0, 60.0),
    ("GELAS-01", "Glass", 15000.0, 80.0),
];

/// How to run the local spine.
#[derive(Debug, Clone)]
pub struct HostOptions {
    pub template: PathBuf,
    /// Where the function binaries are (`target/debug`).
    pub bin_dir: PathBuf,
    /// The emulated AWS endpoint.
    pub aws_endpoint: String,
    /// Where the HTTP API listens (port 0 picks one).
    pub http_bind: SocketAddr,
    /// How often scheduled functions run locally (`None`: never, invoke them by hand).
    pub schedule_every: Option<Duration>,
    /// Template parameter overrides.
    pub parameters: BTreeMap<String, String>,
    /// A real Odoo (`spine_odoo::OdooConfig::from_env`) instead of the simulator.
    pub odoo: Option<spine_odoo::OdooConfig>,
    /// The simulator's settings when it is used.
    pub sim: SimConfig,
    /// Processes per function that is not an SQS consumer (SQS consumers get one per
    /// unit of their mapping's maximum concurrency).
    pub processes: usize,
    /// Variables set on every function process on top of the template's (test modes
    /// such as the proof's; never anything a deployed stack needs).
    pub extra_env: BTreeMap<String, String>,
}

/// The running local spine.
pub struct Host {
    pub stack: Stack,
    pub http_url: String,
    pub sim: Option<SimHandle>,
    pub functions: BTreeMap<String, Arc<FunctionHost>>,
    pub poll_stats: BTreeMap<String, Arc<std::sync::Mutex<PollStats>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Host {
    /// Starts everything; returns once the HTTP API listens and every process is spawned.
    pub async fn start(options: HostOptions) -> Result<Self> {
        let template = Template::load(&options.template)?;
        let mut parameters = template.parameters.clone();
        parameters.extend(options.parameters.clone());
        let clients = clients(&options.aws_endpoint).await;
        let stack = stack::provision(&template, parameters, &clients).await?;
        let (odoo_secret, sim) = start_odoo(&options).await?;
        seed_secrets(&stack, &clients, &odoo_secret).await?;

        let mut functions = BTreeMap::new();
        for spec in &stack.functions {
            let binary = options.bin_dir.join(&spec.binary);
            if !binary.exists() {
                bail!(
                    "{} is not built: run `cargo build --bins` (infra/local does) before starting the local spine",
                    binary.display()
                );
            }
            let processes = spec
                .triggers
                .iter()
                .map(|t| match t {
                    Trigger::Sqs { max_concurrency, .. } => *max_concurrency,
                    _ => options.processes,
                })
                .max()
                .unwrap_or(1);
            let mut environment = spec.environment.clone();
            environment.extend(aws_environment(&options.aws_endpoint));
            environment.extend(options.extra_env.clone());
            let launch = FunctionLaunch {
                name: spec.logical_id.clone(),
                binary,
                environment,
                timeout: Duration::from_secs(spec.timeout_secs),
                memory_mb: spec.memory_mb,
                processes,
            };
            functions.insert(
                spec.logical_id.clone(),
                Arc::new(FunctionHost::start(launch).await?),
            );
        }

        let mut host = Self {
            http_url: String::new(),
            sim,
            functions,
            poll_stats: BTreeMap::new(),
            tasks: Vec::new(),
            stack,
        };
        host.start_triggers(&clients, &options).await?;
        Ok(host)
    }

    async fn start_triggers(&mut self, clients: &Clients, options: &HostOptions) -> Result<()> {
        let mut routes = Vec::new();
        for spec in &self.stack.functions {
            let function = self.functions[&spec.logical_id].clone();
            for trigger in &spec.triggers {
                match trigger {
                    Trigger::Http { method, path } => routes.push(Route {
                        method: method.clone(),
                        path: path.clone(),
                        function: function.clone(),
                    }),
                    Trigger::Sqs {
                        queue_logical_id,
                        batch_size,
                        max_concurrency,
                        report_batch_item_failures,
                    } => {
                        let config = PollerConfig {
                            queue_url: self.stack.queue_urls[queue_logical_id].clone(),
                            queue_arn: self.stack.physical.attrs[&(queue_logical_id.clone(), "Arn".into())]
                                .clone(),
                            batch_size: *batch_size,
                            report_batch_item_failures: *report_batch_item_failures,
                        };
                        let stats = self
                            .poll_stats
                            .entry(spec.logical_id.clone())
                            .or_default()
                            .clone();
                        for _ in 0..*max_concurrency {
                            let task = poller::run(
                                clients.sqs.clone(),
                                function.clone(),
                                config.clone(),
                                stats.clone(),
                            );
                            self.tasks.push(tokio::spawn(task));
                        }
                    }
                    Trigger::Schedule { input, .. } => {
                        if let Some(every) = options.schedule_every {
                            let event = schedule_event(&spec.logical_id, input.as_deref());
                            self.tasks
                                .push(tokio::spawn(tick(function.clone(), every, event)));
                        }
                    }
                }
            }
        }
        let listener = tokio::net::TcpListener::bind(options.http_bind).await?;
        self.http_url = format!("http://{}", listener.local_addr()?);
        let app = gateway::router(routes);
        self.tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        Ok(())
    }

    /// A function by its template logical id.
    pub fn function(&self, logical_id: &str) -> Option<Arc<FunctionHost>> {
        self.functions.get(logical_id).cloned()
    }

    /// Stops pollers, schedules, the HTTP API, every process and the simulator.
    pub async fn shutdown(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        for function in self.functions.values() {
            function.stop();
        }
        if let Some(sim) = self.sim.take() {
            sim.shutdown().await;
        }
    }
}

async fn clients(endpoint: &str) -> Clients {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(crate::template::REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "spine-local",
        ))
        .load()
        .await;
    Clients {
        dynamodb: aws_sdk_dynamodb::Client::new(&config),
        sqs: aws_sdk_sqs::Client::new(&config),
        secrets: aws_sdk_secretsmanager::Client::new(&config),
    }
}

/// What every local function process gets so its SDK clients reach the emulator.
pub fn aws_environment(endpoint: &str) -> BTreeMap<String, String> {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", crate::template::REGION),
        ("AWS_DEFAULT_REGION", crate::template::REGION),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

async fn start_odoo(options: &HostOptions) -> Result<(serde_json::Value, Option<SimHandle>)> {
    if let Some(config) = &options.odoo {
        let secret = serde_json::json!({
            "url": config.url.as_str(),
            "db": config.database,
            "login": config.login,
            "api_key": config.api_key.expose_secret(),
            "protocol": config.protocol.to_string(),
        });
        return Ok((secret, None));
    }
    let sim = SimHandle::start(options.sim.clone())
        .await
        .context("starting the Odoo simulator")?;
    let config = spine_odoo::OdooConfig::new(
        &sim.url(),
        &options.sim.database,
        &options.sim.login,
        secrecy::SecretString::from(options.sim.api_key.clone()),
    )?;
    seed_catalog(&spine_odoo::OdooClient::new(config)?, true).await?;
    let secret = serde_json::json!({
        "url": sim.url(),
        "db": options.sim.database,
        "login": options.sim.login,
        "api_key": options.sim.api_key,
        "protocol": "auto",
    });
    Ok((secret, Some(sim)))
}

/// Creates the demo products that are not there yet (with stock when `with_stock`): the
/// simulator always, a real Odoo only when a test asks (never by `spine-local up`).
pub async fn seed_catalog(odoo: &spine_odoo::OdooClient, with_stock: bool) -> Result<()> {
    let codes: Vec<&str> = DEMO_CATALOG.iter().map(|(sku, ..)| *sku).collect();
    let domain = spine_odoo::Domain::all().is_in("default_code", codes);
    let existing = odoo
        .search_read(
            "product.product",
            &domain,
            &["default_code"],
            &spine_odoo::SearchOpts::default(),
        )
        .await?;
    let present: Vec<&str> = existing
        .iter()
        .filter_map(|r| r.get("default_code")?.as_str())
        .collect();
    let missing: Vec<_> = DEMO_CATALOG
        .iter()
        .filter(|(sku, ..)| !present.contains(sku))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let products: Vec<spine_odoo::Record> = missing
        .iter()
        .map(|(sku, name, price, _)| {
            let value = serde_json::json!({"default_code": sku, "name": name, "list_price": price, "is_storable": true});
            value.as_object().cloned().unwrap_or_default()
        })
        .collect();
    let ids = odoo.create("product.product", &products).await?;
    if !with_stock {
        // A real Odoo books stock through inventory adjustments on a location: leave it.
        return Ok(());
    }
    let quants: Vec<spine_odoo::Record> = ids
        .iter()
        .zip(&missing)
        .map(|(id, (_, _, _, qty))| {
            serde_json::json!({"product_id": id, "quantity": qty})
                .as_object()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    odoo.create("stock.quant", &quants).await?;
    Ok(())
}

async fn seed_secrets(stack: &Stack, clients: &Clients, odoo_secret: &serde_json::Value) -> Result<()> {
    let secrets = [
        (PARAM_ODOO_SECRET, odoo_secret.to_string()),
        (PARAM_WEBHOOK_SECRET, LOCAL_WEBHOOK_SECRETS.to_owned()),
    ];
    for (parameter, value) in secrets {
        let Some(name) = stack.parameters.get(parameter) else {
            bail!("template.yaml has no parameter {parameter}");
        };
        put_secret(&clients.secrets, name, &value).await?;
    }
    Ok(())
}

async fn put_secret(client: &aws_sdk_secretsmanager::Client, name: &str, value: &str) -> Result<()> {
    match client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_exists_exception()) =>
        {
            client
                .put_secret_value()
                .secret_id(name)
                .secret_string(value)
                .send()
                .await?;
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("creating secret {name}"))),
    }
}

/// The EventBridge scheduled event (or the schedule's fixed input).
pub fn schedule_event(rule: &str, input: Option<&str>) -> serde_json::Value {
    if let Some(value) = input.and_then(|i| serde_json::from_str(i).ok()) {
        return value;
    }
    serde_json::json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": crate::template::ACCOUNT_ID,
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": crate::template::REGION,
        "resources": [format!("arn:aws:events:{}:{}:rule/{rule}", crate::template::REGION, crate::template::ACCOUNT_ID)],
        "detail": {},
    })
}

async fn tick(function: Arc<FunctionHost>, every: Duration, event: serde_json::Value) {
    let mut interval = tokio::time::interval(every);
    interval.tick().await;
    loop {
        interval.tick().await;
        match function.invoke(event.clone()).await {
            Ok(answer) => tracing::info!(function = function.name(), %answer, "scheduled run done"),
            Err(e) => tracing::warn!(function = function.name(), "scheduled run failed: {e}"),
        }
    }
}
