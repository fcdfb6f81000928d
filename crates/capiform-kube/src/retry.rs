//! Retries of requests the API server did not answer: 429, 5xx, refused or dropped
//! connections, with capped exponential backoff bounded in count and time.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How requests are retried.
///
/// ```
/// use std::time::Duration;
/// let p = capiform_kube::RetryPolicy::default();
/// assert_eq!(p.backoff(1), Duration::from_millis(200));
/// assert_eq!(p.backoff(2), Duration::from_millis(400));
/// assert_eq!(p.backoff(10), Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each next one.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait after failed attempt `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// Run `request` until it succeeds, fails for a reason a retry cannot help, or the
    /// attempts or time run out (then [`Error::Unavailable`]).
    pub(crate) async fn run<T, F, Fut>(&self, operation: &str, mut request: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let err = match request().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !is_transient(&err) {
                return Err(api_error(operation, err));
            }
            let wait = self.backoff(attempt);
            if attempt >= self.max_attempts || start.elapsed() + wait > self.max_elapsed {
                return Err(Error::Unavailable {
                    operation: operation.to_owned(),
                    attempts: attempt,
                    elapsed: start.elapsed(),
                    message: error_chain(&err),
                });
            }
            tracing::warn!(operation, attempt, wait_ms = wait.as_millis() as u64, error = %error_chain(&err), "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// Whether a retry may help: throttling, server errors, transport failures.
fn is_transient(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(status) => status.code == 429 || status.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// The error and its sources on one line.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// A non-transient kube error as this crate's error.
pub(crate) fn api_error(operation: &str, err: kube::Error) -> Error {
    match err {
        kube::Error::Api(status) => Error::Api {
            operation: operation.to_owned(),
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
        },
        other => Error::Api {
            operation: operation.to_owned(),
            code: 0,
            reason: "ClientError".to_owned(),
            message: error_chain(&other),
        },
    }
}
