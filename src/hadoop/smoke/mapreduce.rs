//! The yarn check: a MapReduce SleepJob (one map, one reduce, 1 ms each)
//! from the jobclient tests jar, submitted as the mapred account, which
//! proves the ResourceManager schedules, a NodeManager runs the
//! ApplicationMaster and the tasks, and the shuffle works. Before it, the
//! active ResourceManager must count an active NodeManager: without one
//! the job would wait in ACCEPTED until the limit, and the operator is
//! better served by that reason at once.
//!
//! The class is run from the jar rather than through the jar's driver
//! (`hadoop jar <jar> sleep`): in Hadoop 3.5.0 the driver stops registering
//! programs at `testtextinputformat`, whose class lost its `main` in the
//! move to JUnit 5, before it reaches `sleep`.

use std::time::Duration;

use regex::Regex;

use super::active::{self, RESOURCEMANAGER};
use super::check::{Check, Verdict};
use super::context::Smoke;
use super::deadline::Deadline;
use super::findings::MapReduceJob;
use super::log_tail::{self, LogTail};
use super::placement::hadoop_clients;
use crate::hadoop::settings::Account;
use crate::probe::short;
use crate::shell::quote as q;

pub const CHECK: Check = Check {
    name: "yarn",
    needs: &["resourcemanager", "nodemanager"],
    limit: Duration::from_secs(180),
    run: |s, d| Box::pin(run(s, d)),
    clean: |s, d| Box::pin(clean(s, d)),
};

const SLEEP_JOB: &str = "org.apache.hadoop.mapreduce.SleepJob";
/// What the job script says when it leaves the reduce out.
const NO_NATIVE: &str = "herd-smoke: no native libhadoop on this host, the job is map-only";
const TESTS_JAR: &str = "hadoop-mapreduce-client-jobclient-*-tests.jar";
/// The job's own limit ends this much before the check's, so its output
/// (the application id to kill) comes back.
const MARGIN: Duration = Duration::from_secs(15);
/// coreutils timeout's status when the time ran out.
const TIMED_OUT: u32 = 124;

/// What the job client printed about its job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    pub application: Option<String>,
    pub job: Option<String>,
    /// `SUCCEEDED`, or the state of `Job ... failed with state S`.
    pub state: Option<String>,
    /// The client's `due to:` words.
    pub why: Option<String>,
}

/// Reads the job client's INFO lines (`Submitted application ...`,
/// `Running job: ...`, `Job ... completed successfully`, `Job ... failed
/// with state FAILED due to: ...`).
pub fn parse_client(out: &str) -> JobReport {
    let re = |p: &str| Regex::new(p).expect("regex");
    let submitted = re(r"Submitted application (application_\d+_\d+)");
    let running = re(r"Running job: (job_\d+_\d+)");
    let succeeded = re(r"Job (job_\d+_\d+) completed successfully");
    let failed = re(r"Job (job_\d+_\d+) failed with state (\w+) due to: ?(.*)");
    let mut r = JobReport::default();
    for l in out.lines() {
        if let Some(c) = submitted.captures(l) {
            r.application = Some(c[1].to_string());
        } else if let Some(c) = running.captures(l) {
            r.job = Some(c[1].to_string());
        } else if let Some(c) = succeeded.captures(l) {
            r.job = Some(c[1].to_string());
            r.state = Some("SUCCEEDED".into());
        } else if let Some(c) = failed.captures(l) {
            r.job = Some(c[1].to_string());
            r.state = Some(c[2].to_string());
            let why = c[3].trim();
            r.why = (!why.is_empty()).then(|| why.to_string());
        }
    }
    // The job's id is its application's (both name the RM's start and a
    // sequence number), known as soon as it is submitted.
    if r.job.is_none() {
        r.job = r
            .application
            .as_ref()
            .map(|a| a.replacen("application_", "job_", 1));
    }
    r
}

/// The line that says why a client failed before any job state: its last
/// exception or error.
pub fn client_error(out: &str) -> Option<String> {
    out.lines()
        .rev()
        .map(str::trim)
        .find(|l| {
            l.contains("Exception")
                || l.contains(" ERROR ")
                || l.starts_with("Error")
                || l.starts_with("no ")
        })
        .map(String::from)
}

/// What the active ResourceManager's metrics say of the NodeManagers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nodes {
    pub active: u64,
    /// The other states with any node in them (`lostNodes 1`, ...).
    pub others: Vec<(String, u64)>,
}

pub fn parse_metrics(v: &serde_json::Value) -> Option<Nodes> {
    let m = v.get("clusterMetrics")?;
    let n = |k: &str| m.get(k).and_then(serde_json::Value::as_u64);
    let others = [
        "unhealthyNodes",
        "lostNodes",
        "shutdownNodes",
        "decommissionedNodes",
    ]
    .iter()
    .filter_map(|k| n(k).filter(|&c| c > 0).map(|c| (k.to_string(), c)))
    .collect();
    Some(Nodes {
        active: n("activeNodes")?,
        others,
    })
}

/// The ResourceManager's word on an application: state, final status,
/// diagnostics and the host its ApplicationMaster ran on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppView {
    pub state: String,
    pub final_status: String,
    pub diagnostics: String,
    pub am_host: Option<String>,
}

pub fn parse_app(v: &serde_json::Value) -> Option<AppView> {
    let a = v.get("app")?;
    let s = |k: &str| a.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let am = s("amHostHttpAddress");
    Some(AppView {
        state: s("state"),
        final_status: s("finalStatus"),
        diagnostics: s("diagnostics"),
        am_host: am
            .split(':')
            .next()
            .filter(|h| !h.is_empty())
            .map(String::from),
    })
}

/// The SleepJob as the mapred account, stopped after `secs` seconds.
fn job_script(s: &Smoke<'_>, secs: u64) -> String {
    let home = s.settings().hadoop_home();
    let dir = format!("{home}/share/hadoop/mapreduce");
    let hadoop = q(&format!("{home}/bin/hadoop"));
    let job = format!(
        "env HADOOP_CLASSPATH=\"$1\" timeout -k 5 {secs} {hadoop} --loglevel INFO {SLEEP_JOB} -m 1 -r \"$reduces\" -mt 1 -rt 1",
    );
    // A secure cluster's shuffle serves map output through libhadoop's
    // SecureIO; a Hadoop without its native library (one assembled from
    // Maven jars) fails every reduce, so the job is then map-only.
    let reduces = if s.settings().security.is_some() {
        format!(
            "reduces=1\nif ! {hadoop} checknative 2>/dev/null | grep -q '^hadoop: *true'; then reduces=0; echo {NO_NATIVE}; fi\n"
        )
    } else {
        "reduces=1\n".to_string()
    };
    format!(
        "cd / || exit 1\nset -- {dir_q}/{TESTS_JAR}\n\
         [ -f \"$1\" ] || {{ echo {missing}; exit 3; }}\n\
         {reduces}{job} 2>&1\n",
        dir_q = q(&dir),
        missing = q(&format!(
            "no {TESTS_JAR} in {dir}: the Apache binary tarball ships it there"
        )),
        job = s.as_account(Account::Mapred, &job),
    )
}

/// The active ResourceManager, when it has NodeManagers to run containers
/// on: a job submitted without any would wait for the whole time limit,
/// where an operator wants the reason at once.
pub(super) struct YarnReady {
    pub rm: String,
    pub rm_id: String,
    /// Its web port.
    pub port: u16,
    pub nodes: Nodes,
    pub in_service: usize,
    /// The ResourceManager's other counts (lost, unhealthy, ...), worded.
    pub others: String,
}

/// How many in-service NodeManagers answer their own web port.
async fn answering_nodemanagers(s: &Smoke<'_>, d: &Deadline) -> usize {
    let hosts = s.topo.in_service("nodemanager");
    let asks = hosts.iter().map(|h| async move {
        let Ok(port) = s.port(h, "nodemanager") else {
            return false;
        };
        matches!(
            s.remote
                .get_json(h, port, "/ws/v1/node/info", d, Duration::from_secs(5))
                .await,
            Ok((200, _))
        )
    });
    futures::future::join_all(asks)
        .await
        .into_iter()
        .filter(|up| *up)
        .count()
}

pub(super) async fn yarn_ready(s: &Smoke<'_>, d: &Deadline) -> Result<YarnReady, Verdict> {
    let rm = match active::find(s, &RESOURCEMANAGER, d).await {
        Ok(h) => h,
        Err(e) => {
            let logs =
                log_tail::daemons(s, s.topo.hosts("resourcemanager"), "resourcemanager").await;
            return Err(Verdict::fail_with(e, logs));
        }
    };
    let rm_id = s.topo.resourcemanager_id(&rm).unwrap_or("rm").to_string();
    let port = match s.port(&rm, "resourcemanager") {
        Ok(p) => p,
        Err(e) => return Err(Verdict::fail(e)),
    };
    let in_service = s.topo.in_service("nodemanager").len();
    let nodes = match s
        .remote
        .get_json(
            &rm,
            port,
            "/ws/v1/cluster/metrics",
            d,
            Duration::from_secs(10),
        )
        .await
    {
        Ok((200, Some(v))) => parse_metrics(&v),
        _ => None,
    };
    let Some(nodes) = nodes else {
        return Err(Verdict::fail(format!(
            "the active ResourceManager {rm_id} ({rm}) gave no cluster metrics"
        )));
    };
    let others: Vec<String> = nodes
        .others
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!("; the ResourceManager counts {}", others.join(", "))
    };
    // A NodeManager stopped with recovery on (supervised) does not
    // unregister: the ResourceManager counts it active until its liveness
    // expiry (10 min). So the NodeManagers themselves are asked too.
    let answering = answering_nodemanagers(s, d).await;
    if nodes.active == 0 || answering == 0 {
        let what = if nodes.active > 0 {
            format!(
                "none of the {in_service} NodeManagers in service answers on its web port (the active ResourceManager {rm_id} ({rm}) still counts {} active, as it does for a stopped NodeManager until its liveness expiry){others}",
                nodes.active
            )
        } else {
            format!(
                "the active ResourceManager {rm_id} ({rm}) has no active NodeManager (0 of {in_service} in service){others}"
            )
        };
        let logs = log_tail::daemon(s, &rm, "resourcemanager")
            .await
            .into_iter()
            .collect();
        return Err(Verdict::fail_with(
            format!(
                "{what}: no container can run, so no job can; start the NodeManagers (herd status shows which are down)"
            ),
            logs,
        ));
    }

    Ok(YarnReady {
        rm,
        rm_id,
        port,
        nodes,
        in_service,
        others,
    })
}

async fn run(s: &Smoke<'_>, d: &Deadline) -> Verdict {
    let yarn = match yarn_ready(s, d).await {
        Ok(y) => y,
        Err(v) => return v,
    };
    let YarnReady {
        rm,
        rm_id,
        port,
        nodes,
        in_service,
        others,
    } = yarn;

    let Some(client) = hadoop_clients(s.inv).into_iter().next() else {
        return Verdict::fail("no host has the Hadoop configuration to submit a job from");
    };
    let secs = d.left().saturating_sub(MARGIN).as_secs().max(10);
    let out = match s.remote.run(&client, &job_script(s, secs), d).await {
        Ok(out) => out,
        Err(e) => return Verdict::fail(format!("the SleepJob on {client}: {e}")),
    };
    let text = format!("{}{}", out.stdout_str(), out.stderr_str());
    let report = parse_client(&text);
    s.findings().mapreduce = Some(MapReduceJob {
        application: report.application.clone(),
        job: report.job.clone(),
        client: client.clone(),
        state: report.state.clone(),
    });
    let user = s.user(Account::Mapred);
    if out.success() && report.state.as_deref() == Some("SUCCEEDED") {
        let tasks = if text.contains(NO_NATIVE) {
            "1 map, no reduce: the secure shuffle needs libhadoop, which this Hadoop lacks"
        } else {
            "1 map, 1 reduce"
        };
        return Verdict::Pass(format!(
            "SleepJob {} ({tasks}) SUCCEEDED, submitted from {client} as {user} to {rm_id} ({rm}); {} of {in_service} NodeManagers active{others}",
            report.job.as_deref().unwrap_or("?"),
            nodes.active,
        ));
    }

    // Why, in YARN's words when it has the application.
    let mut reason = match (&report.state, out.exit_status) {
        (Some(state), _) => format!(
            "SleepJob {} from {client} ended {state}{}",
            report.job.as_deref().unwrap_or("?"),
            report
                .why
                .as_deref()
                .map(|w| format!(": {}", short(w)))
                .unwrap_or_default()
        ),
        (None, Some(TIMED_OUT)) => format!(
            "SleepJob {} from {client} did not finish within {secs}s",
            report.job.as_deref().unwrap_or("(not submitted)")
        ),
        (None, status) => format!(
            "the SleepJob client on {client} failed ({}): {}",
            status.map_or("killed".to_string(), |c| format!("exit {c}")),
            client_error(&text).unwrap_or_else(|| "no job state in its output".into())
        ),
    };
    let mut logs = vec![LogTail::of_output(
        &client,
        format!("the SleepJob client ({SLEEP_JOB})"),
        &out,
    )];
    let app = match &report.application {
        Some(app) => {
            let path = format!("/ws/v1/cluster/apps/{app}");
            match s
                .remote
                .get_json(
                    &rm,
                    port,
                    &path,
                    &Deadline::after(Duration::from_secs(10)),
                    Duration::from_secs(10),
                )
                .await
            {
                Ok((200, Some(v))) => parse_app(&v),
                _ => None,
            }
        }
        None => None,
    };
    if let Some(a) = &app {
        reason.push_str(&format!("; YARN says {} / {}", a.state, a.final_status));
        if !a.diagnostics.trim().is_empty() {
            reason.push_str(&format!(": {}", short(&a.diagnostics)));
        }
    }
    // A client that failed before submitting has said all there is.
    if report.application.is_some() {
        logs.extend(log_tail::daemon(s, &rm, "resourcemanager").await);
    }
    if let Some(am) = app.as_ref().and_then(|a| a.am_host.as_deref()) {
        logs.extend(log_tail::daemon(s, am, "nodemanager").await);
    }
    Verdict::fail_with(reason, logs)
}

/// Kills the check's application if it may still run.
async fn clean(s: &Smoke<'_>, d: &Deadline) -> Result<(), String> {
    let job = s.findings().mapreduce.clone();
    let Some(MapReduceJob {
        application: Some(app),
        client,
        state: None,
        ..
    }) = job
    else {
        return Ok(());
    };
    let yarn = q(&format!("{}/bin/yarn", s.settings().hadoop_home()));
    let cmd = s.as_account(
        Account::Mapred,
        &format!("{yarn} application -kill {}", q(&app)),
    );
    let out = s.remote.run(&client, &format!("cd / && {cmd}"), d).await?;
    if out.success() {
        Ok(())
    } else {
        Err(format!(
            "{app} may still run: {}",
            short(&out.stderr_tail(1))
        ))
    }
}

#[cfg(test)]
#[path = "mapreduce_tests.rs"]
mod tests;
