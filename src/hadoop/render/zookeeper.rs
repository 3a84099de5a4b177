//! ZooKeeper's files: zoo.cfg's properties and conf/java.env.

use crate::hadoop::default_ports::{ZOOKEEPER_ELECTION, ZOOKEEPER_QUORUM};
use crate::shell::quote;

use super::props::{apply_overrides, set};
use crate::hadoop::settings::heap_mb;
use crate::hadoop::topology::Topology;
use crate::hadoop::xml::{HEADER, Props};

/// zoo.cfg's properties, the overrides of `zoo.cfg` applied.
pub(super) fn zoo_cfg(topo: &Topology) -> Props {
    let s = &topo.settings;
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
            format!("{host}:{ZOOKEEPER_QUORUM}:{ZOOKEEPER_ELECTION}"),
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
    if s.security.is_some() {
        super::secure_site::zoo(&mut zoo);
    }
    apply_overrides(&mut zoo, topo, "zoo.cfg");
    zoo
}

/// conf/java.env, sourced by zkEnv.sh: heap in MB as ZK_SERVER_HEAP.
pub(super) fn zookeeper_java_env(topo: &Topology) -> Vec<u8> {
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
    // Beside the other daemons' pid files, where the login reads it.
    out.push_str(&format!(
        "export ZOOPIDFILE={}\n",
        quote(&format!("{}/zookeeper_server.pid", s.dirs.pid))
    ));
    let mut flags = s.jvm_opts.trim().to_string();
    if s.security.is_some()
        && let Some(jaas) = super::kerberos::jaas_opts(s, "zookeeper")
    {
        flags = format!("{flags} {jaas}").trim().to_string();
    }
    if !flags.is_empty() {
        out.push_str(&format!("export SERVER_JVMFLAGS={}\n", quote(&flags)));
    }
    if s.security.is_some()
        && let Some(jaas) = super::kerberos::jaas_opts(s, "zookeeper-client")
    {
        out.push_str(&format!("export CLIENT_JVMFLAGS={}\n", quote(&jaas)));
    }
    out.into_bytes()
}

/// `key=value` lines, sorted by key.
pub(super) fn properties(props: &Props) -> Vec<u8> {
    let mut out = format!("# {HEADER}\n");
    for (k, p) in props {
        out.push_str(&format!("{k}={}\n", p.value));
    }
    out.into_bytes()
}
