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
/// each host's rendered files under `<host>/<absolute path>`. `users` are
/// the login users of the hosts: Hadoop names pid files after the user, so
/// `daemons.<user>.<role>` holds that user's `running` check and `start`.
/// `ports.<host>.<role>.<name>` is each port a host's services bind, read
/// from the rendered configuration, so probes follow an override.
pub fn template_object(
    inv: &Inventory,
    topo: &Topology,
    users: &[String],
    rendered: &Path,
) -> Value {
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
    for user in users {
        let mut roles = serde_json::Map::new();
        for svc in super::services::SERVICES {
            roles.insert(
                svc.role.to_string(),
                json!({
                    "running": svc.running_command(s, user),
                    "start": svc.start_verified(s, user),
                }),
            );
        }
        daemons.insert(user.clone(), Value::Object(roles));
    }
    let tarball = |t: &Option<Tarball>| match t {
        Some(t) => json!({
            "src": t.path.display().to_string(),
            "file": t.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            "dir": t.dir_name,
        }),
        None => json!({ "src": "", "file": "", "dir": "" }),
    };
    json!({
        "nameservice": s.nameservice,
        "install_dir": s.install_dir,
        "java_home": s.java_home,
        "hadoop_home": s.hadoop_home(),
        "zookeeper_home": s.zookeeper_home(),
        "mesos_home": s.mesos_home(),
        "conf_dir": s.hadoop_conf_dir(),
        "rendered": rendered.display().to_string(),
        "daemons": daemons,
        "ports": ports,
        "dist": {
            "hadoop": tarball(&s.dist.hadoop),
            "zookeeper": tarball(&s.dist.zookeeper),
            "mesos": tarball(&s.dist.mesos),
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
            // Markers herd leaves on a host (formatZK done, stale services).
            "state": format!("{}/.herd", s.install_dir),
        },
    })
}
