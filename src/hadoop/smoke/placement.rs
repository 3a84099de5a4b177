//! Where the checks' Hadoop clients run. Any host with the Hadoop
//! configuration can, but a client JVM takes memory: a worker's belongs to
//! its containers (the MapReduce job's among them), and a master that runs
//! a NameNode and a ResourceManager has the least to spare. So masters
//! come before workers, and among them the ones with the fewest Hadoop
//! daemons (in the seed's layout the JobHistory host); ties in inventory
//! order, so the choice is the same every run.

use crate::hadoop::lifecycle::WORKER_ROLES;
use crate::hadoop::{HADOOP_CLIENT_ROLES, HADOOP_ROLES};
use crate::model::Inventory;

/// The hosts that can run a Hadoop client, best first.
pub fn hadoop_clients(inv: &Inventory) -> Vec<String> {
    let mut hosts: Vec<(bool, usize, &str)> = inv
        .hosts
        .iter()
        .filter(|h| {
            h.roles
                .iter()
                .any(|r| HADOOP_CLIENT_ROLES.contains(&r.as_str()))
        })
        .map(|h| {
            let worker = h.roles.iter().any(|r| WORKER_ROLES.contains(&r.as_str()));
            let daemons = h
                .roles
                .iter()
                .filter(|r| HADOOP_ROLES.contains(&r.as_str()))
                .count();
            (worker, daemons, h.name.as_str())
        })
        .collect();
    // Stable: equal hosts keep their inventory order.
    hosts.sort_by_key(|&(worker, daemons, _)| (worker, daemons));
    hosts.into_iter().map(|(_, _, h)| h.to_string()).collect()
}

/// Two different client hosts when there are two (the second `None` on a
/// one-host cluster): HDFS writes on one and reads back on the other.
pub fn two_clients(inv: &Inventory) -> Option<(String, Option<String>)> {
    let mut hosts = hadoop_clients(inv).into_iter();
    let first = hosts.next()?;
    Some((first, hosts.next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masters_with_the_fewest_daemons_come_first_then_workers() {
        let inv = Inventory::parse(
            "hosts:\n  - { name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }\n  - { name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }\n  - { name: m3, roles: [zookeeper, journalnode, historyserver] }\n  - { name: w1, roles: [datanode, nodemanager] }\n  - { name: z1, roles: [zookeeper, mesos-master] }\n",
            std::path::Path::new("i.yaml"),
        )
        .unwrap();
        assert_eq!(hadoop_clients(&inv), vec!["m3", "m1", "m2", "w1"]);
        assert_eq!(
            two_clients(&inv),
            Some(("m3".to_string(), Some("m1".to_string())))
        );
        let one = Inventory::parse(
            "hosts:\n  - { name: a, roles: [namenode, datanode] }\n  - { name: z, roles: [zookeeper] }\n",
            std::path::Path::new("i.yaml"),
        )
        .unwrap();
        assert_eq!(two_clients(&one), Some(("a".to_string(), None)));
    }
}
