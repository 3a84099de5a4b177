//! The health figures the active NameNode and ResourceManager give: how
//! many files and blocks HDFS holds and how many are missing, corrupt or
//! short of replicas, the space used, the NameNode's heap, the DataNodes
//! with failed volumes; the applications and memory of YARN.
//!
//! Attribute names are Hadoop's (3.5): `Hadoop:service=NameNode,name=FSNamesystem`
//! (the metrics2 source of FSNamesystem: FilesTotal, BlocksTotal,
//! MissingBlocks, MissingReplOneBlocks, CorruptBlocks, UnderReplicatedBlocks,
//! CapacityUsed, CapacityTotal), `name=JvmMetrics` (MemHeapUsedM,
//! MemHeapMaxM, in MiB), NameNodeInfo's LiveNodes (per node `volfails` and,
//! once a volume failed, `failedStorageIDs`, which holds the failed storage
//! locations, and `estimatedCapacityLostTotal`), and the RM's
//! `/ws/v1/cluster/metrics`.

use serde::Serialize;
use serde_json::Value;

const MIB: f64 = 1024.0 * 1024.0;

/// HDFS as the active NameNode counts it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HdfsFigures {
    /// Files and directories (FilesTotal).
    pub files: u64,
    pub blocks: u64,
    /// Blocks without a single good replica: their data is unreadable.
    pub missing_blocks: u64,
    /// Of the missing, those of files with replication 1.
    pub missing_blocks_replication_one: u64,
    /// Blocks with at least one corrupt replica.
    pub corrupt_blocks: u64,
    pub under_replicated_blocks: u64,
    /// Bytes the DataNodes use for HDFS, and their raw capacity.
    pub capacity_used: u64,
    pub capacity_total: u64,
    /// The NameNode's heap; None when its JvmMetrics did not answer.
    pub heap: Option<Heap>,
    /// Live DataNodes with failed volumes.
    pub failed_volumes: Vec<VolumeFailure>,
}

/// A JVM's heap in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heap {
    pub used: u64,
    pub max: u64,
}

/// A live DataNode with failed volumes, as the NameNode knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeFailure {
    pub host: String,
    pub volumes: u64,
    /// The failed storage locations (directories), when the DataNode sent them.
    pub locations: Vec<String>,
    /// Bytes of capacity lost, as the DataNode estimates it.
    pub capacity_lost: u64,
}

/// YARN as the active ResourceManager counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YarnFigures {
    pub apps_running: u64,
    pub apps_pending: u64,
    /// Memory of running containers, and all the NodeManagers offer.
    pub memory_allocated_mb: u64,
    pub memory_total_mb: u64,
}

/// The figures from the FSNamesystem bean (`fsn`), with the heap from
/// JvmMetrics (`jvm`) and volume failures from NameNodeInfo (`info`) when
/// those answered. None when FSNamesystem lacks a count (a NameNode still
/// starting answers with no beans).
pub fn hdfs(fsn: &Value, jvm: Option<&Value>, info: Option<&Value>) -> Option<HdfsFigures> {
    let bean = fsn.pointer("/beans/0")?;
    let n = |k: &str| bean.get(k).and_then(as_u64);
    Some(HdfsFigures {
        files: n("FilesTotal")?,
        blocks: n("BlocksTotal")?,
        missing_blocks: n("MissingBlocks")?,
        missing_blocks_replication_one: n("MissingReplOneBlocks").unwrap_or(0),
        corrupt_blocks: n("CorruptBlocks")?,
        under_replicated_blocks: n("UnderReplicatedBlocks")?,
        capacity_used: n("CapacityUsed")?,
        capacity_total: n("CapacityTotal")?,
        heap: jvm.and_then(heap),
        failed_volumes: info.map(volume_failures).unwrap_or_default(),
    })
}

/// MemHeapUsedM and MemHeapMaxM of a JvmMetrics bean, in bytes.
fn heap(jvm: &Value) -> Option<Heap> {
    let bean = jvm.pointer("/beans/0")?;
    let mb = |k: &str| bean.get(k).and_then(Value::as_f64);
    Some(Heap {
        used: (mb("MemHeapUsedM")? * MIB) as u64,
        max: (mb("MemHeapMaxM")? * MIB) as u64,
    })
}

/// The live DataNodes of NameNodeInfo whose `volfails` is above 0, by host.
fn volume_failures(info: &Value) -> Vec<VolumeFailure> {
    let live = info
        .pointer("/beans/0/LiveNodes")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    let Some(Value::Object(nodes)) = live else {
        return Vec::new();
    };
    let mut out: Vec<VolumeFailure> = nodes
        .iter()
        .filter_map(|(name, v)| {
            let volumes = v.get("volfails").and_then(as_u64).filter(|&n| n > 0)?;
            let host = name.rsplit_once(':').map_or(name.as_str(), |(h, _)| h);
            Some(VolumeFailure {
                host: host.to_string(),
                volumes,
                locations: v
                    .get("failedStorageIDs")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default(),
                capacity_lost: v
                    .get("estimatedCapacityLostTotal")
                    .and_then(as_u64)
                    .unwrap_or(0),
            })
        })
        .collect();
    out.sort_by(|a, b| a.host.cmp(&b.host));
    out
}

/// The figures of `/ws/v1/cluster/metrics`.
pub fn yarn(metrics: &Value) -> Option<YarnFigures> {
    let m = metrics.get("clusterMetrics")?;
    let n = |k: &str| m.get(k).and_then(as_u64);
    Some(YarnFigures {
        apps_running: n("appsRunning")?,
        apps_pending: n("appsPending")?,
        memory_allocated_mb: n("allocatedMB")?,
        memory_total_mb: n("totalMB")?,
    })
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/jmx/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Samples from the sandbox's active NameNode and ResourceManager
    /// (Hadoop 3.5.0), as /jmx and /ws/v1/cluster/metrics answered them.
    #[test]
    fn a_sandbox_namenode_reads_whole() {
        let h = hdfs(
            &sample("namenode-fsnamesystem"),
            Some(&sample("namenode-jvmmetrics")),
            Some(&sample("namenode-info")),
        )
        .unwrap();
        assert_eq!((h.files, h.blocks), (30, 9));
        assert_eq!((h.missing_blocks, h.corrupt_blocks), (0, 0));
        assert_eq!(h.missing_blocks_replication_one, 0);
        assert_eq!(h.under_replicated_blocks, 0);
        assert_eq!(
            (h.capacity_used, h.capacity_total),
            (891_453_875, 811_659_522_048)
        );
        // MemHeapUsedM 53.251198, MemHeapMaxM 309.375 (-Xmx320m less a survivor space).
        let heap = h.heap.unwrap();
        assert_eq!(heap.used, (53.251198 * MIB) as u64);
        assert_eq!(heap.max, 324_403_200);
        assert!(h.failed_volumes.is_empty(), "{:?}", h.failed_volumes);
    }

    #[test]
    fn what_did_not_answer_is_left_out() {
        let fsn = sample("namenode-fsnamesystem");
        let h = hdfs(&fsn, None, None).unwrap();
        assert_eq!(h.heap, None);
        assert!(h.failed_volumes.is_empty());
        // A NameNode still starting answers with no beans.
        assert_eq!(hdfs(&serde_json::json!({"beans": []}), None, None), None);
        let mut partial = fsn.clone();
        partial["beans"][0]
            .as_object_mut()
            .unwrap()
            .remove("CorruptBlocks");
        assert_eq!(hdfs(&partial, None, None), None);
    }

    /// NameNodeInfo's LiveNodes with worker3 given a failed volume the way
    /// FSNamesystem.getLiveNodes of Hadoop 3.5.0 adds one: `volfails`, then
    /// from the DataNode's VolumeFailureSummary `failedStorageIDs` (the
    /// failed storage locations), `lastVolumeFailureDate` and
    /// `estimatedCapacityLostTotal`. (The sandbox's DataNodes have a single
    /// data directory, whose failure stops the DataNode instead.)
    #[test]
    fn failed_volumes_are_named_per_host() {
        let h = hdfs(
            &sample("namenode-fsnamesystem"),
            None,
            Some(&sample("namenode-info-volume-failed")),
        )
        .unwrap();
        assert_eq!(
            h.failed_volumes,
            [VolumeFailure {
                host: "worker3".into(),
                volumes: 1,
                locations: vec!["/data/hadoop/hdfs/data2".into()],
                capacity_lost: 270_553_174_016,
            }]
        );
    }

    #[test]
    fn yarn_metrics_of_the_active_rm() {
        let y = yarn(&sample("rm-cluster-metrics")).unwrap();
        assert_eq!(
            y,
            YarnFigures {
                apps_running: 0,
                apps_pending: 0,
                memory_allocated_mb: 0,
                memory_total_mb: 3072,
            }
        );
        assert_eq!(yarn(&serde_json::json!({"clusterInfo": {}})), None);
    }
}
