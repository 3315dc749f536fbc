//! The HTTP sender every channel shares: per-request timeouts, `429` honoured with its
//! `Retry-After`, transient failures (connect errors, timeouts, 500/502/503/504) retried
//! with full-jitter backoff, everything else answered at once.
//!
//! Every push sets absolute levels, so resending a request whose answer was lost is safe.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{RequestBuilder, StatusCode};

/// How a channel request is retried.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// First backoff cap; doubled per attempt up to `max_delay`.
    pub base_delay: Duration,
    /// Largest backoff between attempts.
    pub max_delay: Duration,
    /// Longest `Retry-After` waited for; a longer one ends the request (retried next run),
    /// because waiting longer would eat the Lambda's timeout.
    pub max_retry_after: Duration,
    /// Time allowed for one whole exchange.
    pub request_timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            request_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Waits between attempts. Tests substitute one that records the waits and returns at
/// once, so `Retry-After` handling is checked exactly and without slow tests.
#[async_trait]
pub trait Pause: Send + Sync {
    /// Waits `duration`.
    async fn pause(&self, duration: Duration);
}

/// [`Pause`] with `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioPause;

#[async_trait]
impl Pause for TokioPause {
    async fn pause(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Why a channel request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Connect error, timeout or broken answer on the last attempt.
    #[error("request failed after {attempts} attempt(s)")]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
    /// A non-success status on the last attempt (body excerpt for the operator).
    #[error("channel answered HTTP {status} after {attempts} attempt(s): {excerpt}")]
    Status {
        /// The status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// First 200 characters of the body.
        excerpt: String,
    },
    /// The request could not be built (bad header value from configuration).
    #[error("the request could not be built")]
    Build(#[source] reqwest::Error),
}

impl HttpError {
    /// True when the next run may well succeed (rate limit, server or network trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Transport { .. } => true,
            HttpError::Status { status, .. } => is_retryable(*status),
            HttpError::Build(_) => false,
        }
    }
}

fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// reqwest client plus retry policy and request counter; one per run, shared by channels.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: HttpPolicy,
    pause: Arc<dyn Pause>,
    requests: Arc<AtomicU64>,
}

impl HttpClient {
    /// A client with `policy`'s timeouts, waiting with `pause` between attempts.
    pub fn new(policy: HttpPolicy, pause: Arc<dyn Pause>) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .build()
            .map_err(HttpError::Build)?;
        Ok(Self {
            client,
            policy,
            pause,
            requests: Arc::default(),
        })
    }

    /// The underlying client, to start building requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends the request `build` makes (called again for each attempt) and answers the
    /// body of the first 2xx answer.
    pub async fn send(&self, build: impl Fn() -> RequestBuilder) -> Result<Vec<u8>, HttpError> {
        let attempts = self.policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = build().build().map_err(HttpError::Build)?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let wait =
                match self.client.execute(request).await {
                    Ok(answer) if answer.status().is_success() => {
                        return answer.bytes().await.map(|b| b.to_vec()).map_err(|source| {
                            HttpError::Transport {
                                attempts: attempt,
                                source,
                            }
                        });
                    }
                    Ok(answer) => {
                        let status = answer.status();
                        let retry_after = retry_after(&answer);
                        let excerpt = excerpt(answer).await;
                        let error = HttpError::Status {
                            status: status.as_u16(),
                            attempts: attempt,
                            excerpt,
                        };
                        match self.next_wait(status, retry_after, attempt) {
                            Some(wait) if attempt < attempts => wait,
                            _ => return Err(error),
                        }
                    }
                    Err(source) if attempt < attempts => {
                        tracing::debug!(error = %source, attempt, "channel request failed, retrying");
                        self.backoff(attempt)
                    }
                    Err(source) => {
                        return Err(HttpError::Transport {
                            attempts: attempt,
                            source,
                        });
                    }
                };
            self.pause.pause(wait).await;
        }
    }

    /// The wait before the next attempt after `status`, or `None` when it is not retried.
    fn next_wait(&self, status: StatusCode, retry_after: Option<Duration>, attempt: u32) -> Option<Duration> {
        if !is_retryable(status.as_u16()) {
            return None;
        }
        match retry_after {
            Some(wait) if wait > self.policy.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempt)),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .policy
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.policy.max_delay);
        // Full jitter: channels see one spread-out retry wave instead of a synchronized one.
        cap.mul_f64(fastrand::f64())
    }
}

fn retry_after(answer: &reqwest::Response) -> Option<Duration> {
    let value = answer
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    spine_odoo::parse_retry_after(value, chrono::Utc::now())
}

async fn excerpt(answer: reqwest::Response) -> String {
    let body = answer.text().await.unwrap_or_default();
    body.chars().take(200).collect()
}
