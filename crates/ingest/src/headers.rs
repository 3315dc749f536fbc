//! Request headers as the pure core sees them, and the correlation id taken from them.
//!
//! Kept independent of any HTTP crate so the verifiers and mappers can be tested and
//! benchmarked without a Lambda event; the handler converts its header map into this.

use spine_core::CorrelationId;

/// Header names and values, looked up case-insensitively (HTTP header names are
/// case-insensitive; API Gateway lower-cases them, curl does not).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header; a later header of the same name does not replace the first (the
    /// first one wins on lookup, as duplicated signature headers must not help a forger).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// The first value of `name`, compared without regard to case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name` with surrounding white space removed, when present and not blank.
    pub fn get_trimmed(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// The correlation id of a request: the X-Ray trace root of `X-Amzn-Trace-Id`
/// (`Root=1-...`), else the trace id of a W3C `traceparent`, else a fresh one. A header
/// that is present but unusable (too long, control characters) is ignored, not an error:
/// tracing must never refuse an event.
pub fn correlation_id(headers: &Headers) -> CorrelationId {
    let from_xray = headers.get_trimmed("x-amzn-trace-id").and_then(|value| {
        value
            .split(';')
            .find_map(|part| part.trim().strip_prefix("Root="))
            .filter(|root| !root.is_empty())
    });
    let from_w3c = || {
        headers.get_trimmed("traceparent").and_then(|value| {
            let mut parts = value.split('-');
            let (_version, trace) = (parts.next()?, parts.next()?);
            let valid = trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit());
            valid.then_some(trace)
        })
    };
    from_xray
        .or_else(from_w3c)
        .and_then(|id| CorrelationId::parse(id).ok())
        .unwrap_or_else(CorrelationId::generate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_the_first_value_wins() {
        let headers: Headers = [("X-Shopify-Topic", "orders/create"), ("x-shopify-topic", "x")]
            .into_iter()
            .collect();
        assert_eq!(headers.get("x-shopify-topic"), Some("orders/create"));
        assert_eq!(headers.get("missing"), None);
    }

    #[test]
    fn correlation_comes_from_the_trace_headers() {
        let xray: Headers = [(
            "X-Amzn-Trace-Id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )]
        .into_iter()
        .collect();
        assert_eq!(
            correlation_id(&xray).as_str(),
            "1-5759e988-bd862e3fe1be46a994272793"
        );
        let w3c: Headers = [(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )]
        .into_iter()
        .collect();
        assert_eq!(correlation_id(&w3c).as_str(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let bad: Headers = [("traceparent", "garbage")].into_iter().collect();
        let generated = correlation_id(&bad);
        assert_ne!(generated, correlation_id(&bad), "fresh ids differ");
    }
}
