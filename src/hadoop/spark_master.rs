//! `spark.master` against the cluster the inventory describes: a Mesos URL
//! through ZooKeeper must name this cluster's ensemble and the path its
//! Mesos masters register under, a direct one a Mesos master of the
//! inventory, and `yarn` needs ResourceManagers. A URL that points
//! elsewhere would send every job to another cluster, or nowhere.

use std::collections::BTreeSet;

use crate::model::{Inventory, ModelError};

use super::Topology;
use super::settings::host_port;

/// The problems of `vars.spark.master`, none when Spark is not in the inventory.
pub fn check(inv: &Inventory, topo: &Topology) -> Vec<ModelError> {
    if topo.hosts("spark-history").is_empty() {
        return Vec::new();
    }
    let master = &topo.settings.spark.master;
    let problem = if master == "yarn" {
        topo.hosts("resourcemanager")
            .is_empty()
            .then(|| "spark.master is yarn, but no host has the resourcemanager role".to_string())
    } else if let Some(zk) = master.strip_prefix("mesos://zk://") {
        zk_problem(topo, zk)
    } else if let Some(hp) = master.strip_prefix("mesos://") {
        match host_port(hp) {
            Some((h, _)) if topo.hosts("mesos-master").iter().any(|m| m == h) => None,
            _ => Some(format!(
                "'{master}' names no Mesos master of this inventory (its masters: {}; or use {})",
                topo.hosts("mesos-master").join(", "),
                mesos_url(topo)
            )),
        }
    } else {
        None
    };
    problem
        .map(|message| {
            let field = "vars.spark.master".to_string();
            vec![ModelError {
                location: inv.spans.nearest(&field),
                field,
                message,
            }]
        })
        .unwrap_or_default()
}

fn mesos_url(topo: &Topology) -> String {
    format!("mesos://{}", topo.mesos_zk_url())
}

fn zk_problem(topo: &Topology, zk: &str) -> Option<String> {
    let want = mesos_url(topo);
    if topo.hosts("mesos-master").is_empty() {
        return Some(format!(
            "spark.master mesos://zk://{zk} needs Mesos masters, and no host has the mesos-master role"
        ));
    }
    let (hosts, path) = zk.split_once('/')?;
    let given: BTreeSet<&str> = hosts.split(',').collect();
    let quorum = topo.zk_quorum();
    let ensemble: BTreeSet<&str> = quorum.split(',').collect();
    if given != ensemble {
        return Some(format!(
            "spark.master's ZooKeeper hosts {hosts} are not this cluster's ensemble {quorum}: use {want}"
        ));
    }
    let path = format!("/{path}");
    if path != topo.settings.mesos.zk_path {
        return Some(format!(
            "spark.master's ZooKeeper path {path} is not where the Mesos masters register ({}): use {want}",
            topo.settings.mesos.zk_path
        ));
    }
    None
}
