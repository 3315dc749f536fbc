//! Configuration, fault settings and counters of one simulated Odoo server.

use std::time::Duration;

/// Configuration of one simulated Odoo server. `Default` gives: database "spine", login
/// "admin", api_key "sim-api-key", server_version "19.0", tax_rate_bp 1500 (15%),
/// stock_delivery true, company currency USD (active), EUR and IDR present but inactive,
/// no faults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The only database the server hosts; any other name is "unknown database".
    pub database: String,
    /// Login of the admin user (uid 2).
    pub login: String,
    /// The API key accepted as password (JSON-RPC) and bearer (JSON-2).
    pub api_key: String,
    /// "19.0" serves JSON-2; an older version answers `/json/2` with an HTML 404.
    pub server_version: String,
    /// Sales tax in basis points, applied to `amount_total`.
    pub tax_rate_bp: u32,
    /// Whether `stock.picking` has `carrier_tracking_ref` (module `stock_delivery`).
    pub stock_delivery: bool,
    /// Faults injected from the first request on.
    pub faults: Faults,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            database: "spine".to_owned(),
            login: "admin".to_owned(),
            api_key: "sim-api-key".to_owned(),
            server_version: "19.0".to_owned(),
            tax_rate_bp: 1500,
            stock_delivery: true,
            faults: Faults::default(),
        }
    }
}

impl SimConfig {
    /// The major version number, e.g. 19 for "19.0" (0 when unparsable).
    pub fn major_version(&self) -> u32 {
        let major = self.server_version.split('.').next().unwrap_or("");
        major.trim().parse().unwrap_or(0)
    }
}

/// Fault injection; all rates are 0.0..=1.0 and drawn from a seeded RNG so runs repeat.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Added to every answer.
    pub latency: Duration,
    /// Fraction answered 503 before doing anything.
    pub rate_503: f64,
    /// Fraction answered 429 (with `Retry-After: 1`) before doing anything.
    pub rate_429: f64,
    /// Fraction that hang (no answer) for `hang_for` before doing anything.
    pub rate_timeout: f64,
    /// How long a hanging request waits before it is served.
    pub hang_for: Duration,
    /// Fraction of successful writes (create/write/load/unlink/action_*/wizard actions)
    /// that are committed and then answered by closing the TCP connection.
    pub rate_drop_after_commit: f64,
    /// Token bucket: beyond this many calls per second answer 429 with `Retry-After`.
    pub max_calls_per_sec: Option<u32>,
    /// Seed of the RNG the rates are drawn from.
    pub seed: u64,
}

/// Counters of what the server did, for tests and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// HTTP requests received (every route, faulted or not).
    pub requests: u64,
    /// Requests answered 503 by fault injection.
    pub injected_503: u64,
    /// Requests answered 429 by fault injection or the rate limit.
    pub injected_429: u64,
    /// Requests held back for `hang_for`.
    pub injected_timeouts: u64,
    /// Writes committed and then answered by closing the connection.
    pub dropped_after_commit: u64,
    /// Write calls committed (including the dropped ones).
    pub writes_committed: u64,
}
