//! Runs the checks one after another (each one's time is its own, not
//! shared with another's JVMs on the same small hosts, and the JobHistory
//! check needs the yarn check's job): skipped when the inventory has no
//! host for what it needs, stopped at its limit, cleaned up after when it
//! did not pass, and timed.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::check::{Check, CheckResult, Verdict};
use super::context::Smoke;
use super::deadline::Deadline;
use super::log_tail::LogTail;

/// How long a cleanup may take, and how long a check stopped at its limit
/// gets to return once its remote commands are killed.
const CLEANUP_LIMIT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(15);

/// One check's outcome, as printed and in JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub check: &'static str,
    pub result: CheckResult,
    /// Wall time, cleanup included; 0 when skipped.
    pub seconds: f64,
    /// What was proven, or why it failed or was skipped.
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<LogTail>,
}

/// Why `check` does not apply to this inventory, if it does not.
fn missing(s: &Smoke<'_>, check: &Check) -> Option<String> {
    let absent: Vec<&str> = check
        .needs
        .iter()
        .copied()
        .filter(|r| s.topo.hosts(r).is_empty())
        .collect();
    (!absent.is_empty()).then(|| format!("the inventory has no {} host", absent.join(" or ")))
}

/// Runs `checks` in order, handing each outcome to `done` as it comes.
/// `stop` (Ctrl-C) ends the check running (it is cleaned up) and runs no
/// more; the outcomes so far are returned.
pub async fn run(
    s: &Smoke<'_>,
    checks: &[&Check],
    stop: &CancellationToken,
    mut done: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for check in checks {
        if stop.is_cancelled() {
            break;
        }
        let started = Instant::now();
        let verdict = match missing(s, check) {
            Some(why) => Verdict::Skip(why),
            None => one(s, check, stop).await,
        };
        let outcome = outcome(check.name, verdict, started.elapsed());
        done(&outcome);
        out.push(outcome);
    }
    out
}

async fn one(s: &Smoke<'_>, check: &Check, stop: &CancellationToken) -> Verdict {
    let d = Deadline::after(check.limit);
    let body = (check.run)(s, &d);
    tokio::pin!(body);
    let verdict = tokio::select! {
        v = &mut body => v,
        _ = tokio::time::sleep(check.limit) => {
            finish(&d, body).await;
            Verdict::fail(format!("did not finish within its {}s", check.limit.as_secs()))
        }
        _ = stop.cancelled() => {
            finish(&d, body).await;
            Verdict::fail("interrupted")
        }
    };
    if verdict.passed() || matches!(verdict, Verdict::Skip(_)) {
        return verdict;
    }
    let cleanup = Deadline::after(CLEANUP_LIMIT);
    match (check.clean)(s, &cleanup).await {
        Ok(()) => verdict,
        Err(e) => match verdict {
            Verdict::Fail { reason, logs } => Verdict::Fail {
                reason: format!("{reason} (and its cleanup failed: {e})"),
                logs,
            },
            v => v,
        },
    }
}

/// Kills what the check still runs on the hosts and lets it return.
async fn finish(d: &Deadline, body: impl Future<Output = Verdict>) {
    d.cancel();
    let _ = tokio::time::timeout(STOP_GRACE, body).await;
}

fn outcome(check: &'static str, verdict: Verdict, took: Duration) -> Outcome {
    let result = verdict.result();
    let seconds = if result == CheckResult::Skipped {
        0.0
    } else {
        took.as_secs_f64()
    };
    let (detail, logs) = match verdict {
        Verdict::Pass(d) | Verdict::Skip(d) => (d, Vec::new()),
        Verdict::Fail { reason, logs } => (reason, logs),
    };
    Outcome {
        check,
        result,
        seconds: (seconds * 10.0).round() / 10.0,
        detail,
        logs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hadoop::smoke::remote::Remote;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CLEANED: AtomicUsize = AtomicUsize::new(0);

    /// A clean-up that succeeds and counts that it ran.
    fn counted_clean<'a>(
        _: &'a Smoke<'a>,
        _: &'a Deadline,
    ) -> futures::future::LocalBoxFuture<'a, Result<(), String>> {
        Box::pin(async {
            CLEANED.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }

    const PASSES: Check = Check {
        name: "passes",
        needs: &["namenode"],
        limit: Duration::from_secs(5),
        run: |_, _| Box::pin(async { Verdict::Pass("proven".into()) }),
        clean: counted_clean,
    };
    const FAILS: Check = Check {
        name: "fails",
        needs: &["datanode"],
        limit: Duration::from_secs(5),
        run: |_, _| Box::pin(async { Verdict::fail("broken") }),
        clean: counted_clean,
    };
    /// Runs until its commands are cancelled, and leaves something behind.
    const HANGS: Check = Check {
        name: "hangs",
        needs: &["zookeeper"],
        limit: Duration::from_secs(1),
        run: |_, d| {
            Box::pin(async move {
                d.token().cancelled().await;
                Verdict::fail("cancelled")
            })
        },
        clean: |_, _| Box::pin(async { Err("/herd-smoke-x may be left".to_string()) }),
    };
    const NEEDS_MESOS: Check = Check {
        name: "mesos",
        needs: &["mesos-master"],
        limit: Duration::from_secs(5),
        run: |_, _| Box::pin(async { Verdict::fail("must not run") }),
        clean: |_, _| Box::pin(async { Ok(()) }),
    };

    #[tokio::test]
    async fn checks_are_skipped_stopped_at_their_limit_and_cleaned_up_unless_they_passed() {
        let inv =
            crate::model::Inventory::load(std::path::Path::new("tests/sandbox/inventory.yaml"))
                .unwrap();
        let mut topo = crate::hadoop::validate(&inv).unwrap();
        // As on a cluster without Mesos.
        topo.roles.remove("mesos-master");
        let pool =
            crate::transport::Pool::new(crate::transport::inventory::config(&inv, false)).unwrap();
        let targets = crate::transport::inventory::targets(&inv).unwrap();
        let s = Smoke::new(
            &inv,
            &topo,
            Remote::new(&pool, &inv, &targets, None),
            "t".into(),
        );
        let stop = CancellationToken::new();
        let mut seen = Vec::new();
        let started = Instant::now();
        let out = run(&s, &[&PASSES, &NEEDS_MESOS, &FAILS, &HANGS], &stop, |o| {
            seen.push(o.check)
        })
        .await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the hung check is stopped at its limit"
        );
        assert_eq!(seen, vec!["passes", "mesos", "fails", "hangs"]);
        let results: Vec<(CheckResult, &str)> =
            out.iter().map(|o| (o.result, o.detail.as_str())).collect();
        assert_eq!(
            results,
            vec![
                (CheckResult::Pass, "proven"),
                (
                    CheckResult::Skipped,
                    "the inventory has no mesos-master host"
                ),
                (CheckResult::Fail, "broken"),
                (
                    CheckResult::Fail,
                    "did not finish within its 1s (and its cleanup failed: /herd-smoke-x may be left)"
                ),
            ]
        );
        assert_eq!(out[1].seconds, 0.0);
        assert_eq!(
            CLEANED.load(Ordering::SeqCst),
            1,
            "only the failed check is cleaned up after"
        );

        stop.cancel();
        assert!(
            run(&s, &[&PASSES], &stop, |_| {}).await.is_empty(),
            "nothing runs once stopped"
        );
    }
}
