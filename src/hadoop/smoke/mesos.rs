//! The mesos check: a master leads, and every mesos-agent host in service
//! is registered with it and active. Only the leader answers
//! `/master/state` (the others redirect to it, 307, or answer 503 while
//! none leads). This is membership only: no framework runs a task, since
//! the sandbox's Mesos stand-in runs none, so the verdict says so.

use std::time::Duration;

use super::check::{Check, Verdict};
use super::context::Smoke;
use super::deadline::{Attempt, Deadline, Polled};
use super::log_tail;

pub const CHECK: Check = Check {
    name: "mesos",
    needs: &["mesos-master"],
    limit: Duration::from_secs(45),
    run: |s, d| Box::pin(run(s, d)),
    clean: |_, _| Box::pin(async { Ok(()) }),
};

const MEMBERSHIP_ONLY: &str = "membership only, no task run (the Mesos stand-in runs none)";

/// One agent in the leader's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub hostname: String,
    pub active: bool,
}

/// The agents of a leader's `/master/state`.
pub fn agents(state: &serde_json::Value) -> Vec<Agent> {
    state
        .get("slaves")
        .and_then(|s| s.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    Some(Agent {
                        hostname: a.get("hostname")?.as_str()?.to_string(),
                        active: a.get("active").and_then(|x| x.as_bool()).unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The hosts of `wanted` the leader does not count as active agents, with
/// why (`not registered`, `inactive`).
pub fn missing(wanted: &[String], seen: &[Agent]) -> Vec<(String, &'static str)> {
    wanted
        .iter()
        .filter_map(|h| match seen.iter().find(|a| &a.hostname == h) {
            Some(a) if a.active => None,
            Some(_) => Some((h.clone(), "inactive")),
            None => Some((h.clone(), "not registered")),
        })
        .collect()
}

enum Seen {
    Leader {
        host: String,
        missing: Vec<(String, &'static str)>,
    },
    NoLeader(String),
}

async fn look(s: &Smoke<'_>, wanted: &[String], d: &Deadline) -> Seen {
    let mut said = Vec::new();
    for host in s.topo.hosts("mesos-master") {
        let port = match s.port(host, "mesos-master") {
            Ok(p) => p,
            Err(e) => {
                said.push(format!("{host}: {e}"));
                continue;
            }
        };
        match s
            .remote
            .get_json(host, port, "/master/state", d, Duration::from_secs(5))
            .await
        {
            Ok((200, Some(v))) => {
                return Seen::Leader {
                    host: host.clone(),
                    missing: missing(wanted, &agents(&v)),
                };
            }
            Ok((307, _)) => said.push(format!("{host}: not the leader (307)")),
            Ok((503, _)) => said.push(format!("{host}: no leader elected (503)")),
            Ok((code, _)) => said.push(format!("{host}: HTTP {code}")),
            Err(e) => said.push(format!("{host}: {e}")),
        }
    }
    Seen::NoLeader(said.join("; "))
}

fn words(missing: &[(String, &str)]) -> String {
    missing
        .iter()
        .map(|(h, w)| format!("{h} {w}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn run(s: &Smoke<'_>, d: &Deadline) -> Verdict {
    let wanted = s.topo.in_service("mesos-agent");
    // An agent restarted a moment ago registers within seconds: waited for.
    let seen = d
        .poll(Duration::from_secs(1), || async {
            match look(s, &wanted, d).await {
                Seen::Leader { host, missing } if missing.is_empty() => Attempt::Done(host),
                Seen::Leader { host, missing } => Attempt::Wait(format!(
                    "the leading master {host} counts {}",
                    words(&missing)
                )),
                Seen::NoLeader(said) => Attempt::Wait(format!("no Mesos master leads ({said})")),
            }
        })
        .await;
    match seen {
        Ok(leader) => Verdict::Pass(format!(
            "{leader} leads; {} of {} agents in service registered and active{}; {MEMBERSHIP_ONLY}",
            wanted.len(),
            wanted.len(),
            if wanted.is_empty() {
                String::new()
            } else {
                format!(" ({})", wanted.join(", "))
            },
        )),
        Err(Polled::TimedOut(why) | Polled::Failed(why)) => {
            let hosts: Vec<String> =
                match look(s, &wanted, &Deadline::after(Duration::from_secs(10))).await {
                    Seen::Leader { missing, .. } => {
                        missing.into_iter().map(|(h, _)| h).take(3).collect()
                    }
                    Seen::NoLeader(_) => s.topo.hosts("mesos-master").to_vec(),
                };
            let role = if hosts.iter().all(|h| wanted.contains(h)) {
                "mesos-agent"
            } else {
                "mesos-master"
            };
            Verdict::fail_with(
                format!("after {}s: {why}; {MEMBERSHIP_ONLY}", CHECK.limit.as_secs()),
                log_tail::daemons(s, &hosts, role).await,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agents_are_read_from_the_leaders_state_and_the_missing_named() {
        // The stand-in's /master/state, as served on the sandbox (trimmed).
        let state = json!({"hostname": "master3", "activated_slaves": 2, "slaves": [
            {"id": "2bd9-S0", "hostname": "worker2", "port": 5051, "pid": "slave(1)@172.30.0.22:5051", "active": true, "deactivated": false},
            {"id": "2bd9-S1", "hostname": "worker1", "port": 5051, "active": false, "deactivated": true},
        ], "recovered_slaves": []});
        let seen = agents(&state);
        assert_eq!(
            seen,
            vec![
                Agent {
                    hostname: "worker2".into(),
                    active: true
                },
                Agent {
                    hostname: "worker1".into(),
                    active: false
                },
            ]
        );
        let wanted: Vec<String> = ["worker1", "worker2", "worker3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            missing(&wanted, &seen),
            vec![
                ("worker1".to_string(), "inactive"),
                ("worker3".to_string(), "not registered")
            ]
        );
        assert!(missing(&wanted[1..2], &seen).is_empty());
        assert!(agents(&json!({"hostname": "m1"})).is_empty());
    }
}
