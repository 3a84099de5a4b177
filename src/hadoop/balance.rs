//! `herd balance`: the HDFS balancer (spec operations.md 11.6) run once on
//! a NameNode host as a generated one-stage playbook. The balancer's exit
//! status becomes a verdict in the stage's command itself, so the journal,
//! `herd replay` and the error the engine reports all say the same thing:
//! the table [`VERDICTS`] is the one place the mapping lives.
//!
//! Exit 254 ("No block can be moved") counts as success: the balancer found
//! nothing it is allowed to move (placement rules, racks, free space), so
//! running it again cannot change anything; the verdict says so instead of
//! "balanced". Exit 253 (no block moved for 5 iterations) is a failure:
//! moves were possible but none went through, which needs a look.

use std::time::Duration;

use super::daemon_control::hdfs_admin;
use super::topology::Topology;
use crate::model::{ModelErrors, Playbook};
use crate::shell::quote;

/// The stage's name, and the playbook's.
pub const STAGE: &str = "balance";
/// The prefix of the verdict line the stage prints (stdout on success,
/// stderr on failure), which `herd balance` shows after the run.
pub const VERDICT_PREFIX: &str = "balance: ";
/// Seconds between the TERM that ends a balancer past its time and a KILL:
/// TERM lets it close its HDFS lock file (/system/balancer.id), so the next
/// balancer does not find "Another Balancer is running".
const KILL_AFTER_SECS: u64 = 30;
/// The exit status of coreutils `timeout` when the time ran out.
const TIMED_OUT: i32 = 124;

/// What a balancer exit status means: (status, success, verdict).
pub const VERDICTS: &[(i32, bool, &str)] = &[
    (
        0,
        true,
        "the cluster is balanced: every DataNode's usage is within the threshold of the cluster's",
    ),
    (
        254,
        true,
        "no block can be moved: the placement rules, racks or free space allow no move, so the cluster is as balanced as the balancer can make it",
    ),
    (
        253,
        false,
        "no block has been moved for 5 iterations: the cluster is not balanced; look at the DataNodes' logs and dfs.datanode.balance.bandwidthPerSec, then run herd balance again",
    ),
    (
        252,
        false,
        "the balancer hit an I/O error (its log above says which); run herd balance again once it is fixed",
    ),
    (
        249,
        false,
        "an HDFS upgrade is not finalized, and the balancer does not run during one: finalize it (hdfs dfsadmin -rollingUpgrade finalize, or hdfs dfsadmin -finalizeUpgrade), then run herd balance again",
    ),
    (251, false, "the balancer refused its arguments"),
    (250, false, "the balancer was interrupted"),
    (
        255,
        false,
        "the balancer failed to start or refused its arguments (its log above says why)",
    ),
];

/// Exit 252 with this line is the other balancer's lock, said plainly.
const ALREADY_RUNNING_TEXT: &str = "Another Balancer is running";
const ALREADY_RUNNING: &str = "another balancer is running on this cluster (it holds the HDFS file /system/balancer.id): wait for it to end, or stop it, then run herd balance again";

/// The verdict of an exit status: (success, text).
pub fn verdict(status: i32) -> (bool, String) {
    match VERDICTS.iter().find(|(s, _, _)| *s == status) {
        Some((_, ok, text)) => (*ok, (*text).to_string()),
        None => (false, format!("the balancer exited {status}")),
    }
}

/// `--threshold`: a percentage of disk capacity, as the balancer takes it.
pub fn check_threshold(p: f64) -> Result<(), String> {
    if p.is_finite() && (1.0..=100.0).contains(&p) {
        Ok(())
    } else {
        Err(format!(
            "--threshold {p}: a percentage of disk capacity from 1 to 100"
        ))
    }
}

/// The generated playbook, its text (the journal's copy) and its host.
pub struct Balance {
    pub playbook: Playbook,
    pub text: String,
    pub host: String,
    pub log: String,
}

/// The balancer's own output goes to this file on the host (the engine
/// shows a task's output only when it fails), so `tail -f` follows it.
fn log_path(topo: &Topology) -> String {
    format!("{}/herd-balancer.log", topo.settings.dirs.log)
}

/// The stage's command: run the balancer under a time limit, keep its
/// output, print the verdict of its exit status, exit 0 or 1 by it.
pub fn command(topo: &Topology, threshold: f64, timeout: Duration) -> String {
    let log = quote(&log_path(topo));
    let mut arms = String::new();
    for (status, ok, text) in VERDICTS {
        let text = quote(&format!("{VERDICT_PREFIX}{text}"));
        let arm = if *ok {
            format!("  {status}) echo {text}; exit 0 ;;\n")
        } else if *status == 252 {
            format!(
                "  252) if grep -q {} {log}; then echo {} >&2; else echo {text} >&2; fi; exit 1 ;;\n",
                quote(ALREADY_RUNNING_TEXT),
                quote(&format!("{VERDICT_PREFIX}{ALREADY_RUNNING}")),
            )
        } else {
            format!("  {status}) tail -n 5 {log} >&2; echo {text} >&2; exit 1 ;;\n")
        };
        arms.push_str(&arm);
    }
    let secs = timeout.as_secs();
    let timed_out = quote(&format!(
        "{VERDICT_PREFIX}timed out after {}: the balancer was stopped (TERM); blocks it moved stay moved; run herd balance again to go on",
        words(timeout)
    ));
    let other = quote(&format!("{VERDICT_PREFIX}the balancer exited"));
    format!(
        "timeout -s TERM -k {KILL_AFTER_SECS} {secs} {hdfs} balancer -threshold {threshold} >{log} 2>&1\n\
         rc=$?\n\
         echo \"the balancer's output: $(hostname):\"{log}\n\
         case $rc in\n\
         {arms}  {TIMED_OUT}) tail -n 5 {log} >&2; echo {timed_out} >&2; exit 1 ;;\n\
         \x20 *) tail -n 5 {log} >&2; echo {other} \"$rc\" >&2; exit 1 ;;\n\
         esac\n",
        hdfs = hdfs_admin(&topo.settings),
    )
}

/// The one-stage playbook on the first NameNode host (the balancer finds
/// the active NameNode through the HA client configuration).
pub fn generate(topo: &Topology, threshold: f64, timeout: Duration) -> Result<Balance, String> {
    let host =
        topo.hosts("namenode").first().cloned().ok_or_else(|| {
            "the inventory has no namenode host to run the balancer on".to_string()
        })?;
    let run = command(topo, threshold, timeout);
    // The engine's limit is the balancer's plus the TERM-to-KILL grace and
    // a margin, so the balancer's own timeout always acts first.
    let stage_timeout = timeout.as_secs() + KILL_AFTER_SECS + 60;
    let mut text = String::from(
        "# Generated by `herd balance`: the HDFS balancer once, its exit status as the verdict.\n",
    );
    text.push_str(&format!("name: {STAGE}\n"));
    text.push_str(&format!(
        "description: {}\n",
        yaml_str(&format!(
            "hdfs balancer -threshold {threshold} on {host}, at most {}",
            words(timeout)
        ))
    ));
    text.push_str("stages:\n");
    text.push_str(&format!("  - name: {STAGE}\n"));
    text.push_str(&format!(
        "    hosts: {}\n",
        yaml_str(&format!("host:{host}"))
    ));
    text.push_str(&format!("    timeout: {stage_timeout}s\n"));
    text.push_str("    run: |\n");
    for line in run.lines() {
        text.push_str("      ");
        text.push_str(line);
        text.push('\n');
    }
    let playbook =
        Playbook::parse(&text, &format!("generated:{STAGE}")).map_err(|e: ModelErrors| {
            format!("the generated balance playbook does not parse (a bug in herd):\n{e}")
        })?;
    Ok(Balance {
        playbook,
        text,
        host,
        log: log_path(topo),
    })
}

/// `1h`, `30m`, `90s`: a duration as the flag takes it.
pub fn words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn yaml_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
#[path = "balance_tests.rs"]
mod tests;
