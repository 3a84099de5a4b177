//! From inventory and topology to the files each host needs.
//!
//! Defaults follow the seed's production cluster (Hadoop 3, QJM, ZKFC, RM HA
//! on ZooKeeper) with the HA essentials it lacked, then `vars.overrides` is
//! merged on top, per file (a null removes a default). Choices worth knowing:
//!
//! - `dfs.ha.fencing.methods` is `shell(/bin/true)`. The seed's `sshfence`
//!   needs SSH keys from each NameNode to the other and `fuser` on the hosts;
//!   without them ZKFC cannot fence and failover stalls. With the Quorum
//!   Journal Manager the JournalNodes already refuse writes from a deposed
//!   active (epoch numbers), so split-brain edits cannot happen; what fencing
//!   would add is stopping stale reads from the old active. Set
//!   `sshfence` through an override where keys exist.
//! - `dfs.hosts` is not set. The seed pointed it at the `workers` file; any
//!   DataNode missing from that include list is refused by the NameNode, so
//!   adding a worker to the inventory without re-pushing every host would
//!   leave it out. Use an override for a managed include list.
//! - `dfs.datanode.failed.volumes.tolerated` is 1 with several data dirs
//!   (seed 004: a failed disk must not stop the DataNode) and 0 with one,
//!   since Hadoop refuses a value that tolerates losing every volume.
//! - `yarn.resourcemanager.(state-store.)max-completed-applications` are 1000
//!   instead of 10000 (seed 004: failover reloads all of them from ZooKeeper).
//! - `yarn.nodemanager.address` has a fixed port (8041) and NM recovery is
//!   supervised, so a NodeManager restart keeps its containers (spec 7.6).
//! - `yarn.nodemanager.vmem-check-enabled` is false: a Java 17 JVM reserves
//!   far more virtual memory than 2.1 times its container size and would be
//!   killed for it. The Java 17 `--add-opens` for containers are the
//!   release's own defaults from Hadoop 3.4.1 on (MAPREDUCE-7449/7456).
//! - Daemon heaps go into the per-daemon `*_OPTS` variables: one global
//!   `HADOOP_HEAPSIZE_MAX` would give every daemon the NameNode's heap; it is
//!   kept for the command-line tools only (a daemon's own -Xmx wins over it).

use crate::shell::quote;
use std::collections::BTreeMap;

use crate::model::{Host, Inventory, ModelErrors};

use super::files::{ClusterFiles, HostFiles, RenderedFile};
use super::ports;
use super::settings::{DEFAULT_MAX_COMPLETED_APPS, DEFAULT_TRASH_MINUTES, heap_mb};
use super::topology::Topology;
use super::xml::{HEADER, Prop, Props, site_xml};
use super::{HADOOP_CLIENT_ROLES, HADOOP_ROLES};

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
}

fn set(props: &mut Props, key: impl Into<String>, value: impl ToString) {
    props.insert(
        key.into(),
        Prop {
            value: value.to_string(),
            note: None,
        },
    );
}

fn note(props: &mut Props, key: &str, value: impl ToString, note: &'static str) {
    props.insert(
        key.to_string(),
        Prop {
            value: value.to_string(),
            note: Some(note),
        },
    );
}

fn apply_overrides(props: &mut Props, topo: &Topology, file: &str) {
    if let Some(over) = topo.settings.overrides.get(file) {
        for (k, v) in over {
            match v {
                Some(v) => set(props, k.clone(), v),
                None => {
                    props.remove(k);
                }
            }
        }
    }
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
    apply_overrides(&mut core, topo, "core-site");

    let mut hdfs = Props::new();
    set(&mut hdfs, "dfs.nameservices", ns);
    let ids: Vec<&str> = topo.namenodes.iter().map(|(id, _)| id.as_str()).collect();
    set(&mut hdfs, format!("dfs.ha.namenodes.{ns}"), ids.join(","));
    for (id, host) in &topo.namenodes {
        set(
            &mut hdfs,
            format!("dfs.namenode.rpc-address.{ns}.{id}"),
            format!("{host}:8020"),
        );
        set(
            &mut hdfs,
            format!("dfs.namenode.http-address.{ns}.{id}"),
            format!("{host}:9870"),
        );
    }
    // The URI must name the port the JournalNodes really listen on.
    let jn_port = s
        .override_of("hdfs-site", "dfs.journalnode.rpc-address")
        .and_then(|v| v.as_deref())
        .and_then(ports::port_in)
        .unwrap_or(8485);
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
            format!("{host}:8088"),
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
        "${yarn.nodemanager.hostname}:8041",
        NM_ADDRESS_NOTE,
    );
    set(&mut yarn, "yarn.nodemanager.recovery.enabled", true);
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
    apply_overrides(&mut yarn, topo, "yarn-site");

    let mut mapred = Props::new();
    set(&mut mapred, "mapreduce.framework.name", "yarn");
    if let Some(jhs) = topo.hosts("historyserver").first() {
        set(
            &mut mapred,
            "mapreduce.jobhistory.address",
            format!("{jhs}:10020"),
        );
        set(
            &mut mapred,
            "mapreduce.jobhistory.webapp.address",
            format!("{jhs}:19888"),
        );
        set(
            &mut mapred,
            "mapreduce.jobhistory.admin.address",
            format!("{jhs}:10033"),
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
    apply_overrides(&mut mapred, topo, "mapred-site");

    let mut zoo = Props::new();
    set(&mut zoo, "tickTime", 2000);
    set(&mut zoo, "initLimit", 10);
    set(&mut zoo, "syncLimit", 5);
    set(&mut zoo, "dataDir", &s.dirs.zookeeper);
    set(&mut zoo, "clientPort", topo.zk_client_port);
    for (id, host) in &topo.zookeepers {
        set(
            &mut zoo,
            format!("server.{id}"),
            format!("{host}:2888:3888"),
        );
    }
    // ruok/srvr/mntr are what herd's probes send; only srvr is allowed by default.
    set(
        &mut zoo,
        "4lw.commands.whitelist",
        "srvr,mntr,ruok,stat,conf",
    );
    // The AdminServer would take port 8080 on every ZooKeeper host for
    // nothing herd uses (and exits ZooKeeper with status 4 if it is taken).
    set(&mut zoo, "admin.enableServer", false);
    // Without purging, snapshots and transaction logs fill the disk.
    set(&mut zoo, "autopurge.snapRetainCount", 3);
    set(&mut zoo, "autopurge.purgeInterval", 24);
    apply_overrides(&mut zoo, topo, "zoo.cfg");

    SiteConfigs {
        core,
        hdfs,
        yarn,
        mapred,
        zoo,
    }
}

/// Which Mesos daemon a flag file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MesosKind {
    Master,
    Agent,
}

impl MesosKind {
    pub fn role(self) -> &'static str {
        match self {
            MesosKind::Master => "mesos-master",
            MesosKind::Agent => "mesos-agent",
        }
    }
}

/// Flag name (without `--`) -> value for one Mesos daemon on `host`.
pub fn mesos_flags(topo: &Topology, host: &Host, kind: MesosKind) -> BTreeMap<String, String> {
    let s = &topo.settings;
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    match kind {
        MesosKind::Master => {
            put("zk", topo.mesos_zk_url());
            put("quorum", topo.mesos_quorum.unwrap_or(1).to_string());
            put("work_dir", s.dirs.mesos_master.clone());
            put("cluster", s.mesos.cluster.clone());
            put("port", "5050".into());
        }
        MesosKind::Agent => {
            put("master", topo.mesos_zk_url());
            put("work_dir", s.dirs.mesos_agent.clone());
            if let Some(r) = &s.mesos.agent_resources {
                put("resources", r.clone());
            }
            put("port", "5051".into());
            // Agents are not started by systemd here; the real agent would
            // otherwise insist on a systemd runtime directory.
            put("systemd_enable_support", "false".into());
        }
    }
    put("log_dir", s.dirs.mesos_log.clone());
    put("logging_level", s.mesos.logging_level.clone());
    put("hostname", host.name.clone());
    // Bind to the host's address only when it is one: a DNS name or a NAT
    // address herd connects through may not be a local interface.
    if host.address.parse::<std::net::IpAddr>().is_ok() {
        put("ip", host.address.clone());
    }
    if let Some(over) = s.overrides.get(kind.role()) {
        for (k, v) in over {
            match v {
                Some(v) => {
                    f.insert(k.clone(), v.clone());
                }
                None => {
                    f.remove(k);
                }
            }
        }
    }
    f
}

pub const RACK_SCRIPT: &str = "rack-topology.sh";

/// Render every host's files.
pub fn render(inv: &Inventory, topo: &Topology) -> Result<ClusterFiles, ModelErrors> {
    let s = &topo.settings;
    let site = site_configs(inv, topo);
    let conf_dir = s.hadoop_conf_dir();
    let core_xml = site_xml(&site.core);
    let hdfs_xml = site_xml(&site.hdfs);
    let yarn_xml = site_xml(&site.yarn);
    let mapred_xml = site_xml(&site.mapred);
    let hadoop_env = hadoop_env(topo);
    let workers = lines(topo.hosts("datanode"));
    let rack_script = (!topo.racks.is_empty()).then(|| rack_script(inv, topo));
    let zoo_cfg = properties(&site.zoo);
    let java_env = zookeeper_java_env(topo);

    let mut out = ClusterFiles::default();
    for host in &inv.hosts {
        let has = |r: &str| host.roles.iter().any(|x| x == r);
        let on_host = |roles: &[&'static str]| -> Vec<&'static str> {
            roles.iter().copied().filter(|r| has(r)).collect()
        };
        let mut files = Vec::new();
        let mut add = |path: String, content: Vec<u8>, mode: u32, services: Vec<&'static str>| {
            files.push(RenderedFile {
                path,
                content,
                mode,
                services,
            });
        };
        if HADOOP_CLIENT_ROLES.iter().any(|r| has(r)) {
            let all = on_host(HADOOP_CLIENT_ROLES);
            add(
                format!("{conf_dir}/core-site.xml"),
                core_xml.clone(),
                0o644,
                all.clone(),
            );
            add(
                format!("{conf_dir}/hdfs-site.xml"),
                hdfs_xml.clone(),
                0o644,
                all.clone(),
            );
            add(
                format!("{conf_dir}/yarn-site.xml"),
                yarn_xml.clone(),
                0o644,
                on_host(&["resourcemanager", "historyserver", "nodemanager"]),
            );
            add(
                format!("{conf_dir}/mapred-site.xml"),
                mapred_xml.clone(),
                0o644,
                on_host(&["historyserver", "nodemanager"]),
            );
            // Only start-dfs.sh-style scripts read it; no running daemon does.
            add(
                format!("{conf_dir}/workers"),
                workers.clone(),
                0o644,
                Vec::new(),
            );
            add(
                format!("{conf_dir}/hadoop-env.sh"),
                hadoop_env.clone(),
                0o644,
                on_host(HADOOP_ROLES),
            );
            if let Some(script) = &rack_script {
                // NameNode and ResourceManager cache the racks they resolved.
                add(
                    format!("{conf_dir}/{RACK_SCRIPT}"),
                    script.clone(),
                    0o755,
                    on_host(&["namenode", "resourcemanager"]),
                );
            }
        }
        if has("zookeeper") {
            let zk_conf = format!("{}/conf", s.zookeeper_home());
            add(
                format!("{zk_conf}/zoo.cfg"),
                zoo_cfg.clone(),
                0o644,
                vec!["zookeeper"],
            );
            add(
                format!("{zk_conf}/java.env"),
                java_env.clone(),
                0o644,
                vec!["zookeeper"],
            );
            if let Some(id) = topo.zookeeper_myid(&host.name) {
                add(
                    format!("{}/myid", s.dirs.zookeeper),
                    format!("{id}\n").into_bytes(),
                    0o644,
                    vec!["zookeeper"],
                );
            }
        }
        for kind in [MesosKind::Master, MesosKind::Agent] {
            if has(kind.role()) {
                add(
                    format!("{}/etc/{}.env", s.mesos_home(), kind.role()),
                    mesos_env(&mesos_flags(topo, host, kind)),
                    0o644,
                    vec![kind.role()],
                );
            }
        }
        out.hosts.push(HostFiles {
            host: host.name.clone(),
            files,
        });
    }
    Ok(out)
}

fn lines(items: &[String]) -> Vec<u8> {
    let mut s = String::new();
    for i in items {
        s.push_str(i);
        s.push('\n');
    }
    s.into_bytes()
}

fn opts(heap: &str, extra: &str) -> String {
    let mut o = format!("-Xmx{heap}");
    if !extra.trim().is_empty() {
        o.push(' ');
        o.push_str(extra.trim());
    }
    o
}

/// hadoop-env.sh: paths and one heap per daemon through the variables the
/// launchers read (`HDFS_NAMENODE_OPTS`, `YARN_RESOURCEMANAGER_OPTS`, ...).
fn hadoop_env(topo: &Topology) -> Vec<u8> {
    let s = &topo.settings;
    let mut out = format!("# {HEADER}\n\n");
    let mut export = |k: &str, v: &str| out.push_str(&format!("export {k}={}\n", quote(v)));
    export("JAVA_HOME", &s.java_home);
    export("HADOOP_CONF_DIR", &s.hadoop_conf_dir());
    export("HADOOP_LOG_DIR", &s.dirs.log);
    export("HADOOP_PID_DIR", &s.dirs.pid);
    export(
        "HADOOP_WORKERS",
        &format!("{}/workers", s.hadoop_conf_dir()),
    );
    // Command-line tools; each daemon's own -Xmx below wins over this.
    export("HADOOP_HEAPSIZE_MAX", s.heap("client"));
    for (var, daemon) in [
        ("HDFS_NAMENODE_OPTS", "namenode"),
        ("HDFS_DATANODE_OPTS", "datanode"),
        ("HDFS_JOURNALNODE_OPTS", "journalnode"),
        ("HDFS_ZKFC_OPTS", "zkfc"),
        ("YARN_RESOURCEMANAGER_OPTS", "resourcemanager"),
        ("YARN_NODEMANAGER_OPTS", "nodemanager"),
        ("MAPRED_HISTORYSERVER_OPTS", "historyserver"),
    ] {
        export(var, &opts(s.heap(daemon), &s.jvm_opts));
    }
    out.into_bytes()
}

/// conf/java.env, sourced by zkEnv.sh: heap in MB as ZK_SERVER_HEAP.
fn zookeeper_java_env(topo: &Topology) -> Vec<u8> {
    let s = &topo.settings;
    let mut out = format!("# {HEADER}\n\n");
    out.push_str(&format!("export JAVA_HOME={}\n", quote(&s.java_home)));
    out.push_str(&format!(
        "export ZK_SERVER_HEAP={}\n",
        heap_mb(s.heap("zookeeper"))
    ));
    out.push_str(&format!(
        "export ZOO_LOG_DIR={}\n",
        quote(&s.dirs.zookeeper_log)
    ));
    if !s.jvm_opts.trim().is_empty() {
        out.push_str(&format!(
            "export SERVER_JVMFLAGS={}\n",
            quote(s.jvm_opts.trim())
        ));
    }
    out.into_bytes()
}

/// `key=value` lines, sorted by key.
fn properties(props: &Props) -> Vec<u8> {
    let mut out = format!("# {HEADER}\n");
    for (k, p) in props {
        out.push_str(&format!("{k}={}\n", p.value));
    }
    out.into_bytes()
}

/// `MESOS_<FLAG>=<value>` lines: Mesos reads every flag from the environment
/// too, so a start step sources this file with `set -a`.
fn mesos_env(flags: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = format!("# {HEADER}\n");
    for (k, v) in flags {
        out.push_str(&format!("MESOS_{}={}\n", k.to_ascii_uppercase(), quote(v)));
    }
    out.into_bytes()
}

/// Maps host names and addresses to racks; Hadoop passes several at once and
/// reads one rack per argument. Unknown hosts go to /default-rack.
fn rack_script(inv: &Inventory, topo: &Topology) -> Vec<u8> {
    let mut out = String::from("#!/bin/sh\n");
    out.push_str(&format!("# {HEADER}\n"));
    out.push_str(
        "# net.topology.script.file.name: prints the rack of each host name or address given.\n",
    );
    out.push_str("for node in \"$@\"; do\n  case \"$node\" in\n");
    for host in &inv.hosts {
        if let Some(rack) = topo.racks.get(&host.name) {
            let mut names = vec![quote(&host.name)];
            if host.address != host.name {
                names.push(quote(&host.address));
            }
            out.push_str(&format!(
                "    {}) echo {} ;;\n",
                names.join("|"),
                quote(rack)
            ));
        }
    }
    out.push_str("    *) echo /default-rack ;;\n  esac\ndone\n");
    out.into_bytes()
}
