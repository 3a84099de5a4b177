//! `herd status` without a cluster: the verdict and the table on canned
//! readings of the sandbox layout (healthy, a NameNode down, two actives,
//! ZooKeeper quorum lost, an unreachable host, stale configs), the per-host
//! script's output parsing, and the service table.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use herd::hadoop;
use herd::hadoop::observe::{
    self, HostReading, Layout, MesosReading, NameNodeReading, Proc, Readings, RmReading,
    Supervision, ZkReading,
};
use herd::hadoop::services;
use herd::hadoop::settings::Supervisor;
use herd::model::Inventory;

fn layout() -> Layout {
    support::readings::sandbox().2
}

/// Every daemon of the layout running and listening; HA roles as a freshly
/// brought-up cluster has them.
fn healthy(layout: &Layout) -> Readings {
    let mut r = support::readings::all_running(layout);
    r.namenodes = vec![
        nn("nn1", "master1", Ok("active"), Some(3), Some("Operational")),
        nn(
            "nn2",
            "master2",
            Ok("standby"),
            Some(3),
            Some("Operational"),
        ),
    ];
    r.resourcemanagers = vec![
        RmReading {
            id: "rm1".into(),
            host: "master1".into(),
            ha_state: Ok("ACTIVE".into()),
            active_nodes: Some(3),
            yarn: None,
        },
        RmReading {
            id: "rm2".into(),
            host: "master2".into(),
            ha_state: Ok("STANDBY".into()),
            active_nodes: None,
            yarn: None,
        },
    ];
    r.zookeepers = vec![
        ZkReading {
            myid: 1,
            host: "master1".into(),
            mode: Ok("follower".into()),
        },
        ZkReading {
            myid: 2,
            host: "master2".into(),
            mode: Ok("follower".into()),
        },
        ZkReading {
            myid: 3,
            host: "master3".into(),
            mode: Ok("leader".into()),
        },
    ];
    r.mesos_masters = vec![
        MesosReading {
            host: "master1".into(),
            elected: Ok(false),
            activated_agents: None,
        },
        MesosReading {
            host: "master2".into(),
            elected: Ok(true),
            activated_agents: Some(3),
        },
        MesosReading {
            host: "master3".into(),
            elected: Ok(false),
            activated_agents: None,
        },
    ];
    r
}

fn nn(
    id: &str,
    host: &str,
    state: Result<&str, &str>,
    live: Option<u64>,
    fs: Option<&str>,
) -> NameNodeReading {
    NameNodeReading {
        id: id.into(),
        host: host.into(),
        state: state.map(String::from).map_err(String::from),
        live_datanodes: live,
        fs_state: fs.map(String::from),
        hdfs: None,
        datanodes: None,
        rolling_upgrade: None,
    }
}

fn host_mut<'a>(r: &'a mut Readings, host: &str) -> &'a mut HostReading {
    r.hosts.get_mut(host).unwrap().as_mut().unwrap()
}

#[test]
fn layout_of_the_sandbox() {
    let l = layout();
    assert_eq!(l.hosts.len(), 6);
    let m1 = l.host("master1").unwrap();
    let roles: Vec<&str> = m1.services.iter().map(|s| s.role).collect();
    assert_eq!(
        roles,
        [
            "zookeeper",
            "journalnode",
            "namenode",
            "zkfc",
            "resourcemanager",
            "mesos-master"
        ]
    );
    let nn = m1.services.iter().find(|s| s.role == "namenode").unwrap();
    // Named after the account the daemon runs as, not the login.
    assert_eq!(nn.pid_file, "/var/run/hadoop/hadoop-hdfs-namenode.pid");
    assert_eq!(nn.unit.as_deref(), Some("hadoop-hdfs-namenode.service"));
    assert_eq!(nn.ports, [8020, 9870]);
    assert_eq!(nn.web_port, Some(9870));
    let zk = m1.services.iter().find(|s| s.role == "zookeeper").unwrap();
    assert_eq!(zk.pid_file, "/var/run/hadoop/zookeeper_server.pid");
    // The quorum port is bound by the leader only.
    assert!(!zk.ports.contains(&2888), "{:?}", zk.ports);
    assert!(zk.ports.contains(&2181));
    let mm = m1
        .services
        .iter()
        .find(|s| s.role == "mesos-master")
        .unwrap();
    assert_eq!(mm.pid_file, "/var/run/hadoop/mesos-master.pid");
    assert_eq!((l.datanodes, l.nodemanagers, l.agents), (3, 3, 3));
}

#[test]
fn healthy_cluster_exits_zero() {
    let l = layout();
    let st = observe::assess(&l, &healthy(&l));
    assert!(st.cluster.healthy, "{:?}", st.cluster.problems);
    assert_eq!(st.cluster.active_namenode.as_deref(), Some("nn1 (master1)"));
    assert_eq!(
        st.cluster.active_resourcemanager.as_deref(),
        Some("rm1 (master1)")
    );
    assert_eq!(st.cluster.zookeeper_leader.as_deref(), Some("3 (master3)"));
    assert_eq!(st.cluster.mesos_leader.as_deref(), Some("master2"));
    assert_eq!(st.cluster.datanodes_live, Some(3));
    assert_eq!(st.cluster.nodemanagers, Some(3));
    assert_eq!(st.cluster.agents, Some(3));
    assert_eq!(st.cluster.safemode, Some(false));
    assert_eq!(st.services.len(), 6 + 6 + 5 + 3 * 3);
    assert!(st.services.iter().all(|s| s.state == "running"));
    let nn2 = st
        .services
        .iter()
        .find(|s| s.host == "master2" && s.service == "namenode")
        .unwrap();
    assert_eq!(nn2.ha.as_deref(), Some("standby"));
    let text = observe::format(&st);
    assert!(text.contains("healthy"), "{text}");
    assert!(
        text.contains("active NameNode:          nn1 (master1)"),
        "{text}"
    );
    assert!(text.contains("DataNodes live:           3 / 3"), "{text}");
    assert!(!text.contains("DEGRADED"), "{text}");
}

#[test]
fn json_has_the_documented_shape() {
    let l = layout();
    let st = observe::assess(&l, &healthy(&l));
    let v = serde_json::to_value(&st).unwrap();
    for key in [
        "active_namenode",
        "active_resourcemanager",
        "zookeeper_leader",
        "mesos_leader",
        "datanodes_live",
        "datanodes_expected",
        "nodemanagers",
        "agents",
        "safemode",
        "healthy",
        "problems",
    ] {
        assert!(
            v["cluster"].get(key).is_some(),
            "cluster.{key} missing: {}",
            v["cluster"]
        );
    }
    assert_eq!(v["hosts"].as_array().unwrap().len(), 6);
    assert_eq!(v["services"][0]["service"], "zookeeper");
}

#[test]
fn standby_namenode_down_is_named() {
    let l = layout();
    let mut r = healthy(&l);
    host_mut(&mut r, "master2")
        .procs
        .insert("namenode".into(), Proc::Dead { pid: Some(506) });
    host_mut(&mut r, "master2")
        .listening
        .as_mut()
        .unwrap()
        .retain(|p| *p != 9870 && *p != 8020);
    r.namenodes[1] = nn(
        "nn2",
        "master2",
        Err("nothing listens on master2:9870"),
        None,
        None,
    );
    let st = observe::assess(&l, &r);
    assert!(!st.cluster.healthy);
    assert_eq!(st.cluster.active_namenode.as_deref(), Some("nn1 (master1)"));
    assert_eq!(
        st.cluster.problems,
        ["namenode on master2: pid 506 in its pid file is not running"]
    );
    let row = st
        .services
        .iter()
        .find(|s| s.host == "master2" && s.service == "namenode")
        .unwrap();
    assert_eq!(row.state, "down");
    let text = observe::format(&st);
    assert!(text.contains("DEGRADED: 1 problem(s)"), "{text}");
    assert!(text.contains("namenode on master2"), "{text}");
}

#[test]
fn no_active_namenode_lists_every_one() {
    let l = layout();
    let mut r = healthy(&l);
    r.namenodes[0] = nn(
        "nn1",
        "master1",
        Ok("standby"),
        Some(3),
        Some("Operational"),
    );
    r.hosts.insert(
        "master2".into(),
        Err("cannot connect to 172.30.0.12:22: Connection refused".into()),
    );
    let st = observe::assess(&l, &r);
    assert!(!st.cluster.healthy);
    assert!(
        st.cluster.problems.contains(
            &"no active NameNode: nn1 (master1) standby, nn2 (master2) unreachable".to_string()
        ),
        "{:?}",
        st.cluster.problems
    );
    // Without an active NameNode there is nobody to count DataNodes.
    assert_eq!(st.cluster.datanodes_live, None);
}

#[test]
fn two_active_namenodes_is_split_brain() {
    let l = layout();
    let mut r = healthy(&l);
    r.namenodes[1] = nn("nn2", "master2", Ok("active"), Some(3), Some("Operational"));
    let st = observe::assess(&l, &r);
    assert!(!st.cluster.healthy);
    assert_eq!(st.cluster.active_namenode, None);
    assert!(
        st.cluster
            .problems
            .iter()
            .any(|p| p.starts_with("2 active NameNodes")
                && p.contains("nn1 (master1), nn2 (master2)")),
        "{:?}",
        st.cluster.problems
    );

    let mut r = healthy(&l);
    for rm in &mut r.resourcemanagers {
        rm.ha_state = Ok("ACTIVE".into());
    }
    let st = observe::assess(&l, &r);
    assert_eq!(st.cluster.active_resourcemanager, None);
    assert!(
        st.cluster.problems.contains(
            &"2 ACTIVE ResourceManagers (split brain): rm1 (master1), rm2 (master2)".to_string()
        ),
        "{:?}",
        st.cluster.problems
    );
}

/// A NameNode that runs but does not say its HA state yet (starting, or
/// hung) leaves no standby to fail over to: not healthy until it answers.
#[test]
fn a_running_standby_without_its_state_is_a_problem() {
    let l = layout();
    let mut r = healthy(&l);
    r.namenodes[1].state = Err("no NameNodeStatus yet (starting)".into());
    let st = observe::assess(&l, &r);
    assert!(!st.cluster.healthy);
    assert_eq!(st.cluster.active_namenode.as_deref(), Some("nn1 (master1)"));
    assert!(
        st.cluster.problems.contains(
            &"nn2 (master2) not answering (no NameNodeStatus yet (starting))".to_string()
        ),
        "{:?}",
        st.cluster.problems
    );
}

#[test]
fn zookeeper_quorum_lost() {
    let l = layout();
    let mut r = healthy(&l);
    let refusal = "This ZooKeeper instance is not currently serving requests";
    r.zookeepers[2].mode = Err(refusal.into());
    host_mut(&mut r, "master3")
        .procs
        .insert("zookeeper".into(), Proc::NoPidFile);
    r.zookeepers[0].mode = Err(refusal.into());
    r.zookeepers[1].mode = Err("nothing listens on 127.0.0.1:2181".into());
    host_mut(&mut r, "master2")
        .procs
        .insert("zookeeper".into(), Proc::Dead { pid: Some(242) });
    let st = observe::assess(&l, &r);
    assert!(!st.cluster.healthy);
    assert_eq!(st.cluster.zookeeper_leader, None);
    let lost = st
        .cluster
        .problems
        .iter()
        .find(|p| p.starts_with("ZooKeeper quorum lost"))
        .expect("quorum problem");
    assert!(lost.contains("0 of 3 serving"), "{lost}");
    assert!(lost.contains(&format!("1 (master1) {refusal}")), "{lost}");
    assert!(lost.contains("2 (master2) down"), "{lost}");
}

#[test]
fn zookeeper_without_leader_but_majority_is_reported() {
    let l = layout();
    let mut r = healthy(&l);
    r.zookeepers[2].mode = Ok("follower".into());
    let st = observe::assess(&l, &r);
    assert!(
        st.cluster
            .problems
            .iter()
            .any(|p| p.starts_with("no ZooKeeper leader")),
        "{:?}",
        st.cluster.problems
    );
}

#[test]
fn unreachable_host_is_a_row_not_a_crash() {
    let l = layout();
    let mut r = healthy(&l);
    let why = "connection timed out after 10s (172.30.0.23:22)";
    r.hosts.insert("worker3".into(), Err(why.into()));
    r.namenodes[0].live_datanodes = Some(2);
    r.resourcemanagers[0].active_nodes = Some(2);
    r.mesos_masters[1].activated_agents = Some(2);
    let st = observe::assess(&l, &r);
    assert!(!st.cluster.healthy);
    let h = st.hosts.iter().find(|h| h.host == "worker3").unwrap();
    assert!(!h.reachable);
    assert_eq!(h.error.as_deref(), Some(why));
    let rows: Vec<_> = st.services.iter().filter(|s| s.host == "worker3").collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|s| s.state == "unreachable"));
    let p = &st.cluster.problems;
    assert!(p.contains(&format!("worker3 unreachable: {why}")), "{p:?}");
    assert!(
        p.contains(&"DataNodes live 2 / 3 expected".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"NodeManagers registered 2 / 3 expected".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"Mesos agents activated 2 / 3 expected".to_string()),
        "{p:?}"
    );
    let text = observe::format(&st);
    assert!(text.contains("UNREACHABLE"), "{text}");
    assert!(text.contains(why), "{text}");
}

#[test]
fn a_pid_file_naming_the_launcher_reads_as_running_with_a_note_not_down() {
    let l = layout();
    let mut r = healthy(&l);
    host_mut(&mut r, "worker2").procs.insert(
        "nodemanager".into(),
        Proc::Misnamed {
            pid: 221,
            named: Some(4242),
        },
    );
    let st = observe::assess(&l, &r);
    assert!(st.cluster.healthy, "{:?}", st.cluster.problems);
    let nm = st
        .services
        .iter()
        .find(|s| s.host == "worker2" && s.service == "nodemanager")
        .unwrap();
    assert_eq!(nm.state, "running");
    assert_eq!(nm.pid, Some(221));
    assert!(
        nm.note
            .as_deref()
            .unwrap_or("")
            .contains("pid file names 4242"),
        "{:?}",
        nm.note
    );
    let text = observe::format(&st);
    assert!(text.contains("pid file names 4242"), "{text}");
    let parsed = observe::parse_host_output(
        "herd-proc nodemanager misnamed 221 4242
",
    );
    assert_eq!(
        parsed.procs.get("nodemanager"),
        Some(&Proc::Misnamed {
            pid: 221,
            named: Some(4242)
        })
    );
}

#[test]
fn stale_config_is_shown_but_not_degraded() {
    let l = layout();
    let mut r = healthy(&l);
    host_mut(&mut r, "worker1").stale = vec!["datanode".into(), "nodemanager".into()];
    let st = observe::assess(&l, &r);
    assert!(st.cluster.healthy, "{:?}", st.cluster.problems);
    assert_eq!(
        st.cluster.stale.get("worker1").unwrap(),
        &["datanode", "nodemanager"]
    );
    let dn = st
        .services
        .iter()
        .find(|s| s.host == "worker1" && s.service == "datanode")
        .unwrap();
    assert!(dn.stale);
    let text = observe::format(&st);
    assert!(
        text.contains("stale on worker1: datanode, nodemanager"),
        "{text}"
    );
    assert!(text.contains("config stale"), "{text}");
}

#[test]
fn safe_mode_and_missing_rm_and_mesos_leader() {
    let l = layout();
    let mut r = healthy(&l);
    r.namenodes[0].fs_state = Some("safeMode".into());
    r.resourcemanagers[0].ha_state = Ok("STANDBY".into());
    r.mesos_masters[1].elected = Ok(false);
    let st = observe::assess(&l, &r);
    let p = &st.cluster.problems;
    assert_eq!(st.cluster.safemode, Some(true));
    assert!(
        p.contains(&"HDFS is in safe mode (active NameNode nn1 (master1))".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(
            &"no ACTIVE ResourceManager: rm1 (master1) STANDBY, rm2 (master2) STANDBY".to_string()
        ),
        "{p:?}"
    );
    assert!(
        p.contains(&"Mesos masters without a leader: master1 not elected, master2 not elected, master3 not elected".to_string()),
        "{p:?}"
    );
}

#[test]
fn running_without_its_ports_is_a_problem() {
    let l = layout();
    let mut r = healthy(&l);
    host_mut(&mut r, "master1")
        .listening
        .as_mut()
        .unwrap()
        .remove(&8020);
    let st = observe::assess(&l, &r);
    assert_eq!(
        st.cluster.problems,
        ["namenode on master1: not listening on 8020"]
    );
}

#[test]
fn host_script_output_is_parsed() {
    let l = layout();
    let script = observe::host_script(l.host("master1").unwrap(), &l.stale_file);
    assert!(
        script.contains("/var/run/hadoop/hadoop-hdfs-namenode.pid"),
        "{script}"
    );
    assert!(script.contains("ss -ltnH"), "{script}");
    assert!(script.contains("/opt/.herd/stale"), "{script}");
    let out = "Welcome!\nherd-proc zookeeper up 229\nherd-proc namenode dead 506\nherd-proc zkfc none\nherd-proc journalnode dead\n\
               herd-ports 22 2181 3888 8485 \nherd-stale namenode\nherd-stale zkfc\n";
    let r = observe::parse_host_output(out);
    assert_eq!(r.procs["zookeeper"], Proc::Running { pid: 229 });
    assert_eq!(r.procs["namenode"], Proc::Dead { pid: Some(506) });
    assert_eq!(r.procs["zkfc"], Proc::NoPidFile);
    assert_eq!(r.procs["journalnode"], Proc::Dead { pid: None });
    assert_eq!(r.listening, Some(BTreeSet::from([22, 2181, 3888, 8485])));
    assert_eq!(r.stale, ["namenode", "zkfc"]);
    // No `ss` on the host: ports unknown, not all missing.
    assert_eq!(
        observe::parse_host_output("herd-proc zkfc none\n").listening,
        None
    );
}

#[test]
fn a_systemd_hosts_units_decide_what_runs_and_who_keeps_it_running() {
    let l = layout();
    let script = observe::host_script(l.host("master1").unwrap(), &l.stale_file);
    assert!(
        script.contains("hadoop-hdfs-namenode.service) r=namenode;;"),
        "{script}"
    );
    // The unit's main pid wins over a pid file naming a dead process; a
    // daemon running beside an idle unit is said to be outside it; a unit
    // systemd is about to start again is said so.
    let out = "herd-unit namenode active running 4100\nherd-proc namenode dead 506\n\
               herd-unit zkfc inactive dead 0\nherd-proc zkfc up 777\n\
               herd-unit journalnode activating auto-restart 0\nherd-proc journalnode dead 300\n";
    let r = observe::parse_host_output(out);
    assert_eq!(r.procs["namenode"], Proc::Running { pid: 4100 });
    assert_eq!(r.supervision["namenode"], Supervision::Systemd);
    assert_eq!(r.supervision["zkfc"], Supervision::Outside);
    assert!(!r.supervision.contains_key("journalnode"));
    // A host without units: what runs, runs by --daemon.
    let r = observe::parse_host_output("herd-proc datanode up 12\n");
    assert_eq!(r.supervision["datanode"], Supervision::Daemon);

    let mut readings = healthy(&l);
    {
        let hr = host_mut(&mut readings, "master1");
        hr.units.insert(
            "journalnode".into(),
            observe::UnitState {
                active: "activating".into(),
                sub: "auto-restart".into(),
                main_pid: 0,
            },
        );
        hr.procs
            .insert("journalnode".into(), Proc::Dead { pid: Some(300) });
        hr.supervision.remove("journalnode");
        hr.supervision.insert("zkfc".into(), Supervision::Outside);
    }
    let st = observe::assess(&l, &readings);
    let jn = st
        .services
        .iter()
        .find(|s| s.host == "master1" && s.service == "journalnode")
        .unwrap();
    assert_eq!(jn.state, "down");
    assert!(
        jn.note
            .as_deref()
            .unwrap_or("")
            .contains("systemd starts it again"),
        "{:?}",
        jn.note
    );
    let zkfc = st
        .services
        .iter()
        .find(|s| s.host == "master1" && s.service == "zkfc")
        .unwrap();
    assert_eq!(zkfc.supervisor.as_deref(), Some("none"));
    assert!(
        zkfc.note
            .as_deref()
            .unwrap_or("")
            .contains("outside its systemd unit"),
        "{:?}",
        zkfc.note
    );
    let text = observe::format(&st);
    assert!(text.contains("SUPERVISOR"), "{text}");
}

#[test]
fn srvr_mode_or_refusal() {
    let leader =
        "Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: leader\nNode count: 5\n";
    assert_eq!(observe::parse_srvr(leader), Ok("leader".to_string()));
    assert_eq!(
        observe::parse_srvr("This ZooKeeper instance is not currently serving requests\n"),
        Err("This ZooKeeper instance is not currently serving requests".to_string())
    );
    assert!(observe::parse_srvr("").is_err());
}

#[test]
fn service_table_commands() {
    let inv = Inventory::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml"),
    )
    .unwrap();
    let topo = hadoop::validate(&inv).unwrap();
    let s = &topo.settings;
    for role in hadoop::ROLES {
        assert!(
            services::service(role).is_some(),
            "no service for role {role}"
        );
    }
    let nn = services::service("namenode").unwrap();
    let daemon = Supervisor::Daemon;
    // Without systemd: the launcher's --daemon mode, as the daemon's account.
    assert!(
        nn.start_verified(s, daemon).starts_with(
            "{ HERD_NAMENODE_OPTS=; [ ! -f /opt/.herd/namenode.env ] || . /opt/.herd/namenode.env; \
             runuser -u hdfs -- /opt/hadoop/bin/hdfs --daemon start namenode $HERD_NAMENODE_OPTS; }"
        ),
        "{}",
        nn.start_verified(s, daemon)
    );
    assert_eq!(
        nn.stop_command(s, daemon),
        "runuser -u hdfs -- /opt/hadoop/bin/hdfs --daemon stop namenode"
    );
    assert!(
        nn.running_command(s, daemon)
            .starts_with("runuser -u hdfs -- /opt/hadoop/bin/hdfs --daemon status namenode ||")
    );
    assert_eq!(nn.pid_file(s), "/var/run/hadoop/hadoop-hdfs-namenode.pid");
    // Under systemd: the unit, named as Bigtop names it.
    let systemd = Supervisor::Systemd;
    assert_eq!(
        nn.running_command(s, systemd),
        "systemctl is-active --quiet hadoop-hdfs-namenode.service"
    );
    assert!(
        nn.stop_command(s, systemd)
            .starts_with("systemctl stop hadoop-hdfs-namenode.service")
    );
    assert!(
        nn.start_verified(s, systemd)
            .contains("systemctl start hadoop-hdfs-namenode.service || exit $?")
    );
    assert_eq!(
        nn.foreground(s),
        (
            "/opt/hadoop/bin/hdfs".to_string(),
            vec!["namenode".to_string()]
        )
    );
    let rm = services::service("resourcemanager").unwrap();
    assert!(
        rm.start_verified(s, daemon)
            .starts_with("runuser -u yarn -- /opt/hadoop/bin/yarn --daemon start resourcemanager")
    );
    let zk = services::service("zookeeper").unwrap();
    assert_eq!(
        zk.start_verified(s, daemon),
        "runuser -u zookeeper -- /opt/zookeeper/bin/zkServer.sh start"
    );
    assert_eq!(
        zk.foreground(s).1,
        vec!["start-foreground".to_string()],
        "ZooKeeper's foreground mode execs the JVM"
    );
    assert_eq!(zk.probe_address("master1"), "127.0.0.1");
    let mm = services::service("mesos-master").unwrap();
    assert!(
        mm.running_command(s, daemon)
            .contains("/var/run/hadoop/mesos-master.pid")
    );
    assert!(
        mm.start_verified(s, daemon)
            .starts_with("runuser -u mesos -- /bin/sh -c ")
    );
    let ports = hadoop::ports::ClusterPorts::new(&inv, &topo);
    match nn
        .probe(ports.host("master1"))
        .expect("master1 has a NameNode port")
    {
        herd::model::ProbeCheck::Http { port, path, .. } => {
            assert_eq!(port, 9870);
            assert!(path.contains("NameNodeStatus"));
        }
        other => panic!("{other:?}"),
    }
}

/// The sandbox's six hosts are below the folding threshold: the table is a
/// row per host x service, as it always was, healthy and degraded
/// (`UPDATE_GOLDEN=1` rewrites tests/golden/status).
#[test]
fn small_cluster_tables_are_golden() {
    let l = layout();
    let mut degraded = healthy(&l);
    degraded.hosts.insert(
        "worker3".into(),
        Err("cannot connect to 172.30.0.23:22: connection refused".into()),
    );
    host_mut(&mut degraded, "worker1")
        .procs
        .insert("datanode".into(), Proc::Dead { pid: Some(4242) });
    host_mut(&mut degraded, "worker2").stale = vec!["nodemanager".into()];
    host_mut(&mut degraded, "master2")
        .procs
        .insert("namenode".into(), Proc::NoPidFile);
    degraded.namenodes[1].state = Err("nothing listens on master2:9870".into());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/status");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, r) in [("healthy", healthy(&l)), ("degraded", degraded)] {
        let text = observe::format(&observe::assess(&l, &r));
        let path = dir.join(format!("{name}.txt"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 creates it)", path.display()));
        assert_eq!(text, want, "{} differs", path.display());
    }
}
