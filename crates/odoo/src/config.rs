//! Client configuration: where Odoo is, who we are, which protocol, timeouts, retries.
//!
//! Everything is validated when the configuration is built, so a bad URL or protocol
//! name fails at cold start with a clear message instead of on the first event.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

/// Why a configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The URL does not parse or is not plain http(s) without a query.
    #[error("invalid Odoo URL {url:?}: {reason}")]
    Url {
        /// The URL as given (it never holds the API key).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The protocol name is not one of `json2`, `jsonrpc`, `auto`.
    #[error("invalid Odoo protocol {0:?}: expected json2, jsonrpc or auto")]
    Protocol(String),
    /// A required environment variable is absent or not unicode.
    #[error("environment variable {0} is missing or not valid unicode")]
    MissingEnv(&'static str),
    /// The HTTP client could not be built or a request could not be formed.
    #[error("HTTP client setup failed: {0}")]
    HttpClient(String),
    /// A field that must not be empty is empty, or a number is out of range.
    #[error("invalid Odoo setting {field}: {reason}")]
    Invalid {
        /// The setting's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Which wire protocol the client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `POST /json/2/<model>/<method>` with a bearer API key (Odoo 19+).
    Json2,
    /// `POST /jsonrpc` with `common.authenticate` and `object.execute_kw` (Odoo 8 to 21).
    JsonRpc,
    /// Ask `common.version` once: JSON-2 from major version 19 on, JSON-RPC before.
    Auto,
}

impl Protocol {
    /// The name accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Json2 => "json2",
            Protocol::JsonRpc => "jsonrpc",
            Protocol::Auto => "auto",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = ConfigError;

    /// Accepts `json2`, `jsonrpc` or `auto`, ignoring case and surrounding blanks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json2" => Ok(Protocol::Json2),
            "jsonrpc" => Ok(Protocol::JsonRpc),
            "auto" => Ok(Protocol::Auto),
            _ => Err(ConfigError::Protocol(s.to_owned())),
        }
    }
}

/// How transient failures are retried: exponential backoff with full jitter.
///
/// Attempt `n` (from 1) waits a random delay in `0..=min(max_delay, base_delay * 2^(n-1))`,
/// or the server's `Retry-After` when it gave one. A `Retry-After` longer than
/// `max_delay` is not slept on inside the call: the error is returned so the caller's
/// queue can wait instead of a Lambda burning its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 means never retry).
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry.
    pub base_delay: Duration,
    /// The largest delay ever slept between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The full-jitter delay before attempt `attempt + 1`, given that `attempt` failed.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let ceiling = self.base_delay.saturating_mul(1u32 << exp).min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Everything the client needs to reach one Odoo database.
#[derive(Clone, Debug)]
pub struct OdooConfig {
    /// Base URL, e.g. `https://erp.example.com` (a path prefix is kept).
    pub url: Url,
    /// The database name (`X-Odoo-Database` on JSON-2, first argument on JSON-RPC).
    pub database: String,
    /// The login the API key belongs to (JSON-RPC `authenticate` needs it).
    pub login: String,
    /// The API key; an empty key sends no bearer (the server then answers a
    /// configuration error).
    pub api_key: SecretString,
    /// Which protocol to speak.
    pub protocol: Protocol,
    /// Time allowed to open a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole HTTP exchange.
    pub request_timeout: Duration,
    /// How transient failures are retried.
    pub retry: RetryPolicy,
}

impl OdooConfig {
    /// A configuration with default timeouts (5 s connect, 30 s request), default retries
    /// and protocol `Auto`. Fails on a URL that is not absolute http(s).
    pub fn new(url: &str, database: &str, login: &str, api_key: SecretString) -> Result<Self, ConfigError> {
        if database.trim().is_empty() {
            return Err(ConfigError::Invalid {
                field: "database",
                reason: "must not be empty",
            });
        }
        Ok(Self {
            url: parse_url(url)?,
            database: database.to_owned(),
            login: login.to_owned(),
            api_key,
            protocol: Protocol::Auto,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        })
    }

    /// Builder-style protocol choice.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Builder-style timeouts.
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }

    /// Builder-style retry policy; `max_attempts` 0 is read as 1.
    pub fn with_retry(mut self, mut retry: RetryPolicy) -> Self {
        retry.max_attempts = retry.max_attempts.max(1);
        self.retry = retry;
        self
    }

    /// Reads `ODOO_URL`, `ODOO_DB`, `ODOO_LOGIN`, `ODOO_API_KEY` and the optional
    /// `ODOO_PROTOCOL` (default `auto`). Returns `Ok(None)` when `ODOO_URL` is unset.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        let Ok(url) = std::env::var("ODOO_URL") else {
            return Ok(None);
        };
        let var = |name: &'static str| std::env::var(name).map_err(|_| ConfigError::MissingEnv(name));
        let key = SecretString::from(var("ODOO_API_KEY")?);
        let config = Self::new(&url, &var("ODOO_DB")?, &var("ODOO_LOGIN")?, key)?;
        let protocol = match std::env::var("ODOO_PROTOCOL") {
            Ok(p) => p.parse()?,
            Err(_) => Protocol::Auto,
        };
        Ok(Some(config.with_protocol(protocol)))
    }

    /// The URL of a path below the base URL (`jsonrpc`, `json/2/res.partner/read`).
    pub(crate) fn endpoint(&self, path: &str) -> Url {
        let mut url = self.url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/{path}"));
        url
    }
}

fn parse_url(raw: &str) -> Result<Url, ConfigError> {
    let err = |reason: &str| ConfigError::Url {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| err(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err("a host is required"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("a query or fragment is not allowed"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err("credentials belong in the API key, not the URL"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretString {
        SecretString::from("k".to_owned())
    }

    #[test]
    fn protocol_parses_the_three_names_and_rejects_others() {
        assert_eq!("json2".parse::<Protocol>().ok(), Some(Protocol::Json2));
        assert_eq!(" JsonRpc ".parse::<Protocol>().ok(), Some(Protocol::JsonRpc));
        assert_eq!("auto".parse::<Protocol>().ok(), Some(Protocol::Auto));
        let err = "xmlrpc".parse::<Protocol>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid Odoo protocol \"xmlrpc\": expected json2, jsonrpc or auto")
        );
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        for bad in [
            "",
            "erp.example.com",
            "ftp://erp.example.com",
            "http://u:p@erp.example.com",
            "http://x/?db=a",
        ] {
            let err = OdooConfig::new(bad, "db", "admin", key()).err();
            assert!(
                matches!(err, Some(ConfigError::Url { .. })),
                "{bad:?} gave {err:?}"
            );
        }
        assert!(matches!(
            OdooConfig::new("http://x", " ", "a", key()),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn endpoint_keeps_a_path_prefix() {
        let cfg = OdooConfig::new("https://erp.example.com/odoo/", "db", "admin", key()).ok();
        let url = cfg.map(|c| c.endpoint("json/2/res.partner/read").to_string());
        assert_eq!(
            url.as_deref(),
            Some("https://erp.example.com/odoo/json/2/res.partner/read")
        );
        let cfg = OdooConfig::new("http://127.0.0.1:8069", "db", "admin", key()).ok();
        assert_eq!(
            cfg.map(|c| c.endpoint("jsonrpc").to_string()).as_deref(),
            Some("http://127.0.0.1:8069/jsonrpc")
        );
    }

    #[test]
    fn backoff_stays_under_the_exponential_ceiling() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(2) <= Duration::from_millis(200));
            assert!(p.backoff(3) <= Duration::from_millis(350));
            assert!(p.backoff(40) <= Duration::from_millis(350));
        }
        // Full jitter spreads the delays: 200 draws are not all equal.
        let draws: std::collections::HashSet<_> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(draws.len() > 10);
    }
}
