//! The cluster-wide properties of the Hadoop site files, and of zoo.cfg
//! beside them (built in `zookeeper`). Choices worth knowing:
//!
//! - `dfs.ha.fencing.methods` is `shell(/bin/true)`. The seed's `sshfence`
//!   needs SSH keys from each NameNode to the other and `fuser` on the hosts;
//!   without them ZKFC cannot fence and failover stalls. With the Quorum
//!   Journal Manager the JournalNodes already refuse writes from a deposed
//!   active (epoch numbers), so split-brain edits cannot happen; what fencing
//!   would add is stopping stale reads from the old active. Set
//!   `sshfence` through an override where keys exist.
//! - `dfs.hosts` is herd's own include list in the combined JSON format
//!   (`CombinedHostFileManager`), the one that carries maintenance states;
//!   the seed pointed it at the `workers` file. Every DataNode of the
//!   inventory is in it, and the bring-up has the NameNodes re-read it
//!   before new DataNodes start, since one missing from it is refused.
//!   The ResourceManagers get an include and an exclude list the same way.
//! - `dfs.datanode.failed.volumes.tolerated` is 1 with several data dirs
//!   (seed 004: a failed disk must not stop the DataNode) and 0 with one,
//!   since Hadoop refuses a value that tolerates losing every volume.
//! - `yarn.resourcemanager.(state-store.)max-completed-applications` are 1000
//!   instead of 10000 (seed 004: failover reloads all of them from ZooKeeper).
//! - `yarn.nodemanager.address` has a fixed port (8041) and NM recovery is
//!   supervised where systemd restarts the NodeManager, so a NodeManager
//!   restart keeps its containers (spec 7.6); where nothing restarts it,
//!   a stopping NodeManager cleans its containers up instead.
//! - `yarn.nodemanager.vmem-check-enabled` is false: a Java 17 JVM reserves
//!   far more virtual memory than 2.1 times its container size and would be
//!   killed for it. The Java 17 `--add-opens` for containers are the
//!   release's own defaults from Hadoop 3.4.1 on (MAPREDUCE-7449/7456).

use crate::hadoop::default_ports::*;
use crate::model::Inventory;

use super::props::{apply_overrides, note, set};
use super::rack::RACK_SCRIPT;
use super::zookeeper::zoo_cfg;
use crate::hadoop::settings::{DEFAULT_MAX_COMPLETED_APPS, DEFAULT_TRASH_MINUTES};
use crate::hadoop::topology::Topology;
use crate::hadoop::xml::Props;

const FENCING_NOTE: &str = "herd default: the JournalNodes (QJM) already refuse edits from a deposed active NameNode, so no SSH keys between NameNodes are needed for failover. Override with sshfence where they exist.";
const TOLERATED_NOTE: &str = "herd default: 1 with several data directories so one failed disk does not stop the DataNode, 0 with a single one (Hadoop refuses to tolerate losing every volume).";
const COMPLETED_NOTE: &str = "herd default: bounded so a ResourceManager failover does not reload thousands of finished applications from ZooKeeper.";
const NM_ADDRESS_NOTE: &str =
    "herd default: a fixed port; NodeManager recovery cannot use an ephemeral one.";
const VMEM_NOTE: &str = "herd default: Java 17 JVMs reserve much more virtual memory than the physical limit, and would be killed by this check.";

/// The properties of the cluster-wide files, overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfigs {
    pub core: Props,
    pub hdfs: Props,
    pub yarn: Props,
    pub mapred: Props,
    pub zoo: Props,
}

impl SiteConfigs {
    /// The properties of `file` as named in `vars.overrides` (`core-site`, `zoo.cfg`, ...).
    pub fn by_name(&self, file: &str) -> Option<&Props> {
        match file {
            "core-site" => Some(&self.core),
            "hdfs-site" => Some(&self.hdfs),
            "yarn-site" => Some(&self.yarn),
            "mapred-site" => Some(&self.mapred),
            "zoo.cfg" => Some(&self.zoo),
            _ => None,
        }
    }

    /// The effective `dfs.replication`, overrides applied: what every
    /// block is written with, and so what a restart may take offline at
    /// once. A removed key is Hadoop's own default, 3.
    pub fn replication(&self) -> Result<usize, String> {
        match self.hdfs.get("dfs.replication") {
            None => Ok(HADOOP_REPLICATION),
            Some(p) => match p.value.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "vars.overrides.hdfs-site.dfs.replication: '{}' is not a positive number",
                    p.value
                )),
            },
        }
    }
}

/// Hadoop's `dfs.replication` when hdfs-site.xml does not set it.
const HADOOP_REPLICATION: usize = 3;

/// The port in a Hadoop address value: `host:8020`, `${x}:8041`, `0.0.0.0:9870`
/// or a bare port number.
pub fn port_in(value: &str) -> Option<u16> {
    let v = value.trim();
    let tail = v.rsplit_once(':').map_or(v, |(_, p)| p);
    tail.trim().parse().ok()
}

/// The cluster-wide properties of every site file and zoo.cfg.
pub fn site_configs(_inv: &Inventory, topo: &Topology) -> SiteConfigs {
    let s = &topo.settings;
    let ns = &s.nameservice;
    let conf_dir = s.hadoop_conf_dir();

    let mut core = Props::new();
    set(&mut core, "fs.defaultFS", format!("hdfs://{ns}"));
    set(&mut core, "ha.zookeeper.quorum", topo.zk_quorum());
    set(&mut core, "hadoop.tmp.dir", &s.dirs.tmp);
    set(&mut core, "fs.trash.interval", DEFAULT_TRASH_MINUTES);
    if !topo.racks.is_empty() {
        set(
            &mut core,
            "net.topology.script.file.name",
            format!("{conf_dir}/{RACK_SCRIPT}"),
        );
    }
    if let Some(sec) = &s.security {
        super::secure_site::core(&mut core, topo, &sec.kerberos);
    }
    apply_overrides(&mut core, topo, "core-site");

    let mut hdfs = Props::new();
    set(&mut hdfs, "dfs.nameservices", ns);
    let ids: Vec<&str> = topo.namenodes.iter().map(|(id, _)| id.as_str()).collect();
    set(&mut hdfs, format!("dfs.ha.namenodes.{ns}"), ids.join(","));
    for (id, host) in &topo.namenodes {
        set(
            &mut hdfs,
            format!("dfs.namenode.rpc-address.{ns}.{id}"),
            format!("{host}:{NAMENODE_RPC}"),
        );
        set(
            &mut hdfs,
            format!("dfs.namenode.http-address.{ns}.{id}"),
            format!("{host}:{NAMENODE_HTTP}"),
        );
    }
    // The URI must name the port the JournalNodes really listen on.
    let jn_port = s
        .override_of("hdfs-site", "dfs.journalnode.rpc-address")
        .and_then(|v| v.as_deref())
        .and_then(port_in)
        .unwrap_or(JOURNALNODE_RPC);
    set(
        &mut hdfs,
        "dfs.namenode.shared.edits.dir",
        topo.qjournal_uri(jn_port),
    );
    set(
        &mut hdfs,
        format!("dfs.client.failover.proxy.provider.{ns}"),
        "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
    );
    set(&mut hdfs, "dfs.ha.automatic-failover.enabled", true);
    note(
        &mut hdfs,
        "dfs.ha.fencing.methods",
        "shell(/bin/true)",
        FENCING_NOTE,
    );
    set(&mut hdfs, "dfs.journalnode.edits.dir", &s.dirs.journal);
    set(&mut hdfs, "dfs.namenode.name.dir", s.dirs.name.join(","));
    set(&mut hdfs, "dfs.datanode.data.dir", s.dirs.data.join(","));
    set(&mut hdfs, "dfs.blocksize", s.block_size);
    set(
        &mut hdfs,
        "dfs.replication",
        topo.hosts("datanode").len().clamp(1, 3),
    );
    set(&mut hdfs, "dfs.namenode.handler.count", 100);
    note(
        &mut hdfs,
        "dfs.datanode.failed.volumes.tolerated",
        if s.dirs.data.len() > 1 { 1 } else { 0 },
        TOLERATED_NOTE,
    );
    set(
        &mut hdfs,
        "dfs.namenode.datanode.registration.ip-hostname-check",
        false,
    );
    set(&mut hdfs, "dfs.webhdfs.enabled", true);
    set(
        &mut hdfs,
        "dfs.namenode.hosts.provider.classname",
        "org.apache.hadoop.hdfs.server.blockmanagement.CombinedHostFileManager",
    );
    set(
        &mut hdfs,
        "dfs.hosts",
        format!("{}/{}", s.hadoop_conf_dir(), super::DFS_HOSTS),
    );
    if let Some(sec) = &s.security {
        super::secure_site::hdfs(&mut hdfs, topo, &sec.kerberos);
    }
    apply_overrides(&mut hdfs, topo, "hdfs-site");

    let mut yarn = Props::new();
    set(&mut yarn, "yarn.resourcemanager.ha.enabled", true);
    set(
        &mut yarn,
        "yarn.resourcemanager.ha.automatic-failover.enabled",
        true,
    );
    set(&mut yarn, "yarn.resourcemanager.cluster-id", ns);
    let rm_ids: Vec<&str> = topo
        .resourcemanagers
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    set(
        &mut yarn,
        "yarn.resourcemanager.ha.rm-ids",
        rm_ids.join(","),
    );
    for (id, host) in &topo.resourcemanagers {
        set(
            &mut yarn,
            format!("yarn.resourcemanager.hostname.{id}"),
            host,
        );
        set(
            &mut yarn,
            format!("yarn.resourcemanager.webapp.address.{id}"),
            format!("{host}:{RESOURCEMANAGER_HTTP}"),
        );
    }
    set(&mut yarn, "hadoop.zk.address", topo.zk_quorum());
    // The embedded elector of Hadoop 3.5 still reads the deprecated key and
    // refuses to start without it ("Embedded automatic failover is enabled,
    // but yarn.resourcemanager.zk-address is not set").
    set(
        &mut yarn,
        "yarn.resourcemanager.zk-address",
        topo.zk_quorum(),
    );
    set(&mut yarn, "yarn.resourcemanager.recovery.enabled", true);
    set(
        &mut yarn,
        "yarn.resourcemanager.store.class",
        "org.apache.hadoop.yarn.server.resourcemanager.recovery.ZKRMStateStore",
    );
    note(
        &mut yarn,
        "yarn.resourcemanager.max-completed-applications",
        DEFAULT_MAX_COMPLETED_APPS,
        COMPLETED_NOTE,
    );
    note(
        &mut yarn,
        "yarn.resourcemanager.state-store.max-completed-applications",
        DEFAULT_MAX_COMPLETED_APPS,
        COMPLETED_NOTE,
    );
    set(
        &mut yarn,
        "yarn.nodemanager.resource.memory-mb",
        s.nm_memory_mb,
    );
    set(
        &mut yarn,
        "yarn.nodemanager.resource.cpu-vcores",
        s.nm_vcores,
    );
    set(
        &mut yarn,
        "yarn.scheduler.minimum-allocation-mb",
        s.nm_memory_mb.min(1024),
    );
    set(
        &mut yarn,
        "yarn.scheduler.maximum-allocation-mb",
        s.nm_memory_mb,
    );
    set(
        &mut yarn,
        "yarn.scheduler.maximum-allocation-vcores",
        s.nm_vcores,
    );
    set(
        &mut yarn,
        "yarn.nodemanager.local-dirs",
        s.dirs.yarn_local.join(","),
    );
    set(
        &mut yarn,
        "yarn.nodemanager.log-dirs",
        s.dirs.yarn_log.join(","),
    );
    set(
        &mut yarn,
        "yarn.nodemanager.aux-services",
        "mapreduce_shuffle",
    );
    // The seed wrote `...aux-services.mapreduce.shuffle.class`, which YARN
    // never reads: the key carries the service name, mapreduce_shuffle.
    set(
        &mut yarn,
        "yarn.nodemanager.aux-services.mapreduce_shuffle.class",
        "org.apache.hadoop.mapred.ShuffleHandler",
    );
    note(
        &mut yarn,
        "yarn.nodemanager.address",
        format!("${{yarn.nodemanager.hostname}}:{NODEMANAGER_RPC}"),
        NM_ADDRESS_NOTE,
    );
    set(
        &mut yarn,
        "yarn.resourcemanager.nodes.include-path",
        format!("{}/{}", s.hadoop_conf_dir(), super::YARN_INCLUDE),
    );
    set(
        &mut yarn,
        "yarn.resourcemanager.nodes.exclude-path",
        format!("{}/{}", s.hadoop_conf_dir(), super::YARN_EXCLUDE),
    );
    set(&mut yarn, "yarn.nodemanager.recovery.enabled", true);
    // True here; hosts without a supervisor get `unsupervised` instead.
    set(&mut yarn, "yarn.nodemanager.recovery.supervised", true);
    set(
        &mut yarn,
        "yarn.nodemanager.recovery.dir",
        &s.dirs.nm_recovery,
    );
    note(
        &mut yarn,
        "yarn.nodemanager.vmem-check-enabled",
        false,
        VMEM_NOTE,
    );
    if let Some(sec) = &s.security {
        super::secure_site::yarn(&mut yarn, topo, &sec.kerberos);
    }
    apply_overrides(&mut yarn, topo, "yarn-site");

    let mut mapred = Props::new();
    set(&mut mapred, "mapreduce.framework.name", "yarn");
    if let Some(jhs) = topo.hosts("historyserver").first() {
        set(
            &mut mapred,
            "mapreduce.jobhistory.address",
            format!("{jhs}:{HISTORYSERVER_RPC}"),
        );
        set(
            &mut mapred,
            "mapreduce.jobhistory.webapp.address",
            format!("{jhs}:{HISTORYSERVER_HTTP}"),
        );
        set(
            &mut mapred,
            "mapreduce.jobhistory.admin.address",
            format!("{jhs}:{HISTORYSERVER_ADMIN}"),
        );
    }
    let mapred_home = format!("HADOOP_MAPRED_HOME={}", s.hadoop_home());
    for key in [
        "yarn.app.mapreduce.am.env",
        "mapreduce.map.env",
        "mapreduce.reduce.env",
    ] {
        set(&mut mapred, key, &mapred_home);
    }
    if let Some(sec) = &s.security {
        super::secure_site::mapred(&mut mapred, topo, &sec.kerberos);
    }
    apply_overrides(&mut mapred, topo, "mapred-site");

    let zoo = zoo_cfg(topo);

    SiteConfigs {
        core,
        hdfs,
        yarn,
        mapred,
        zoo,
    }
}

/// yarn-site for a NodeManager host that no supervisor restarts:
/// `recovery.supervised` false, unless the inventory sets it.
pub(super) fn unsupervised(yarn: &Props, s: &crate::hadoop::settings::Settings) -> Props {
    let key = "yarn.nodemanager.recovery.supervised";
    let mut out = yarn.clone();
    if s.override_of("yarn-site", key).is_none() && out.contains_key(key) {
        set(&mut out, key, false);
    }
    out
}
