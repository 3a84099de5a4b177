//! The NameNode's view of every DataNode (`NameNodeInfo`): live or dead,
//! admin state, space and blocks; and, for those leaving, the blocks still
//! to copy. Its attributes are JSON strings keyed `host:xferPort`, parsed a
//! second time (spec 11.4).

use serde::Serialize;
use serde_json::Value;

/// One DataNode as a NameNode sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataNodeView {
    /// The host part of its `host:port` key.
    pub host: String,
    pub live: bool,
    /// `In Service`, `Decommission In Progress`, `Decommissioned`,
    /// `Entering Maintenance`, `In Maintenance` (JMX wording).
    pub admin_state: String,
    /// Bytes of HDFS data on it (live nodes only).
    pub used: u64,
    /// Bytes it can still take (live nodes only).
    pub remaining: u64,
    pub blocks: u64,
    /// Blocks still short of replicas elsewhere because it leaves
    /// (decommission or maintenance in progress).
    pub pending: Option<u64>,
}

/// Parse the `NameNodeInfo` bean (`/jmx?qry=...,name=NameNodeInfo`).
pub fn parse(jmx: &Value) -> Option<Vec<DataNodeView>> {
    let bean = jmx.pointer("/beans/0")?;
    let nested = |key: &str| -> serde_json::Map<String, Value> {
        bean.get(key)
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let leaving = {
        let mut m = nested("DecomNodes");
        m.extend(nested("EnteringMaintenanceNodes"));
        m
    };
    let mut out = Vec::new();
    for (live, key) in [(true, "LiveNodes"), (false, "DeadNodes")] {
        for (name, v) in nested(key) {
            let host = name.rsplit_once(':').map_or(name.as_str(), |(h, _)| h);
            let num = |k: &str| v.get(k).and_then(as_u64).unwrap_or(0);
            let admin_state = match v.get("adminState").and_then(Value::as_str) {
                Some(s) => s.to_string(),
                // Older NameNodes give dead nodes only `decommissioned`.
                None if v.get("decommissioned").and_then(Value::as_bool) == Some(true) => {
                    "Decommissioned".into()
                }
                None => "In Service".into(),
            };
            let pending = leaving.get(&name).map(|d| {
                d.get("underReplicatedBlocks").and_then(as_u64).unwrap_or(0)
                    + d.get("underReplicateInOpenFiles")
                        .and_then(as_u64)
                        .unwrap_or(0)
            });
            out.push(DataNodeView {
                host: host.to_string(),
                live,
                admin_state,
                used: num("usedSpace"),
                remaining: num("remaining"),
                blocks: num("numBlocks"),
                pending,
            });
        }
    }
    out.sort_by(|a, b| a.host.cmp(&b.host));
    Some(out)
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().map(|f| f as u64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_json_strings_are_read_per_host() {
        let live = serde_json::json!({
            "worker1:9866": {"adminState": "Decommission In Progress", "usedSpace": 100, "remaining": 900, "numBlocks": 7},
            "worker2:9866": {"adminState": "In Service", "usedSpace": 50, "remaining": 950, "numBlocks": 3}
        });
        let dead =
            serde_json::json!({"worker3:9866": {"decommissioned": true, "lastContact": 700}});
        let decom = serde_json::json!({"worker1:9866": {"underReplicatedBlocks": 4, "decommissionOnlyReplicas": 0, "underReplicateInOpenFiles": 1}});
        let jmx = serde_json::json!({"beans": [{
            "LiveNodes": live.to_string(), "DeadNodes": dead.to_string(),
            "DecomNodes": decom.to_string(), "EnteringMaintenanceNodes": "{}"
        }]});
        let v = parse(&jmx).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].host, "worker1");
        assert_eq!(v[0].admin_state, "Decommission In Progress");
        assert_eq!(v[0].pending, Some(5));
        assert_eq!((v[0].used, v[0].remaining, v[0].blocks), (100, 900, 7));
        assert_eq!(v[1].pending, None);
        assert!(!v[2].live);
        assert_eq!(v[2].admin_state, "Decommissioned");
        assert!(parse(&serde_json::json!({"beans": []})).is_none());
    }
}
