//! The zookeeper check: a znode created through one server, read back
//! through another (so the write went through the quorum, not one
//! server's memory), then deleted; with zkCli.sh as the zookeeper account.
//! zkCli takes one command per run (`zkCli.sh -server H:P create ...`) and
//! exits 0 or 1; its logging shares the output with the command's own
//! lines, which [`command_lines`] keeps.

use std::time::Duration;

use regex::Regex;

use super::check::{Check, Verdict};
use super::context::Smoke;
use super::deadline::{Attempt, Deadline, Polled};
use super::log_tail::{self, LogTail};
use crate::hadoop::settings::Account;
use crate::shell::quote as q;
use crate::transport::ExecOutput;

pub const CHECK: Check = Check {
    name: "zookeeper",
    needs: &["zookeeper"],
    limit: Duration::from_secs(60),
    run: |s, d| Box::pin(run(s, d)),
    clean: |s, d| Box::pin(clean(s, d)),
};

/// What a zkCli.sh run printed for its command, without the client's log
/// lines, stack traces and connection chatter.
pub fn command_lines(out: &str) -> Vec<&str> {
    let log = Regex::new(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+ ").expect("regex");
    let exception =
        Regex::new(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_$]+)+(Exception|Error)\b").expect("regex");
    out.lines()
        .map(str::trim_end)
        .filter(|l| {
            let t = l.trim_start();
            !(t.is_empty()
                || log.is_match(l)
                || exception.is_match(t)
                || t.starts_with("at ")
                || (t.starts_with("... ") && t.ends_with(" more"))
                || t.starts_with("Caused by: ")
                || l.starts_with("Connecting to ")
                || *l == "WATCHER::"
                || l.starts_with("WatchedEvent "))
        })
        .collect()
}

/// How one zkCli.sh run went: Ok with its own lines, or why not.
fn outcome(out: &ExecOutput) -> Result<Vec<String>, String> {
    let mut text = out.stdout_str();
    text.push('\n');
    text.push_str(&out.stderr_str());
    let lines: Vec<String> = command_lines(&text).into_iter().map(String::from).collect();
    if out.success() {
        return Ok(lines);
    }
    Err(match lines.last() {
        Some(l) => l.clone(),
        None => match out.exit_status {
            Some(c) => format!("exit status {c}"),
            None => "killed".to_string(),
        },
    })
}

struct Plan {
    client: String,
    write: String,
    read: String,
    path: String,
    data: String,
}

fn plan(s: &Smoke<'_>) -> Result<Plan, String> {
    let servers: Vec<String> = s
        .topo
        .hosts("zookeeper")
        .iter()
        .map(|h| s.port(h, "zookeeper").map(|p| format!("{h}:{p}")))
        .collect::<Result<_, _>>()?;
    let write = servers.first().cloned().ok_or("no zookeeper host")?;
    let read = servers.get(1).cloned().unwrap_or_else(|| write.clone());
    Ok(Plan {
        client: s.topo.hosts("zookeeper")[0].clone(),
        write,
        read,
        path: format!("/{}", s.name()),
        data: format!("{}-data", s.name()),
    })
}

fn zkcli(s: &Smoke<'_>, server: &str, args: &[&str]) -> String {
    let words: Vec<String> = args.iter().map(|a| q(a)).collect();
    let cmd = format!(
        "{} -server {} {}",
        q(&format!("{}/bin/zkCli.sh", s.settings().zookeeper_home())),
        q(server),
        words.join(" ")
    );
    // zkCli runs where it is started; the login's home is not the account's.
    format!("cd / && {}", s.as_account(Account::ZooKeeper, &cmd))
}

async fn step(
    s: &Smoke<'_>,
    p: &Plan,
    server: &str,
    args: &[&str],
    d: &Deadline,
) -> Result<(Vec<String>, ExecOutput), (String, Option<ExecOutput>)> {
    let out = s
        .remote
        .run(&p.client, &zkcli(s, server, args), d)
        .await
        .map_err(|e| (e, None))?;
    match outcome(&out) {
        Ok(lines) => Ok((lines, out)),
        Err(e) => Err((e, Some(out))),
    }
}

async fn run(s: &Smoke<'_>, d: &Deadline) -> Verdict {
    let p = match plan(s) {
        Ok(p) => p,
        Err(e) => return Verdict::fail(e),
    };
    let failed = |what: &str, server: &str, (e, out): (String, Option<ExecOutput>)| {
        let what = format!("zkCli.sh -server {server} {what} on {}", p.client);
        let reason = format!("{what}: {e}");
        (reason, out.map(|o| LogTail::of_output(&p.client, what, &o)))
    };
    if let Err(e) = step(s, &p, &p.write, &["create", &p.path, &p.data], d).await {
        return with_server_log(s, &p.write, failed("create", &p.write, e)).await;
    }
    // A follower applies a write a moment after the leader commits it: a
    // missing node is waited for, anything else is the answer.
    let read = d
        .poll(Duration::from_millis(500), || async {
            match step(s, &p, &p.read, &["get", &p.path], d).await {
                Ok((lines, _)) => Attempt::Done(lines),
                Err((e, _)) if e.starts_with("Node does not exist") => Attempt::Wait(e),
                Err((e, out)) => Attempt::Fail(failed("get", &p.read, (e, out)).0),
            }
        })
        .await;
    let lines = match read {
        Ok(lines) => lines,
        Err(Polled::TimedOut(why)) => {
            let reason = format!(
                "{} was not readable through {} within the check's {}s: {why}",
                p.path,
                p.read,
                CHECK.limit.as_secs(),
            );
            return with_server_log(s, &p.read, (reason, None)).await;
        }
        Err(Polled::Failed(reason)) => return with_server_log(s, &p.read, (reason, None)).await,
    };
    if !lines.contains(&p.data) {
        return Verdict::fail(format!(
            "{} read back through {} does not hold what was written ({}): {}",
            p.path,
            p.read,
            p.data,
            lines.join(" | ")
        ));
    }
    if let Err(e) = step(s, &p, &p.write, &["delete", &p.path], d).await {
        return with_server_log(s, &p.write, failed("delete", &p.write, e)).await;
    }
    Verdict::Pass(format!(
        "{} created through {}, read back through {} as written, deleted (zkCli.sh as {} on {})",
        p.path,
        p.write,
        p.read,
        s.user(Account::ZooKeeper),
        p.client
    ))
}

/// The failure, with the log of the ZooKeeper server it went through.
async fn with_server_log(
    s: &Smoke<'_>,
    server: &str,
    (reason, client): (String, Option<LogTail>),
) -> Verdict {
    let host = server.rsplit_once(':').map_or(server, |(h, _)| h);
    let mut logs: Vec<LogTail> = client.into_iter().collect();
    logs.extend(log_tail::daemon(s, host, "zookeeper").await);
    Verdict::fail_with(reason, logs)
}

async fn clean(s: &Smoke<'_>, d: &Deadline) -> Result<(), String> {
    let p = plan(s)?;
    let all: Vec<String> = s
        .topo
        .hosts("zookeeper")
        .iter()
        .filter_map(|h| {
            s.port(h, "zookeeper")
                .ok()
                .map(|port| format!("{h}:{port}"))
        })
        .collect();
    match step(s, &p, &all.join(","), &["delete", &p.path], d).await {
        Ok(_) => Ok(()),
        Err((e, _)) if e.starts_with("Node does not exist") => Ok(()),
        Err((e, _)) => Err(format!("{} may be left: {e}", p.path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zkCli.sh 3.8.6 on the sandbox, `get` of a node that exists, as printed.
    const GET: &str = "Connecting to master2:2181
2026-12-01 22:44:23,214 [myid:] - INFO  [main:o.a.z.Environment@98] - Client environment:zookeeper.version=3.8.6-6df2608, built on 2026-01-28 20:28 UTC
2026-12-01 22:44:23,231 [myid:] - INFO  [main:o.a.z.ZooKeeper@637] - Initiating client connection, connectString=master2:2181 sessionTimeout=30000 watcher=org.apache.zookeeper.ZooKeeperMain$MyWatcher@275710fc
2026-12-01 22:44:23,418 [myid:master2:2181] - INFO  [main-SendThread(master2:2181):o.a.z.ClientCnxn$SendThread@1453] - Session establishment complete on server master2/172.30.0.12:2181, session id = 0x200003e7e100005, negotiated timeout = 30000

WATCHER::

WatchedEvent state:SyncConnected type:None path:null
hello-1
2026-12-01 22:44:23,451 [myid:] - INFO  [main:o.a.z.u.ServiceUtils@45] - Exiting JVM with code 0
";

    const REFUSED: &str = "Connecting to master1:9999
2026-12-01 22:44:29,108 [myid:master1:9999] - WARN  [main-SendThread(master1:9999):o.a.z.ClientCnxn$SendThread@1300] - Session 0x0 for server master1/172.30.0.11:9999, Closing socket connection. Attempting reconnect except it is a SessionExpiredException.
java.net.ConnectException: Connection refused
	at java.base/sun.nio.ch.Net.pollConnect(Native Method)
	at org.apache.zookeeper.ClientCnxn$SendThread.run(ClientCnxn.java:1289)
KeeperErrorCode = ConnectionLoss for /x
2026-12-01 22:44:29,257 [myid:] - ERROR [main:o.a.z.u.ServiceUtils@48] - Exiting JVM with code 1
";

    fn output(stdout: &str, status: u32) -> ExecOutput {
        ExecOutput {
            stdout: stdout.as_bytes().to_vec(),
            exit_status: Some(status),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_commands_own_lines_are_kept() {
        assert_eq!(command_lines(GET), vec!["hello-1"]);
        assert_eq!(
            command_lines(
                "WatchedEvent state:SyncConnected type:None path:null\nCreated /herd-smoke-1\n"
            ),
            vec!["Created /herd-smoke-1"]
        );
        assert_eq!(
            command_lines(REFUSED),
            vec!["KeeperErrorCode = ConnectionLoss for /x"]
        );
    }

    #[test]
    fn a_failed_run_is_its_last_own_line() {
        assert_eq!(outcome(&output(GET, 0)), Ok(vec!["hello-1".to_string()]));
        assert_eq!(
            outcome(&output(REFUSED, 1)),
            Err("KeeperErrorCode = ConnectionLoss for /x".to_string())
        );
        assert_eq!(
            outcome(&output(
                "Connecting to m1:2181\nNode does not exist: /herd-smoke-1\n",
                1
            )),
            Err("Node does not exist: /herd-smoke-1".to_string())
        );
        assert_eq!(
            outcome(&output("", 127)),
            Err("exit status 127".to_string())
        );
    }
}
