//! The last lines of what a failed check's host logged: a daemon's log
//! file where its launcher writes one, else (under systemd) its unit's
//! journal; or the output of the client the check ran.

use serde::Serialize;

use super::context::Smoke;
use super::deadline::Deadline;
use crate::hadoop::services::{Launcher, Service, service};
use crate::hadoop::settings::{Settings, Supervisor};
use crate::shell::quote as q;
use crate::transport::output::tail_lines;

/// Lines of a log shown under a failed check.
pub const TAIL_LINES: usize = 20;

/// The end of one log, from one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogTail {
    pub host: String,
    /// The file, the journal, or the command whose output this is.
    pub source: String,
    pub lines: String,
}

impl LogTail {
    /// The end of a client's output (stdout, then stderr).
    pub fn of_output(
        host: &str,
        source: impl Into<String>,
        out: &crate::transport::ExecOutput,
    ) -> LogTail {
        let mut text = out.stdout_str();
        text.push_str(&out.stderr_str());
        LogTail {
            host: host.to_string(),
            source: source.into(),
            lines: tail_lines(&text, TAIL_LINES),
        }
    }
}

/// The web servers' access log lines (`INFO http.requests.resourcemanager:
/// ... "GET /ws/v1/cluster/metrics ..."`), which the checks' own requests
/// would otherwise fill the tail with.
const ACCESS_LOG: &str = "' http\\.requests\\.'";

/// Where the launcher of `svc` writes its log, as a glob whose newest
/// match is the live file (Hadoop's names end in the host name, a
/// rotated one in `.log.1`, which the glob leaves out).
fn log_glob(s: &Settings, svc: &Service) -> String {
    let user = svc.user(s);
    match svc.launcher {
        Launcher::Hadoop { subcmd, .. } => format!(
            "{}/{}*.log",
            q(&s.dirs.log),
            q(&format!("hadoop-{user}-{subcmd}-"))
        ),
        Launcher::ZooKeeper => format!("{}/zookeeper*.log", q(&s.dirs.zookeeper_log)),
        // glog's link to the newest INFO file.
        Launcher::Mesos { name } => {
            format!("{}/{}", q(&s.dirs.mesos_log), q(&format!("{name}.INFO")))
        }
        Launcher::SparkHistory => format!(
            "{}/{}*.out",
            q(&s.dirs.spark_log),
            q(&format!(
                "spark-{user}-org.apache.spark.deploy.history.HistoryServer-"
            ))
        ),
    }
}

/// A script printing the log's source on its first line, then its last
/// lines: the newest non-empty file of the glob, else the unit's journal
/// (ZooKeeper and Mesos under systemd log to the console).
pub fn command(s: &Settings, svc: &Service, sup: Supervisor) -> String {
    let file = format!(
        "f=$(ls -t {} 2>/dev/null | head -n 1)\nif [ -n \"$f\" ] && [ -s \"$f\" ]; then echo \"$f\"; tail -n 500 \"$f\" | grep -v {ACCESS_LOG} | tail -n {TAIL_LINES}; exit 0; fi\n",
        log_glob(s, svc)
    );
    match sup {
        Supervisor::Systemd => format!(
            "{file}echo {source}; journalctl -u {unit} -n {TAIL_LINES} --no-pager 2>&1\n",
            source = q(&format!("journalctl -u {}", svc.unit_file())),
            unit = q(&svc.unit_file()),
        ),
        Supervisor::Daemon => format!("{file}echo 'no log file'\n"),
    }
}

/// The log tail of `role` on `host`; None when it cannot be read (the
/// failure it would explain is reported anyway).
pub async fn daemon(s: &Smoke<'_>, host: &str, role: &str) -> Option<LogTail> {
    let svc = service(role)?;
    // Its own short limit: the check's may be spent already.
    let d = Deadline::after(std::time::Duration::from_secs(15));
    let out = s
        .remote
        .run(
            host,
            &command(s.settings(), svc, s.topo.supervisor(host)),
            &d,
        )
        .await
        .ok()?;
    let text = out.stdout_str();
    let (source, lines) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    Some(LogTail {
        host: host.to_string(),
        source: source.trim().to_string(),
        lines: lines.trim_end().to_string(),
    })
}

/// The log tails of `role` on each of `hosts` that can be read.
pub async fn daemons(s: &Smoke<'_>, hosts: &[String], role: &str) -> Vec<LogTail> {
    let mut out = Vec::new();
    for h in hosts {
        out.extend(daemon(s, h, role).await);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hadoop::settings::Supervisor;

    fn settings(log: &std::path::Path) -> Settings {
        let inv = crate::model::Inventory::parse(
            &format!(
                "vars: {{ dirs: {{ log: {l}, zookeeper_log: {l}, mesos_log: {l} }} }}\nhosts:\n  - {{ name: m1, roles: [zookeeper, namenode, resourcemanager, mesos-master] }}\n",
                l = log.display()
            ),
            std::path::Path::new("i.yaml"),
        )
        .unwrap();
        let mut errors = Vec::new();
        let s = crate::hadoop::settings::read(&inv, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        s
    }

    fn run(script: &str) -> String {
        crate::transport::output::run_locally("sh", std::path::Path::new("/"), script).stdout_str()
    }

    #[test]
    fn the_newest_log_of_the_daemon_is_tailed_and_the_journal_is_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path());
        let mut lines: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        lines.push_str("2026-12-01 23:03:48,408 INFO http.requests.resourcemanager: 172.30.0.11 - - \"GET /ws/v1/cluster/metrics HTTP/1.1\" 200\n");
        std::fs::write(
            dir.path().join("hadoop-yarn-resourcemanager-m1.log"),
            &lines,
        )
        .unwrap();
        std::fs::write(dir.path().join("hadoop-yarn-nodemanager-m1.log"), "other\n").unwrap();
        let rm = service("resourcemanager").unwrap();
        let out = run(&command(&s, rm, Supervisor::Daemon));
        let mut it = out.lines();
        assert_eq!(
            it.next(),
            Some(
                dir.path()
                    .join("hadoop-yarn-resourcemanager-m1.log")
                    .to_str()
                    .unwrap()
            )
        );
        let rest: Vec<&str> = it.collect();
        assert_eq!(rest.len(), TAIL_LINES);
        assert_eq!(rest.last(), Some(&"line 30"));

        // No file (ZooKeeper in the foreground): its unit's journal.
        let zk = service("zookeeper").unwrap();
        let script = command(&s, zk, Supervisor::Systemd);
        assert!(
            script.contains("journalctl -u zookeeper-server.service -n 20"),
            "{script}"
        );
        assert_eq!(
            run(&command(&s, zk, Supervisor::Daemon)).trim(),
            "no log file"
        );
        std::fs::write(dir.path().join("mesos-master.INFO"), "I1201 elected\n").unwrap();
        let out = run(&command(
            &s,
            service("mesos-master").unwrap(),
            Supervisor::Systemd,
        ));
        assert!(out.ends_with("mesos-master.INFO\nI1201 elected\n"), "{out}");
    }
}
