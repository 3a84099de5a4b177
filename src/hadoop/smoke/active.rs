//! Which NameNode or ResourceManager is active, asked of each at its web
//! port: the yarn check talks to the active ResourceManager, and a failed
//! HDFS check shows the active NameNode's log.

use std::time::Duration;

use super::context::Smoke;
use super::deadline::Deadline;

/// How an HA master says it is the active one.
pub struct HaState {
    pub role: &'static str,
    pub path: &'static str,
    pub pointer: &'static str,
    pub active: &'static str,
}

pub const NAMENODE: HaState = HaState {
    role: "namenode",
    path: "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus",
    pointer: "/beans/0/State",
    active: "active",
};

pub const RESOURCEMANAGER: HaState = HaState {
    role: "resourcemanager",
    path: "/ws/v1/cluster/info",
    pointer: "/clusterInfo/haState",
    active: "ACTIVE",
};

/// One answer's state, or why there is none.
fn state_of(
    answer: &Result<(u16, Option<serde_json::Value>), String>,
    ha: &HaState,
) -> Result<String, String> {
    match answer {
        Err(e) => Err(e.clone()),
        Ok((200, Some(v))) => v
            .pointer(ha.pointer)
            .and_then(|s| s.as_str())
            .map(String::from)
            .ok_or_else(|| format!("no {} in {}", ha.pointer, ha.path)),
        Ok((code, _)) => Err(format!("HTTP {code} for {}", ha.path)),
    }
}

/// The host of the active instance of `ha.role`; else every instance's
/// answer, for the verdict.
pub async fn find(s: &Smoke<'_>, ha: &HaState, d: &Deadline) -> Result<String, String> {
    let mut said = Vec::new();
    for host in s.topo.hosts(ha.role) {
        let answer = match s.port(host, ha.role) {
            Ok(port) => {
                s.remote
                    .get_json(host, port, ha.path, d, Duration::from_secs(5))
                    .await
            }
            Err(e) => Err(e),
        };
        match state_of(&answer, ha) {
            Ok(state) if state == ha.active => return Ok(host.clone()),
            Ok(state) => said.push(format!("{host}: {state}")),
            Err(e) => said.push(format!("{host}: {e}")),
        }
    }
    Err(format!(
        "no {} is {} ({})",
        ha.role,
        ha.active,
        said.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_are_read_from_their_pointer_and_a_redirect_is_no_state() {
        let rm = json!({"clusterInfo": {"haState": "STANDBY", "state": "STARTED"}});
        assert_eq!(
            state_of(&Ok((200, Some(rm))), &RESOURCEMANAGER),
            Ok("STANDBY".into())
        );
        let nn = json!({"beans": [{"State": "active"}]});
        assert_eq!(
            state_of(&Ok((200, Some(nn))), &NAMENODE),
            Ok("active".into())
        );
        assert_eq!(
            state_of(&Ok((200, Some(json!({"beans": []})))), &NAMENODE),
            Err("no /beans/0/State in /jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus".into())
        );
        assert_eq!(
            state_of(&Ok((307, None)), &RESOURCEMANAGER),
            Err("HTTP 307 for /ws/v1/cluster/info".into())
        );
    }
}
