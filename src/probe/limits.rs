//! How much of an answer a probe client takes and how long it waits: gates
//! allow a slow daemon its whole attempt, `herd status` wants every answer
//! at once.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the answer read at most.
    pub max_bytes: usize,
    /// How long the whole exchange may take; None when the caller bounds it.
    pub timeout: Option<Duration>,
}

impl Limits {
    /// Run `attempt` within the timeout, `timed_out` standing in for an
    /// answer that did not come.
    pub(crate) async fn bound<T, E>(
        &self,
        attempt: impl Future<Output = Result<T, E>>,
        timed_out: impl FnOnce(Duration) -> E,
    ) -> Result<T, E> {
        match self.timeout {
            None => attempt.await,
            Some(t) => tokio::time::timeout(t, attempt)
                .await
                .unwrap_or_else(|_| Err(timed_out(t))),
        }
    }
}
