//! `herd upgrade` without a cluster: the playbook generated from canned
//! readings of the sandbox layout on older software (the HDFS rolling
//! upgrade's order, each bounce moving its daemon to the new install, the
//! DataNodes' shutdown for upgrade), and finalize's refusal while an HDFS
//! daemon still runs the old version.

mod support;

use herd::hadoop::observe::{Layout, Readings, RollingUpgrade, version_of};
use herd::hadoop::restart::{self, Batch, Refusal, Upgrade, UpgradeAction, UpgradeOptions};
use herd::model::Playbook;

const HADOOP_ROLES: &[&str] = &[
    "namenode",
    "journalnode",
    "zkfc",
    "datanode",
    "resourcemanager",
    "nodemanager",
    "historyserver",
];

/// The sandbox with every Hadoop daemon on `hadoop` and ZooKeeper on `zk`.
fn running(layout: &Layout, hadoop: &str, zk: &str) -> Readings {
    let mut r = support::readings::ha_leaders(layout);
    for h in &layout.hosts {
        let hr = r.hosts.get_mut(&h.name).unwrap().as_mut().unwrap();
        for s in &h.services {
            if HADOOP_ROLES.contains(&s.role) {
                hr.versions.insert(s.role.to_string(), hadoop.to_string());
            } else if s.role == "zookeeper" {
                hr.versions.insert(s.role.to_string(), zk.to_string());
            }
        }
    }
    r
}

fn opts(action: UpgradeAction) -> UpgradeOptions {
    UpgradeOptions {
        action,
        batch: Batch::Count(1),
        tolerate_unreachable: false,
    }
}

fn generate(r: &Readings, action: UpgradeAction) -> Result<Upgrade, Refusal> {
    let (inv, topo, layout) = support::readings::sandbox();
    restart::upgrade(&inv, &topo, &layout, r, &opts(action))
}

fn stages(g: &Upgrade) -> Vec<&str> {
    g.steps.iter().map(|s| s.stage.as_str()).collect()
}

fn position(g: &Upgrade, prefix: &str) -> usize {
    stages(g)
        .iter()
        .position(|s| s.starts_with(prefix))
        .unwrap_or_else(|| panic!("no stage {prefix}*: {:?}", stages(g)))
}

fn run_of<'a>(pb: &'a Playbook, stage: &str) -> &'a str {
    pb.stages
        .iter()
        .find(|s| s.name == stage)
        .and_then(|s| s.run.as_deref())
        .unwrap_or_else(|| panic!("no stage {stage}"))
}

#[test]
fn versions_are_read_from_install_and_jar_names() {
    assert_eq!(version_of("hadoop-3.5.0"), "3.5.0");
    assert_eq!(version_of("apache-zookeeper-3.8.6-bin"), "3.8.6");
    assert_eq!(version_of("zookeeper-3.8.5"), "3.8.5");
    assert_eq!(version_of("hadoop"), "hadoop");
}

#[test]
fn the_upgrade_follows_the_hdfs_rolling_upgrade_order_then_yarn_then_zookeeper() {
    let (inv, _, layout) = support::readings::sandbox();
    let g = generate(&running(&layout, "3.4.2", "3.8.5"), UpgradeAction::Upgrade).unwrap();
    let pb = g.playbook.as_ref().expect("a playbook");
    let order = [
        "hadoop-dist",
        "hadoop-unpack",
        "zookeeper-dist",
        "zookeeper-unpack",
        "hdfs-rolling-upgrade-prepare",
        "namenode-rolling-upgrade-started",
        "namenode-nn1",
        "namenode-failover-nn2-to-nn1",
        "namenode-nn2",
        "journalnode-",
        "zkfc-",
        "datanode-batch-1",
        "resourcemanager-",
        "nodemanager-batch-1",
        "historyserver-",
        "zookeeper-master1",
        "zookeeper-master3",
        "hadoop-link",
    ];
    let at: Vec<usize> = order.iter().map(|p| position(&g, p)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{:?}", stages(&g));
    // The ZooKeeper leader (master3) goes last.
    assert!(position(&g, "zookeeper-master2") < position(&g, "zookeeper-master3"));
    // Each bounce moves its daemon: the link switches just before the start.
    let nn = run_of(pb, "namenode-nn1");
    let link = nn.find("ln -sfn /opt/hadoop-3.5.0 /opt/hadoop").expect(nn);
    assert!(link > nn.find("old=$(").unwrap(), "{nn}");
    assert!(nn.contains("-Dhadoop.home.dir=/opt/hadoop-3.5.0"), "{nn}");
    assert!(nn.contains("already runs 3.5.0"), "{nn}");
    let zk = run_of(pb, "zookeeper-master1");
    assert!(
        zk.contains("ln -sfn /opt/apache-zookeeper-3.8.6-bin /opt/zookeeper"),
        "{zk}"
    );
    assert!(zk.contains("zookeeper-3\\.8\\.6\\.jar"), "{zk}");
    // DataNodes are told they go down for an upgrade, as the hdfs superuser.
    let dn = run_of(pb, "datanode-batch-1");
    assert!(
        dn.contains("dfsadmin -shutdownDatanode {{ host.name }}:9867 upgrade"),
        "{dn}"
    );
    let prepare = pb
        .stages
        .iter()
        .find(|s| s.name == "hdfs-rolling-upgrade-prepare")
        .unwrap();
    assert_eq!(
        prepare.run.as_deref(),
        Some("runuser -u hdfs -- /opt/hadoop/bin/hdfs dfsadmin -rollingUpgrade prepare")
    );
    assert!(format!("{:?}", prepare.probe).contains("Proceed with rolling upgrade"));
    assert!(run_of(pb, "namenode-rolling-upgrade-started").contains("-rollingUpgrade started"));
    // The journal's copy replays as it was: it parses and plans, no context.
    let parsed = Playbook::parse(&g.text, "generated:test").unwrap();
    assert_eq!(parsed.stages.len(), g.steps.len());
    herd::plan::build(&inv, &parsed).unwrap();
    assert!(
        !g.text.contains("{{ hadoop."),
        "unresolved template in the playbook"
    );
}

#[test]
fn only_what_runs_an_older_version_moves() {
    let (_, _, layout) = support::readings::sandbox();
    let g = generate(&running(&layout, "3.5.0", "3.8.5"), UpgradeAction::Upgrade).unwrap();
    let s = stages(&g);
    assert!(s.iter().all(|s| !s.starts_with("hadoop-")), "{s:?}");
    assert!(
        s.iter()
            .all(|s| !s.starts_with("hdfs-") && !s.starts_with("namenode")),
        "{s:?}"
    );
    assert!(s.contains(&"zookeeper-master3"), "{s:?}");
    let g = generate(&running(&layout, "3.5.0", "3.8.6"), UpgradeAction::Upgrade).unwrap();
    assert!(g.playbook.is_none());
    assert!(g.note.unwrap().starts_with("nothing to upgrade"));
}

#[test]
fn finalize_is_refused_while_an_hdfs_daemon_runs_the_old_version() {
    let (_, _, layout) = support::readings::sandbox();
    let mut r = running(&layout, "3.5.0", "3.8.6");
    for n in &mut r.namenodes {
        n.rolling_upgrade = Some(RollingUpgrade {
            start_time_ms: 1_764_000_000_000,
            rollback_image: true,
        });
    }
    let worker2 = r.hosts.get_mut("worker2").unwrap().as_mut().unwrap();
    worker2.versions.insert("datanode".into(), "3.4.2".into());
    match generate(&r, UpgradeAction::Finalize) {
        Err(Refusal::Unsafe(m)) => {
            assert!(m.contains("datanode on worker2 (3.4.2)"), "{m}");
            assert!(m.contains("1 HDFS daemon is not on 3.5.0"), "{m}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let worker2 = r.hosts.get_mut("worker2").unwrap().as_mut().unwrap();
    worker2.versions.insert("datanode".into(), "3.5.0".into());
    let g = generate(&r, UpgradeAction::Finalize).unwrap();
    assert_eq!(
        stages(&g),
        [
            "hdfs-rolling-upgrade-finalize",
            "namenode-startup-options-cleared"
        ]
    );
    let pb = g.playbook.unwrap();
    assert!(run_of(&pb, "hdfs-rolling-upgrade-finalize").ends_with("-rollingUpgrade finalize"));
    assert_eq!(
        run_of(&pb, "namenode-startup-options-cleared"),
        "rm -f /opt/.herd/namenode.env"
    );
    // Nothing in progress: nothing to finalize.
    for n in &mut r.namenodes {
        n.rolling_upgrade = None;
    }
    let g = generate(&r, UpgradeAction::Finalize).unwrap();
    assert!(g.playbook.is_none());
    assert!(
        g.note.unwrap().starts_with("nothing to finalize"),
        "no note"
    );
}

#[test]
fn a_rolling_upgrade_reads_from_the_namenode_jmx() {
    let v: serde_json::Value = serde_json::json!({
        "blockPoolId": "BP-1", "createdRollbackImages": true,
        "finalizeTime": 0, "startTime": 1_764_000_000_000u64
    });
    assert_eq!(
        RollingUpgrade::from_jmx(&v),
        Some(RollingUpgrade {
            start_time_ms: 1_764_000_000_000,
            rollback_image: true
        })
    );
    let mut done = v.clone();
    done["finalizeTime"] = serde_json::json!(1_764_000_100_000u64);
    assert_eq!(RollingUpgrade::from_jmx(&done), None);
    assert_eq!(RollingUpgrade::from_jmx(&serde_json::Value::Null), None);
}

/// Mid-upgrade: every daemon on 3.5.0, the NameNodes in a rolling upgrade,
/// and the inventory pointed back at `hadoop` (the old release).
fn mid_upgrade(layout: &Layout) -> Readings {
    let mut r = running(layout, "3.5.0", "3.8.6");
    for n in &mut r.namenodes {
        n.rolling_upgrade = Some(RollingUpgrade {
            start_time_ms: 1_764_000_000_000,
            rollback_image: true,
        });
    }
    r
}

fn generate_back(r: &Readings, action: UpgradeAction) -> Result<Upgrade, Refusal> {
    let (inv, topo, layout) = support::readings::sandbox_with_dist("hadoop-3.4.2.tar.gz");
    restart::upgrade(&inv, &topo, &layout, r, &opts(action))
}

#[test]
fn an_upgrade_to_an_older_release_is_refused_and_named_the_ways_back() {
    let (_, _, layout) = support::readings::sandbox();
    match generate_back(&mid_upgrade(&layout), UpgradeAction::Upgrade) {
        Err(Refusal::Unsafe(m)) => {
            assert!(m.contains("older than the 3.5.0"), "{m}");
            assert!(m.contains("--downgrade") && m.contains("--rollback"), "{m}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_downgrade_moves_the_datanodes_first_then_the_namenodes_started_normally_then_finalizes() {
    let (_, _, layout) = support::readings::sandbox();
    let g = generate_back(&mid_upgrade(&layout), UpgradeAction::Downgrade).unwrap();
    let order = [
        "hadoop-unpack",
        "downgrade-layout-check",
        "datanode-batch-1",
        "namenode-startup-options-cleared-for-downgrade",
        "namenode-nn",
        "journalnode-",
        "zkfc-",
        "hdfs-rolling-upgrade-finalize",
        "resourcemanager-",
        "nodemanager-batch-1",
        "hadoop-link",
    ];
    let at: Vec<usize> = order.iter().map(|p| position(&g, p)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{:?}", stages(&g));
    let pb = g.playbook.unwrap();
    let dn = run_of(&pb, "datanode-batch-1");
    assert!(dn.contains("ln -sfn /opt/hadoop-3.4.2 /opt/hadoop"), "{dn}");
    assert!(dn.contains("-shutdownDatanode"), "{dn}");
    let check = run_of(&pb, "downgrade-layout-check");
    assert!(check.contains("CURRENT_LAYOUT_VERSION"), "{check}");
    // After finalize there is nothing to go back from.
    let mut done = mid_upgrade(&layout);
    for n in &mut done.namenodes {
        n.rolling_upgrade = None;
    }
    for action in [UpgradeAction::Downgrade, UpgradeAction::Rollback] {
        match generate_back(&done, action) {
            Err(Refusal::Unsafe(m)) => assert!(m.contains("no rolling upgrade in progress"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn the_rollback_stops_hdfs_starts_one_namenode_with_rollback_and_bootstraps_the_other() {
    let (_, _, layout) = support::readings::sandbox();
    let g = generate_back(&mid_upgrade(&layout), UpgradeAction::Rollback).unwrap();
    let order = [
        "hadoop-unpack",
        "rollback-stop-zkfc",
        "rollback-stop-namenode",
        "rollback-stop-datanode",
        "rollback-link",
        "rollback-namenode-nn1",
        "rollback-zkfc-master1",
        "rollback-bootstrap-nn2",
        "rollback-zkfc-master2",
        "rollback-datanodes",
        "rollback-hdfs-serving",
        "journalnode-",
        "resourcemanager-",
        "nodemanager-batch-1",
    ];
    let at: Vec<usize> = order.iter().map(|p| position(&g, p)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{:?}", stages(&g));
    let pb = g.playbook.unwrap();
    let nn1 = run_of(&pb, "rollback-namenode-nn1");
    assert!(
        nn1.contains("HERD_NAMENODE_OPTS=\"-rollingUpgrade rollback\""),
        "{nn1}"
    );
    assert!(
        nn1.trim_end().ends_with("rm -f /opt/.herd/namenode.env"),
        "{nn1}"
    );
    assert!(run_of(&pb, "rollback-bootstrap-nn2").contains("namenode -bootstrapStandby -force"));
    assert!(run_of(&pb, "rollback-datanodes").contains("HERD_DATANODE_OPTS=\"-rollback\""));
    // Every JournalNode must run: the rollback discards edits on each.
    let mut r = mid_upgrade(&layout);
    r.hosts
        .get_mut("master2")
        .unwrap()
        .as_mut()
        .unwrap()
        .procs
        .insert("journalnode".into(), herd::hadoop::observe::Proc::NoPidFile);
    match generate_back(&r, UpgradeAction::Rollback) {
        Err(Refusal::Unsafe(m)) => {
            assert!(m.contains("JournalNode on master2 is not running"), "{m}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
