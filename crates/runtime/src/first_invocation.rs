//! Clients built on a function's first invocation instead of at cold start.

use std::future::Future;

use aws_config::SdkConfig;

use crate::error_chain;

/// A function's settings (read at cold start: a bad one stops it) and the clients built
/// from them on the first invocation, because building them reads a secret: that round
/// trip stays out of the cold start. When building fails, that invocation fails with
/// the reason (logged with its whole cause chain) and the next one tries again, so a
/// secret fixed in between is picked up. Once built, every later invocation shares the
/// clients.
pub struct FirstInvocation<S, T> {
    function: &'static str,
    settings: S,
    aws: SdkConfig,
    built: tokio::sync::OnceCell<T>,
}

impl<S: Clone, T> FirstInvocation<S, T> {
    /// Reads nothing over the network. `function` names the function in the log line of
    /// a failed build.
    pub fn new(function: &'static str, settings: S, aws: SdkConfig) -> Self {
        Self {
            function,
            settings,
            aws,
            built: tokio::sync::OnceCell::new(),
        }
    }

    /// The clients, built by `build` from the settings when none were built yet.
    pub async fn get<E, F, Fut>(&self, build: F) -> Result<&T, E>
    where
        F: FnOnce(S, SdkConfig) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::error::Error + 'static,
    {
        self.built
            .get_or_try_init(|| build(self.settings.clone(), self.aws.clone()))
            .await
            .inspect_err(|e| {
                tracing::error!(function = self.function, error = %error_chain(e), "cannot build the function's clients");
            })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("secret {0} not found")]
    struct NotFound(String);

    #[tokio::test]
    async fn a_failed_build_is_tried_again_and_a_success_is_kept() {
        let aws = aws_config::SdkConfig::builder().build();
        let first = FirstInvocation::<String, String>::new("test", "odoo-spine/odoo".into(), aws);
        let builds = AtomicU32::new(0);
        let build = |ok: bool| {
            let builds = &builds;
            move |secret: String, _aws: SdkConfig| async move {
                builds.fetch_add(1, Ordering::SeqCst);
                if ok {
                    Ok(format!("client for {secret}"))
                } else {
                    Err(NotFound(secret))
                }
            }
        };
        let err = first.get(build(false)).await.unwrap_err();
        assert_eq!(err.to_string(), "secret odoo-spine/odoo not found");
        assert_eq!(
            first.get(build(true)).await.unwrap(),
            "client for odoo-spine/odoo"
        );
        assert_eq!(
            first.get(build(false)).await.unwrap(),
            "client for odoo-spine/odoo"
        );
        assert_eq!(builds.load(Ordering::SeqCst), 2);
    }
}
