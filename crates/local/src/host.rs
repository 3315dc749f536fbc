//! The whole spine on one machine: provision the template into emulated AWS, seed the
//! secrets, start Odoo (the simulator unless a real one is configured), run every
//! function's binary, and put the HTTP route, the SQS pollers and the schedules in front.

use crate::gateway::{self, Route};
use crate::invoke_api::InvokeTargets;
use crate::odoo::PARAM_DEFAULT_BANK_JOURNAL;
use crate::poller::{self, PollStats, PollerConfig};
use crate::runtime_api::{FunctionHost, FunctionLaunch};
use crate::stack::{self, Clients, Stack, Trigger};
use crate::template::Template;
use anyhow::{Context, Result, bail};
use odoo_sim::{SimConfig, SimHandle};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The template parameter naming the Odoo secret.
pub const PARAM_ODOO_SECRET: &str = "OdooSecretName";
/// The template parameter naming the webhook signing secret.
pub const PARAM_WEBHOOK_SECRET: &str = "WebhookSecretName";

// Kept here too: the proof and the tests name them by this path.
pub use crate::odoo::{DEMO_CATALOG, seed_catalog};

/// How long start-up waits for every process to ask for its first event.
const READY_WITHIN: Duration = Duration::from_secs(60);

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
    /// Starts everything; returns once the HTTP API listens and every process has asked
    /// for its first event. Fails (after stopping what it started) when a function
    /// crash-loops at start, naming it with its last output lines.
    ///
    /// With the simulator and no `DefaultBankJournal` in `options.parameters`, the
    /// parameter is set to the simulator's bank journal (asked of its Odoo API).
    pub async fn start(options: HostOptions) -> Result<Self> {
        let template = Template::load(&options.template)?;
        let clients = clients(&options.aws_endpoint).await;
        let odoo = crate::odoo::start(options.odoo.as_ref(), &options.sim).await?;
        let mut parameters = template.parameters.clone();
        if let Some(journal) = odoo.bank_journal {
            parameters.insert(PARAM_DEFAULT_BANK_JOURNAL.to_owned(), journal.to_string());
        }
        parameters.extend(options.parameters.clone());
        let stack = stack::provision(&template, parameters, &clients).await?;
        seed_secrets(&stack, &clients, &odoo.secret).await?;
        let functions = start_functions(&stack, &options).await?;
        let mut host = Self {
            http_url: String::new(),
            sim: odoo.sim,
            functions,
            poll_stats: BTreeMap::new(),
            tasks: Vec::new(),
            stack,
        };
        if let Err(e) = host.wait_ready().await {
            host.shutdown().await;
            return Err(e);
        }
        host.start_triggers(&clients, &options).await?;
        Ok(host)
    }

    /// Waits for every function's processes to ask for their first event; a crash loop
    /// is an error, a slow start only a warning (a busy machine is not a broken spine).
    async fn wait_ready(&self) -> Result<()> {
        for (name, function) in &self.functions {
            match function.ready(READY_WITHIN).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    function = %name,
                    "not ready after {READY_WITHIN:?}; carrying on (invocations wait for it)"
                ),
                Err(crash) => bail!("the local spine cannot start: {crash}"),
            }
        }
        Ok(())
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

    /// Serves the Lambda Invoke API ([`crate::invoke_api`]) on `bind` (port 0 picks
    /// one) and answers where it listens; call it again for another address.
    pub async fn serve_invoke(&mut self, bind: SocketAddr) -> Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("listening on {bind} for the Lambda Invoke API"))?;
        let address = listener.local_addr()?;
        let targets = InvokeTargets::new(&self.stack.functions, &self.functions);
        let app = crate::invoke_api::router(targets);
        self.tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        Ok(address)
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

/// Spawns every function's processes (one per unit of an SQS mapping's concurrency).
async fn start_functions(
    stack: &Stack,
    options: &HostOptions,
) -> Result<BTreeMap<String, Arc<FunctionHost>>> {
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
    Ok(functions)
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
