//! What the bundled bring-up playbook sees as `hadoop`: the paths and
//! settings resolved from the inventory, so the playbook itself stays data.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::Topology;
use super::ports::ClusterPorts;
use super::settings::Tarball;
use crate::model::Inventory;

/// The `hadoop` template object; `rendered` is the local directory holding
/// each host's rendered files under `<host>/<absolute path>`.
/// `daemons.<host>.<role>` holds the `running` check and the `start` of each
/// of the host's daemons under its supervisor. `ports.<host>.<role>.<name>` is
/// each port a host's services bind, read from the rendered configuration,
/// so probes follow an override. `hosts.<host>` holds what the bring-up
/// runs there beyond starting daemons (see [`super::host_setup`]).
pub fn template_object(inv: &Inventory, topo: &Topology, rendered: &Path) -> Value {
    let s = &topo.settings;
    let cluster_ports = ClusterPorts::new(inv, topo);
    let mut ports = serde_json::Map::new();
    for host in &inv.hosts {
        let mut by_role: BTreeMap<&str, BTreeMap<&str, u16>> = BTreeMap::new();
        for u in cluster_ports.host(&host.name) {
            by_role
                .entry(u.service)
                .or_default()
                .entry(u.name)
                .or_insert(u.port);
        }
        ports.insert(host.name.clone(), json!(by_role));
    }
    let mut daemons = serde_json::Map::new();
    let mut hosts = serde_json::Map::new();
    for host in &inv.hosts {
        let sup = topo.supervisor(&host.name);
        let mut roles = serde_json::Map::new();
        // Only the host's own daemons: on a fleet, every role on every host
        // would make this object grow with hosts x roles for nothing.
        for svc in super::services::on_host(host) {
            roles.insert(
                svc.role.to_string(),
                json!({
                    "running": svc.running_command(s, sup),
                    "start": svc.start_verified(s, sup),
                }),
            );
        }
        daemons.insert(host.name.clone(), Value::Object(roles));
        hosts.insert(host.name.clone(), super::host_setup::template(topo, host));
    }
    // `src` is the local file the upload stage sends, empty for a tarball
    // the hosts fetch from a mirror; `verified` and `fetch` are the guard
    // and the fetch that stand in for the upload there.
    let tarball = |t: &Option<Tarball>| match t {
        Some(t) => json!({
            "src": if t.mirror.is_some() { String::new() } else { t.path.display().to_string() },
            "file": t.file_name(),
            "dir": t.dir_name,
            "verified": t.mirror.as_ref().map(super::mirror::verified).unwrap_or_default(),
            "fetch": t.mirror.as_ref().map(super::mirror::fetch).unwrap_or_default(),
        }),
        None => json!({ "src": "", "file": "", "dir": "", "verified": "", "fetch": "" }),
    };
    json!({
        "nameservice": s.nameservice,
        "install_dir": s.install_dir,
        "java_home": s.java_home,
        "hadoop_home": s.hadoop_home(),
        "zookeeper_home": s.zookeeper_home(),
        "mesos_home": s.mesos_home(),
        "spark_home": s.spark_home(),
        "spark": { "archive": super::spark_archive::template(topo) },
        "conf_dir": s.hadoop_conf_dir(),
        "rendered": rendered.display().to_string(),
        "daemons": daemons,
        "hosts": hosts,
        "hdfs_dirs": super::host_setup::hdfs_dirs(topo),
        "host_lists": super::lifecycle::refresh::template(inv, topo),
        "gates": super::lifecycle::registration::template(s),
        // The hdfs tool as the HDFS superuser, for formats and admin commands.
        "hdfs": super::daemon_control::hdfs_admin(s),
        "users": super::settings::ACCOUNTS.iter().map(|(k, a)| (k.to_string(), json!(s.users.name(*a)))).collect::<serde_json::Map<_, _>>(),
        "group": s.users.group,
        "ports": ports,
        "dist": {
            "hadoop": tarball(&s.dist.hadoop),
            "zookeeper": tarball(&s.dist.zookeeper),
            "mesos": tarball(&s.dist.mesos),
            "spark": tarball(&s.dist.spark),
        },
        "dirs": {
            "name": s.dirs.name,
            "name_first": s.dirs.name.first().cloned().unwrap_or_default(),
            "data": s.dirs.data,
            "journal": s.dirs.journal,
            "yarn_local": s.dirs.yarn_local,
            "yarn_log": s.dirs.yarn_log,
            "log": s.dirs.log,
            "pid": s.dirs.pid,
            "zookeeper": s.dirs.zookeeper,
            "zookeeper_log": s.dirs.zookeeper_log,
            "mesos_master": s.dirs.mesos_master,
            "mesos_agent": s.dirs.mesos_agent,
            "mesos_log": s.dirs.mesos_log,
            "spark_log": s.dirs.spark_log,
            "state": s.state_dir(),
        },
    })
}
