//! hadoop-env.sh: where Java and the configuration are, and each daemon's
//! heap and JVM options.
//!
//! Daemon heaps go into the per-daemon `*_OPTS` variables: one global
//! `HADOOP_HEAPSIZE_MAX` would give every daemon the NameNode's heap; it is
//! kept for the command-line tools only (a daemon's own -Xmx wins over it).

use crate::shell::quote;

use crate::hadoop::topology::Topology;
use crate::hadoop::xml::HEADER;

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
pub(super) fn hadoop_env(topo: &Topology) -> Vec<u8> {
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
    // The launchers refuse to run a daemon as anyone else (and, as root,
    // switch to the account themselves): a guard against starting one by
    // hand as the wrong user, whose files the right one could not read.
    for (var, role) in [
        ("HDFS_NAMENODE_USER", "namenode"),
        ("HDFS_DATANODE_USER", "datanode"),
        ("HDFS_JOURNALNODE_USER", "journalnode"),
        ("HDFS_ZKFC_USER", "zkfc"),
        ("YARN_RESOURCEMANAGER_USER", "resourcemanager"),
        ("YARN_NODEMANAGER_USER", "nodemanager"),
        ("MAPRED_HISTORYSERVER_USER", "historyserver"),
    ] {
        if let Some(svc) = crate::hadoop::services::service(role) {
            export(var, svc.user(s));
        }
    }
    for (var, daemon) in [
        ("HDFS_NAMENODE_OPTS", "namenode"),
        ("HDFS_DATANODE_OPTS", "datanode"),
        ("HDFS_JOURNALNODE_OPTS", "journalnode"),
        ("HDFS_ZKFC_OPTS", "zkfc"),
        ("YARN_RESOURCEMANAGER_OPTS", "resourcemanager"),
        ("YARN_NODEMANAGER_OPTS", "nodemanager"),
        ("MAPRED_HISTORYSERVER_OPTS", "historyserver"),
    ] {
        let mut extra = s.jvm_opts.clone();
        if s.security.is_some()
            && let Some(jaas) = super::kerberos::jaas_opts(s, daemon)
        {
            extra = format!("{extra} {jaas}");
        }
        export(var, &opts(s.heap(daemon), &extra));
    }
    out.into_bytes()
}
