//! Canned cluster readings on the sandbox inventory's layout, for the tests
//! of the status verdict and the restart generator.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use herd::hadoop::observe::{
    HostReading, Layout, MesosReading, NameNodeReading, Proc, Readings, RmReading, ZkReading,
};
use herd::hadoop::{self, Topology};
use herd::model::Inventory;

/// The sandbox inventory, validated, with its layout (pid files as root's).
pub fn sandbox() -> (Inventory, Topology, Layout) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
    let inv = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&inv, &topo);
    (inv, topo, layout)
}

/// The sandbox inventory with vars.dist.hadoop naming `tarball` instead
/// (the file need not exist: nothing is read from it).
pub fn sandbox_with_dist(tarball: &str) -> (Inventory, Topology, Layout) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox");
    let text = std::fs::read_to_string(dir.join("inventory.yaml")).unwrap();
    let text = text.replace("hadoop-3.5.0.tar.gz", tarball);
    let inv =
        Inventory::parse(&text, &dir.join("inventory.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&inv, &topo);
    (inv, topo, layout)
}

/// Every daemon of the layout running (distinct pids) and listening on all
/// its ports; no HA readings yet.
pub fn all_running(layout: &Layout) -> Readings {
    let mut r = Readings::default();
    for (i, h) in layout.hosts.iter().enumerate() {
        let mut hr = HostReading {
            listening: Some(BTreeSet::new()),
            ..Default::default()
        };
        for (j, s) in h.services.iter().enumerate() {
            hr.procs.insert(
                s.role.to_string(),
                Proc::Running {
                    pid: 100 + (i * 10 + j) as u32,
                },
            );
            hr.listening
                .as_mut()
                .unwrap()
                .extend(s.ports.iter().copied());
        }
        r.hosts.insert(h.name.clone(), Ok(hr));
    }
    r
}

/// nn2, rm2, ZooKeeper 3 and the Mesos master on master2 lead.
pub fn ha_leaders(layout: &Layout) -> Readings {
    let mut r = all_running(layout);
    let nn = |id: &str, host: &str, state: &str| NameNodeReading {
        id: id.into(),
        host: host.into(),
        state: Ok(state.into()),
        live_datanodes: Some(3),
        fs_state: Some("Operational".into()),
        hdfs: None,
        datanodes: None,
        rolling_upgrade: None,
    };
    r.namenodes = vec![
        nn("nn1", "master1", "standby"),
        nn("nn2", "master2", "active"),
    ];
    let rm = |id: &str, host: &str, state: &str| RmReading {
        id: id.into(),
        host: host.into(),
        ha_state: Ok(state.into()),
        active_nodes: None,
        yarn: None,
    };
    r.resourcemanagers = vec![
        rm("rm1", "master1", "STANDBY"),
        rm("rm2", "master2", "ACTIVE"),
    ];
    let zk = |myid: u32, host: &str, mode: &str| ZkReading {
        myid,
        host: host.into(),
        mode: Ok(mode.into()),
    };
    r.zookeepers = vec![
        zk(1, "master1", "follower"),
        zk(2, "master2", "follower"),
        zk(3, "master3", "leader"),
    ];
    let mm = |host: &str, elected: bool| MesosReading {
        host: host.into(),
        elected: Ok(elected),
        activated_agents: None,
    };
    r.mesos_masters = vec![
        mm("master1", false),
        mm("master2", true),
        mm("master3", false),
    ];
    r
}
