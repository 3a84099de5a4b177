//! The spark check: a Pi estimate submitted to YARN from a Spark host as
//! the spark account (`--master yarn` whatever `spark.master` says: the
//! sandbox's Mesos stand-in cannot run Spark's native scheduler), whose
//! printed number must be near pi, and whose application the history
//! server then lists as completed, read from its event log in HDFS. The
//! event log is removed afterwards; an application a failed or timed-out
//! check left running is killed by name.

use std::time::Duration;

use regex::Regex;

use super::check::{Check, Verdict};
use super::context::Smoke;
use super::deadline::{Attempt, Deadline, Polled};
use super::log_tail::{self, LogTail};
use crate::hadoop::settings::Account;
use crate::shell::quote as q;

pub const CHECK: Check = Check {
    name: "spark",
    needs: &["spark-history"],
    limit: Duration::from_secs(240),
    run: |s, d| Box::pin(run(s, d)),
    clean: |s, d| Box::pin(clean(s, d)),
};

/// The YARN application name of the job, which the check's own job sets
/// and Apache's SparkPi is given by `--name` (a job's own setAppName wins).
const APP_NAME: &str = "herd smoke Pi";

/// What the job printed: the estimate and the YARN application id (from
/// its own line or spark-submit's `Submitted application ...`).
pub fn parse_output(text: &str) -> (Option<f64>, Option<String>) {
    let pi = Regex::new(r"Pi is roughly ([0-9]+(?:\.[0-9]+)?)").expect("regex");
    let app = Regex::new(r"\b(application_[0-9]+_[0-9]+)\b").expect("regex");
    let estimate = pi.captures(text).and_then(|c| c[1].parse::<f64>().ok());
    let id = app.captures(text).map(|c| c[1].to_string());
    (estimate, id)
}

/// Whether the history server's answer for one application says it completed.
pub fn completed(app: &serde_json::Value) -> bool {
    app.pointer("/attempts")
        .and_then(|a| a.as_array())
        .is_some_and(|a| !a.is_empty() && a.iter().all(|t| t["completed"] == true))
}

fn host(s: &Smoke<'_>) -> Option<String> {
    s.topo.hosts("spark-history").first().cloned()
}

/// spark-submit as the spark account; the jar a path on the host (relative
/// to the Spark home), or a glob of it for Apache's examples jar.
fn submit(s: &Smoke<'_>) -> String {
    let st = s.settings();
    let home = st.spark_home();
    let (jar, class) = st.spark.smoke();
    let jar_word = if jar.contains('*') {
        // A glob: the directory quoted, the pattern left for the shell.
        let (dir, pattern) = jar.rsplit_once('/').unwrap_or((".", jar.as_str()));
        format!("{}/{pattern}", q(&format!("{home}/{dir}")))
    } else if jar.starts_with('/') {
        q(&jar)
    } else {
        q(&format!("{home}/{jar}"))
    };
    let cmd = format!(
        "{} --master yarn --deploy-mode client --name {} --class {} \"$jar\" 2",
        q(&format!("{home}/bin/spark-submit")),
        q(APP_NAME),
        q(&class),
    );
    format!(
        "set -- {jar_word}; jar=$1\n\
         [ -f \"$jar\" ] || {{ echo \"no job jar $jar (vars.spark.smoke_job)\" >&2; exit 3; }}\n\
         cd /tmp && {}",
        s.as_account(Account::Spark, &cmd)
    )
}

async fn run(s: &Smoke<'_>, d: &Deadline) -> Verdict {
    let Some(host) = host(s) else {
        return Verdict::Skip("no spark-history host".into());
    };
    let port = match s.port(&host, "spark-history") {
        Ok(p) => p,
        Err(e) => return Verdict::fail(e),
    };
    // Without NodeManagers the job would wait for its whole limit.
    if let Err(v) = super::mapreduce::yarn_ready(s, d).await {
        return v;
    }
    let what = format!("spark-submit --master yarn on {host}");
    let out = match s.remote.run(&host, &submit(s), d).await {
        Ok(o) => o,
        Err(e) => return Verdict::fail(format!("{what}: {e}")),
    };
    let mut text = out.stdout_str();
    text.push('\n');
    text.push_str(&out.stderr_str());
    let (estimate, app) = parse_output(&text);
    if let Some(a) = &app {
        s.findings().spark_app = Some(a.clone());
    }
    let client_log = || vec![LogTail::of_output(&host, what.clone(), &out)];
    if !out.success() {
        let why = match out.exit_status {
            Some(c) => format!("exit status {c}"),
            None => "killed".into(),
        };
        return Verdict::fail_with(format!("{what}: {why}"), client_log());
    }
    let Some(pi) = estimate else {
        return Verdict::fail_with(format!("{what}: no 'Pi is roughly' line"), client_log());
    };
    if (pi - std::f64::consts::PI).abs() > 0.1 {
        return Verdict::fail_with(
            format!("{what}: Pi is roughly {pi}, not within 0.1 of pi"),
            client_log(),
        );
    }
    let Some(app) = app else {
        return Verdict::fail_with(
            format!("{what}: no application id in its output"),
            client_log(),
        );
    };
    // The history server scans its log directory every
    // spark.history.fs.update.interval (10 s).
    let path = format!("/api/v1/applications/{app}");
    let seen = d
        .poll(Duration::from_secs(1), || async {
            match s
                .remote
                .get_json(&host, port, &path, d, Duration::from_secs(5))
                .await
            {
                Ok((200, Some(v))) if completed(&v) => Attempt::Done(()),
                Ok((200, _)) => Attempt::Wait(format!("{app} listed, not completed yet")),
                Ok((code, _)) => Attempt::Wait(format!("HTTP {code} for {path}")),
                Err(e) => Attempt::Wait(e),
            }
        })
        .await;
    if let Err(p) = seen {
        let why = match p {
            Polled::Failed(e) | Polled::TimedOut(e) => e,
        };
        let mut logs = client_log();
        logs.extend(log_tail::daemon(s, &host, "spark-history").await);
        return Verdict::fail_with(
            format!("the history server on {host}:{port} does not list {app} as completed: {why}"),
            logs,
        );
    }
    let _ = remove_event_log(s, &host, &app, d).await;
    Verdict::Pass(format!(
        "Pi is roughly {pi} ({app} on YARN), listed completed by the history server on {host}:{port}"
    ))
}

async fn remove_event_log(
    s: &Smoke<'_>,
    host: &str,
    app: &str,
    d: &Deadline,
) -> Result<(), String> {
    let st = s.settings();
    let glob = format!("{}/{app}*", st.spark.event_log_dir);
    let cmd = format!(
        "{} dfs -rm -f -skipTrash {}",
        q(&format!("{}/bin/hdfs", st.hadoop_home())),
        q(&glob)
    );
    let out = s
        .remote
        .run(host, &s.as_account(Account::Spark, &cmd), d)
        .await?;
    if out.success() {
        Ok(())
    } else {
        Err(format!("removing {glob}: {}", out.stderr_str().trim()))
    }
}

/// Kills what a failed run may have left on YARN (by the name and the
/// spark account), then removes its event log.
async fn clean(s: &Smoke<'_>, d: &Deadline) -> Result<(), String> {
    let Some(host) = host(s) else {
        return Ok(());
    };
    let st = s.settings();
    let yarn = q(&format!("{}/bin/yarn", st.hadoop_home()));
    let list = format!(
        "{yarn} application -list -appStates NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING 2>/dev/null \
         | awk -F'\\t' -v n={} -v u={} '$2 ~ n && $4 ~ u {{ gsub(/ /, \"\", $1); print $1 }}' \
         | while read -r a; do {yarn} application -kill \"$a\"; done",
        q(APP_NAME),
        q(s.user(Account::Spark)),
    );
    s.remote
        .run(
            &host,
            &s.as_account(Account::Spark, &format!("/bin/sh -c {}", q(&list))),
            d,
        )
        .await?;
    let app = s.findings().spark_app.clone();
    if let Some(app) = app {
        remove_event_log(s, &host, &app, d).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_and_the_application_are_read_from_the_output() {
        let ours = "Pi is roughly 3.14514\nApplication id: application_1796164595739_0002\n";
        assert_eq!(
            parse_output(ours),
            (Some(3.14514), Some("application_1796164595739_0002".into()))
        );
        // Apache's SparkPi prints only the estimate; the id is in spark-submit's log.
        let apache = "26/12/01 22:40:42 INFO YarnClientImpl: Submitted application application_1_0007\nPi is roughly 3.1412\n";
        assert_eq!(
            parse_output(apache),
            (Some(3.1412), Some("application_1_0007".into()))
        );
        assert_eq!(parse_output("Exception in thread main"), (None, None));
    }

    #[test]
    fn completed_needs_every_attempt_completed() {
        let done: serde_json::Value = serde_json::from_str(
            r#"{ "id": "application_1_1", "attempts": [ { "completed": true } ] }"#,
        )
        .unwrap();
        let running: serde_json::Value = serde_json::from_str(
            r#"{ "id": "application_1_1", "attempts": [ { "endTime": "1969-12-31T23:59:59.999GMT", "completed": false } ] }"#,
        )
        .unwrap();
        assert!(completed(&done));
        assert!(!completed(&running));
        assert!(!completed(&serde_json::json!({ "attempts": [] })));
    }
}
