//! The client: one reused HTTP connection pool, protocol choice, authentication,
//! the retry loop, and round-trip counting. The typed calls live in `calls.rs`.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell};
use tracing::{Instrument, field};

use crate::classify::{Answer, json2_answer, jsonrpc_answer, parse_retry_after};
use crate::config::{ConfigError, OdooConfig, Protocol};
use crate::error::{ErrorKind, OdooError, Phase};
use crate::metrics::{Recorder, RpcMetrics};
use crate::wire::{Call, CallKind, jsonrpc_envelope};

/// A client for one Odoo database. Cheap to clone: clones share the connection pool,
/// the cached protocol and uid, the API key and the metrics.
///
/// Contract: a call either returns Odoo's answer or an [`OdooError`] whose kind says what
/// to do. Transient failures are retried inside the call per the [`crate::RetryPolicy`],
/// except that a non-idempotent call ([`CallKind::is_idempotent`]) is never sent again
/// once it may have reached the server.
#[derive(Clone)]
pub struct OdooClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: OdooConfig,
    http: reqwest::Client,
    api_key: RwLock<SecretString>,
    uid: Mutex<Option<i64>>,
    protocol: OnceCell<Protocol>,
    next_id: AtomicU64,
    metrics: Recorder,
}

impl std::fmt::Debug for OdooClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooClient")
            .field("url", &self.inner.config.url.as_str())
            .field("database", &self.inner.config.database)
            .field("protocol", &self.inner.config.protocol)
            .finish_non_exhaustive()
    }
}

impl OdooClient {
    /// Builds the HTTP client (timeouts from the config, no hidden retries). Sends nothing.
    pub fn new(config: OdooConfig) -> Result<Self, OdooError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .retry(reqwest::retry::never())
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        let protocol = OnceCell::new();
        if config.protocol != Protocol::Auto {
            let _ = protocol.set(config.protocol);
        }
        let api_key = RwLock::new(config.api_key.clone());
        let inner = Inner {
            config,
            http,
            api_key,
            uid: Mutex::new(None),
            protocol,
            next_id: AtomicU64::new(1),
            metrics: Recorder::default(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The configuration the client was built with (the key as first given).
    pub fn config(&self) -> &OdooConfig {
        &self.inner.config
    }

    /// Replaces the API key after a secret rotation and forgets the cached uid, so the
    /// next call authenticates with the new key. Use it once on a credentials error,
    /// then retry the call.
    pub async fn set_api_key(&self, key: SecretString) {
        *self.inner.api_key.write().unwrap_or_else(PoisonError::into_inner) = key;
        *self.inner.uid.lock().await = None;
    }

    /// A snapshot of the round-trip counters (see [`RpcMetrics::since`]).
    pub fn metrics(&self) -> RpcMetrics {
        self.inner.metrics.snapshot()
    }

    /// Sets the counters back to zero.
    pub fn reset_metrics(&self) {
        self.inner.metrics.reset();
    }

    fn key(&self) -> SecretString {
        self.inner
            .api_key
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The protocol on the wire: the configured one, or for `Auto` the answer of one
    /// `common.version` (cached for the client's life).
    pub async fn protocol(&self) -> Result<Protocol, OdooError> {
        let resolve = || self.retrying(CallKind::Read, || self.ask_version());
        self.inner.protocol.get_or_try_init(resolve).await.copied()
    }

    async fn ask_version(&self) -> Result<Protocol, OdooError> {
        let version = self.jsonrpc("common", "version", json!([])).await?;
        let major = version
            .get("server_version_info")
            .and_then(|v| v.get(0))
            .and_then(Value::as_u64);
        let Some(major) = major else {
            return Err(OdooError::Protocol {
                detail: "common.version without server_version_info".into(),
                source: None,
            });
        };
        tracing::info!(major, "odoo server version");
        Ok(if major >= 19 {
            Protocol::Json2
        } else {
            Protocol::JsonRpc
        })
    }

    /// The uid of the configured login, authenticating once (single flight).
    async fn uid(&self) -> Result<i64, OdooError> {
        let mut cached = self.inner.uid.lock().await;
        if let Some(uid) = *cached {
            return Ok(uid);
        }
        let cfg = &self.inner.config;
        let key = self.key();
        let args = json!([cfg.database, cfg.login, key.expose_secret(), {}]);
        let answer = self.jsonrpc("common", "authenticate", args).await?;
        let uid = match answer {
            Value::Number(n) => n.as_i64(),
            Value::Bool(false) => {
                return Err(OdooError::AuthenticationFailed {
                    login: cfg.login.clone(),
                    database: cfg.database.clone(),
                });
            }
            _ => None,
        };
        let uid = uid.ok_or_else(|| OdooError::Protocol {
            detail: "authenticate answered neither a uid nor false".into(),
            source: None,
        })?;
        *cached = Some(uid);
        Ok(uid)
    }

    /// Runs one ORM call on the configured protocol, with retries.
    pub async fn execute(&self, call: &Call) -> Result<Value, OdooError> {
        let protocol = self.protocol().await?;
        if protocol == Protocol::JsonRpc {
            self.retrying(CallKind::Read, || self.uid()).await?;
        }
        let span = tracing::info_span!("odoo_call", model = %call.model, method = %call.method, protocol = %protocol, attempt = field::Empty);
        self.retrying(call.kind, || {
            let span = span.clone();
            async move {
                match protocol {
                    Protocol::Json2 => self.json2_once(call).await,
                    _ => self.jsonrpc_once(call).await,
                }
            }
            .instrument(span)
        })
        .instrument(span.clone())
        .await
    }

    async fn json2_once(&self, call: &Call) -> Result<Value, OdooError> {
        let path = call.json2_path();
        let body = call.json2_body().to_string();
        let label = format!("{}.{}", call.model, call.method);
        self.post(&path, body, true, &label, json2_answer).await
    }

    async fn jsonrpc_once(&self, call: &Call) -> Result<Value, OdooError> {
        let uid = self.uid().await?;
        let args = call.execute_kw_args(&self.inner.config.database, uid, &self.key());
        let result = self
            .jsonrpc_labelled(
                "object",
                "execute_kw",
                args,
                &format!("{}.{}", call.model, call.method),
            )
            .await;
        if result.as_ref().is_err_and(|e| e.kind() == ErrorKind::Credentials) {
            // The key was rotated or revoked: authenticate again once the caller has a new one.
            *self.inner.uid.lock().await = None;
        }
        result
    }

    async fn jsonrpc(&self, service: &str, method: &str, args: Value) -> Result<Value, OdooError> {
        self.jsonrpc_labelled(service, method, args, &format!("{service}.{method}"))
            .await
    }

    async fn jsonrpc_labelled(
        &self,
        service: &str,
        method: &str,
        args: Value,
        label: &str,
    ) -> Result<Value, OdooError> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let body = jsonrpc_envelope(id, service, method, args).to_string();
        self.post("jsonrpc", body, false, label, |a| jsonrpc_answer(a, id))
            .await
    }

    /// One HTTP round trip, counted in the metrics whatever its outcome.
    async fn post<T>(
        &self,
        path: &str,
        body: String,
        bearer: bool,
        label: &str,
        decode: impl FnOnce(&Answer<'_>) -> Result<T, OdooError>,
    ) -> Result<T, OdooError> {
        let cfg = &self.inner.config;
        let mut req = self
            .inner
            .http
            .post(cfg.endpoint(path))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if bearer {
            req = req.header("X-Odoo-Database", &cfg.database);
            let key = self.key();
            if !key.expose_secret().is_empty() {
                let mut value =
                    HeaderValue::from_str(&format!("bearer {}", key.expose_secret())).map_err(|_| {
                        ConfigError::Invalid {
                            field: "api_key",
                            reason: "not a valid header value",
                        }
                    })?;
                value.set_sensitive(true);
                req = req.header(AUTHORIZATION, value);
            }
        }
        let started = Instant::now();
        let result = self.exchange(req).await;
        self.inner.metrics.record(label, started.elapsed());
        let (status, retry_after, bytes) = result?;
        let display_path = format!("/{path}");
        decode(&Answer {
            path: &display_path,
            status,
            retry_after,
            body: &bytes,
        })
    }

    async fn exchange(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<std::time::Duration>, Vec<u8>), OdooError> {
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let bytes = resp.bytes().await.map_err(transport)?;
        Ok((status, retry_after, bytes.to_vec()))
    }

    /// Runs `once` until it succeeds, fails permanently, may have applied a
    /// non-idempotent call, or the attempts run out. Sleeps full-jitter backoff, or the
    /// server's Retry-After when it fits under `max_delay`.
    async fn retrying<T, F, Fut>(&self, kind: CallKind, mut once: F) -> Result<T, OdooError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, OdooError>>,
    {
        let policy = self.inner.config.retry;
        let mut attempt = 1u32;
        loop {
            tracing::Span::current().record("attempt", attempt);
            let err = match once().await {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let unsafe_repeat = !kind.is_idempotent() && err.may_have_applied();
            if !err.is_transient() || attempt >= policy.max_attempts || unsafe_repeat {
                return Err(err);
            }
            let delay = match err.retry_after() {
                Some(hint) if hint > policy.max_delay => return Err(err),
                Some(hint) => hint,
                None => policy.backoff(attempt),
            };
            tracing::warn!(attempt, delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), error = %err, "odoo call failed, retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

fn transport(source: reqwest::Error) -> OdooError {
    if source.is_builder() {
        return OdooError::Config(ConfigError::HttpClient(source.to_string()));
    }
    if source.is_connect() {
        let what = if source.is_timeout() {
            "connect timeout"
        } else {
            "connect error"
        };
        return OdooError::Transport {
            phase: Phase::Connect,
            what,
            source,
        };
    }
    let what = if source.is_timeout() {
        "request timed out after sending"
    } else {
        "connection closed before a complete answer"
    };
    OdooError::Transport {
        phase: Phase::AfterSend,
        what,
        source,
    }
}
