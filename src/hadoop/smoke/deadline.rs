//! A check's time limit, carried by every command it runs: each remote
//! command and HTTP request is bounded by what is left of it, and the
//! runner cancels whatever still runs when it is over, so a check cannot
//! outlive its limit by more than the kill of its remote processes.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Until when a check may run, and the token that stops its commands.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Instant,
    cancel: CancellationToken,
}

impl Deadline {
    pub fn after(limit: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + limit,
            cancel: CancellationToken::new(),
        }
    }

    /// What is left (zero once past).
    pub fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    pub fn passed(&self) -> bool {
        self.left().is_zero()
    }

    /// Stops the commands running under this deadline (their remote
    /// processes are killed) and any started later.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Tries `attempt` every `every` until it is done, fails for good, or
    /// the deadline passes (then the last reason it gave for waiting).
    pub async fn poll<T, F, Fut>(&self, every: Duration, mut attempt: F) -> Result<T, Polled>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        loop {
            let why = match attempt().await {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fail(e) => return Err(Polled::Failed(e)),
                Attempt::Wait(why) => why,
            };
            if self.left() <= every || self.cancel.is_cancelled() {
                return Err(Polled::TimedOut(why));
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = self.cancel.cancelled() => return Err(Polled::TimedOut(why)),
            }
        }
    }
}

/// One try of [`Deadline::poll`].
pub enum Attempt<T> {
    Done(T),
    /// Not yet, and why.
    Wait(String),
    /// Never: stop polling.
    Fail(String),
}

/// Why [`Deadline::poll`] gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    Failed(String),
    /// The deadline passed; the last reason for waiting.
    TimedOut(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn poll_returns_the_first_answer_and_gives_up_at_the_deadline() {
        let d = Deadline::after(Duration::from_secs(5));
        let mut n = 0;
        let got = d
            .poll(Duration::from_millis(10), || {
                n += 1;
                let a = if n == 3 {
                    Attempt::Done(n)
                } else {
                    Attempt::Wait(format!("try {n}"))
                };
                async move { a }
            })
            .await;
        assert_eq!(got, Ok(3));

        let d = Deadline::after(Duration::from_millis(100));
        let started = Instant::now();
        let got = d
            .poll(Duration::from_millis(20), || async {
                Attempt::<u8>::Wait("not yet".into())
            })
            .await;
        assert_eq!(got, Err(Polled::TimedOut("not yet".into())));
        assert!(started.elapsed() < Duration::from_secs(2));

        let got = Deadline::after(Duration::from_secs(5))
            .poll(Duration::from_millis(10), || async {
                Attempt::<u8>::Fail("refused".into())
            })
            .await;
        assert_eq!(got, Err(Polled::Failed("refused".into())));
    }

    #[tokio::test]
    async fn a_cancelled_deadline_stops_polling() {
        let d = Deadline::after(Duration::from_secs(30));
        d.cancel();
        let started = Instant::now();
        let got = d
            .poll(Duration::from_secs(1), || async {
                Attempt::<u8>::Wait("w".into())
            })
            .await;
        assert_eq!(got, Err(Polled::TimedOut("w".into())));
        assert!(started.elapsed() < Duration::from_millis(500));
    }
}
