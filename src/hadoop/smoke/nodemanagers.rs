//! Which NodeManagers can run a container, asked before a job is
//! submitted: those the active ResourceManager lists as RUNNING and that
//! answer themselves. The ResourceManager's word alone is not enough: a
//! NodeManager stopped with recovery supervised (herd's setting, so its
//! containers survive a restart) does not unregister, and the
//! ResourceManager keeps it RUNNING until its liveness expiry (10 minutes
//! by default), while a job sent to it waits for an ApplicationMaster that
//! never starts.

use std::time::Duration;

use super::context::Smoke;
use super::deadline::Deadline;

/// One node of the ResourceManager's `/ws/v1/cluster/nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub host: String,
    pub state: String,
    /// The port of `nodeHTTPAddress`.
    pub http_port: Option<u16>,
}

/// The nodes of a `/ws/v1/cluster/nodes` answer (`"nodes": null` when
/// none ever registered).
pub fn parse_nodes(v: &serde_json::Value) -> Vec<Node> {
    let Some(list) = v.pointer("/nodes/node").and_then(|n| n.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|n| {
            let s = |k: &str| n.get(k).and_then(|x| x.as_str());
            Some(Node {
                host: s("nodeHostName")?.to_string(),
                state: s("state").unwrap_or("").to_string(),
                http_port: s("nodeHTTPAddress")
                    .and_then(|a| a.rsplit_once(':'))
                    .and_then(|(_, p)| p.parse().ok()),
            })
        })
        .collect()
}

/// The NodeManagers a job can run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    /// RUNNING and answering.
    pub answering: Vec<String>,
    /// RUNNING on the ResourceManager, but silent (host, why).
    pub silent: Vec<(String, String)>,
    /// Nodes in other states, counted by state (`LOST 1`, `SHUTDOWN 2`).
    pub others: Vec<(String, usize)>,
}

impl Ready {
    /// `; the ResourceManager also lists ...`, or nothing.
    pub fn others_words(&self) -> String {
        if self.others.is_empty() {
            return String::new();
        }
        let words: Vec<String> = self
            .others
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        format!("; the ResourceManager also lists {}", words.join(", "))
    }
}

/// Sorts `nodes` by the answers of the RUNNING ones: `answers[i]` is the
/// i-th RUNNING node's, Ok when it answered.
pub fn sort(nodes: &[Node], answers: Vec<Result<(), String>>) -> Ready {
    let running: Vec<&Node> = nodes.iter().filter(|n| n.state == "RUNNING").collect();
    let mut ready = Ready {
        answering: Vec::new(),
        silent: Vec::new(),
        others: Vec::new(),
    };
    for (n, a) in running.iter().zip(answers) {
        match a {
            Ok(()) => ready.answering.push(n.host.clone()),
            Err(e) => ready.silent.push((n.host.clone(), e)),
        }
    }
    for n in nodes.iter().filter(|n| n.state != "RUNNING") {
        match ready.others.iter_mut().find(|(s, _)| *s == n.state) {
            Some((_, c)) => *c += 1,
            None => ready.others.push((n.state.clone(), 1)),
        }
    }
    ready
}

/// Asks the active ResourceManager (`rm`:`port`) for its nodes, and each
/// RUNNING one whether it answers, all at once.
pub async fn ready(s: &Smoke<'_>, rm: &str, port: u16, d: &Deadline) -> Result<Ready, String> {
    let nodes = match s
        .remote
        .get_json(rm, port, "/ws/v1/cluster/nodes", d, Duration::from_secs(10))
        .await?
    {
        (200, Some(v)) => parse_nodes(&v),
        (code, _) => {
            return Err(format!(
                "{rm}:{port} answered HTTP {code} for /ws/v1/cluster/nodes"
            ));
        }
    };
    let answers = futures::future::join_all(nodes.iter().filter(|n| n.state == "RUNNING").map(
        |n| async move {
            // A node the inventory does not know cannot be asked: its word is
            // the ResourceManager's.
            if s.inv.host(&n.host).is_none() {
                return Ok(());
            }
            let port = n
                .http_port
                .or_else(|| s.port(&n.host, "nodemanager").ok())
                .unwrap_or(0);
            match s
                .remote
                .get_json(&n.host, port, "/ws/v1/node/info", d, Duration::from_secs(5))
                .await
            {
                Ok((200, _)) => Ok(()),
                Ok((code, _)) => Err(format!("HTTP {code}")),
                Err(e) => Err(e),
            }
        },
    ))
    .await;
    Ok(sort(&nodes, answers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nodes_are_read_and_sorted_by_their_own_answers() {
        let v = json!({"nodes": {"node": [
            {"rack": "/rack1", "state": "RUNNING", "id": "worker1:8041", "nodeHostName": "worker1", "nodeHTTPAddress": "worker1:8042"},
            {"rack": "/rack1", "state": "RUNNING", "id": "worker2:8041", "nodeHostName": "worker2", "nodeHTTPAddress": "worker2:8042"},
            {"rack": "/rack2", "state": "LOST", "id": "worker3:8041", "nodeHostName": "worker3", "nodeHTTPAddress": ""},
        ]}});
        let nodes = parse_nodes(&v);
        assert_eq!(
            nodes[0],
            Node {
                host: "worker1".into(),
                state: "RUNNING".into(),
                http_port: Some(8042)
            }
        );
        assert_eq!(nodes[2].http_port, None);
        let ready = sort(
            &nodes,
            vec![Err("nothing listens on worker1:8042".into()), Ok(())],
        );
        assert_eq!(ready.answering, vec!["worker2".to_string()]);
        assert_eq!(
            ready.silent,
            vec![(
                "worker1".to_string(),
                "nothing listens on worker1:8042".to_string()
            )]
        );
        assert_eq!(ready.others, vec![("LOST".to_string(), 1)]);
        assert_eq!(
            ready.others_words(),
            "; the ResourceManager also lists 1 LOST"
        );
        assert!(parse_nodes(&json!({"nodes": null})).is_empty());
    }
}
