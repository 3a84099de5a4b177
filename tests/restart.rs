//! `herd restart` without a cluster: the playbooks generated from canned
//! status snapshots of the sandbox layout (standby before active, followers
//! before the leader, batches) and the refusals that keep a service serving.

mod support;

use herd::hadoop::Topology;
use herd::hadoop::observe::{Layout, Proc, Readings};
use herd::hadoop::restart::{self, Batch, Options, Refusal, Restart};
use herd::model::{Inventory, Playbook, ProbeCheck};

fn cluster() -> (Inventory, Topology, Layout) {
    support::readings::sandbox()
}

/// nn2, rm2, ZooKeeper 3 and the Mesos master on master2 lead.
fn healthy(layout: &Layout) -> Readings {
    support::readings::ha_leaders(layout)
}

fn opts(service: &str) -> Options {
    Options {
        service: service.into(),
        ..Options::default()
    }
}

fn generate(r: &Readings, o: &Options) -> Result<Restart, Refusal> {
    let (inv, topo, layout) = cluster();
    restart::generate(&inv, &topo, &layout, r, o)
}

fn stages(g: &Restart) -> Vec<&str> {
    g.steps.iter().map(|s| s.stage.as_str()).collect()
}

/// Hosts restarted, in order.
fn restarted(g: &Restart) -> Vec<String> {
    g.steps.iter().flat_map(|s| s.restarts.clone()).collect()
}

fn unsafe_reason(r: Result<Restart, Refusal>) -> String {
    match r {
        Err(Refusal::Unsafe(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_generated_playbook_parses_and_plans() {
    let (inv, _, layout) = cluster();
    let r = healthy(&layout);
    for s in [
        "all",
        "namenode",
        "zkfc",
        "journalnode",
        "zookeeper",
        "resourcemanager",
        "datanode",
        "nodemanager",
        "mesos-agent",
        "mesos-master",
        "historyserver",
        "workers",
    ] {
        let g = generate(&r, &opts(s)).unwrap();
        assert!(!g.is_empty(), "{s}");
        let pb = Playbook::parse(&g.text, "generated:test").unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(pb.stages.len(), g.steps.len());
        herd::plan::build(&inv, &pb).unwrap_or_else(|e| panic!("{s}: {e}"));
        // Resolved paths only: a replay needs no context but `host`.
        assert!(!g.text.contains("hadoop."), "{s}");
    }
}

#[test]
fn namenode_restarts_the_standby_then_fails_over_then_the_old_active() {
    let (_, _, layout) = cluster();
    let g = generate(&healthy(&layout), &opts("namenode")).unwrap();
    assert_eq!(
        stages(&g),
        [
            "namenode-nn1",
            "namenode-nn1-out-of-safemode",
            "namenode-nn1-datanodes",
            "namenode-failover-nn2-to-nn1",
            "namenode-nn2",
            "namenode-nn2-out-of-safemode",
            "namenode-nn2-datanodes",
            "namenode-one-active"
        ]
    );
    assert!(g.text.contains("haadmin -failover nn2 nn1"));
    // Before a failover the roll only saves time: its failure is reported
    // and the safe-mode gate decides.
    assert!(g.text.contains("dfsadmin -rollEdits || echo"), "{}", g.text);
    assert!(g.text.contains("rollEdits failed"), "{}", g.text);
    assert_eq!(restarted(&g), ["master1", "master2"]);
}

#[test]
fn a_restarted_namenode_must_hear_from_every_live_datanode_before_failover() {
    let (_, _, layout) = cluster();
    let mut r = healthy(&layout);
    // The active (nn2) counts two live DataNodes: the gate waits for two.
    r.namenodes[1].live_datanodes = Some(2);
    let g = generate(&r, &opts("namenode")).unwrap();
    let pb = Playbook::parse(&g.text, "generated:test").unwrap();
    let gate = pb
        .stages
        .iter()
        .find(|s| s.name == "namenode-nn1-datanodes")
        .expect("a DataNode gate after the standby restart");
    let text = format!("{:?}", gate.probe);
    assert!(text.contains("LiveNodes"), "{text}");
    assert!(text.contains("{2}"), "{text}");
    let pos = |n: &str| stages(&g).iter().position(|s| *s == n).unwrap();
    assert!(pos("namenode-nn1-datanodes") < pos("namenode-failover-nn2-to-nn1"));
    // A DataNode stopped moments ago (decommissioned, scaled in) is still
    // "live" to the active for 10.5 minutes, but will never report to the
    // restarted NameNode: the gate waits for the DataNodes running.
    r.namenodes[1].live_datanodes = Some(4);
    r.hosts
        .get_mut("worker3")
        .unwrap()
        .as_mut()
        .unwrap()
        .procs
        .remove("datanode");
    let g = generate(&r, &opts("namenode")).unwrap();
    let gate = g
        .playbook
        .as_ref()
        .unwrap()
        .stage("namenode-nn1-datanodes")
        .unwrap()
        .clone();
    let text = format!("{:?}", gate.probe);
    assert!(text.contains("{2}"), "{text}");
}

#[test]
fn namenode_refused_when_the_standby_is_not_healthy() {
    let (_, _, layout) = cluster();
    let mut r = healthy(&layout);
    r.namenodes[0].state = Err("nothing listens on master1:9870".into());
    let m = unsafe_reason(generate(&r, &opts("namenode")));
    assert!(
        m.starts_with("refusing to restart namenode: nn1 (master1) is not a healthy standby"),
        "{m}"
    );
    assert!(
        m.contains("restarting nn2 now would leave no NameNode serving"),
        "{m}"
    );

    let mut r = healthy(&layout);
    r.namenodes[0].fs_state = Some("safeMode".into());
    assert!(unsafe_reason(generate(&r, &opts("namenode"))).contains("safeMode"));

    let mut r = healthy(&layout);
    r.namenodes[0].state = Ok("active".into());
    assert!(unsafe_reason(generate(&r, &opts("namenode"))).contains("2 NameNodes are active"));
}

#[test]
fn restarting_only_the_standby_namenode_needs_no_failover() {
    let (_, _, layout) = cluster();
    let mut o = opts("namenode");
    o.hosts = Some(vec!["master1".into()]);
    let g = generate(&healthy(&layout), &o).unwrap();
    assert!(!stages(&g).iter().any(|s| s.contains("failover")));
    assert_eq!(restarted(&g), ["master1"]);
}

#[test]
fn zookeeper_restarts_followers_first_and_the_leader_last() {
    let (_, _, layout) = cluster();
    let g = generate(&healthy(&layout), &opts("zookeeper")).unwrap();
    assert_eq!(restarted(&g), ["master1", "master2", "master3"]);
    let mut r = healthy(&layout);
    r.zookeepers[0].mode = Ok("leader".into());
    r.zookeepers[2].mode = Ok("follower".into());
    let g = generate(&r, &opts("zookeeper")).unwrap();
    assert_eq!(restarted(&g), ["master2", "master3", "master1"]);
    // Every restart is followed by the one-leader gate.
    assert!(stages(&g).last().unwrap().ends_with("-quorum"));
}

#[test]
fn zookeeper_refused_when_a_server_is_not_serving() {
    let (_, _, layout) = cluster();
    let mut r = healthy(&layout);
    r.zookeepers[1].mode = Err("This ZooKeeper instance is not currently serving requests".into());
    let m = unsafe_reason(generate(&r, &opts("zookeeper")));
    assert!(m.contains("server 2 (master2) is not serving"), "{m}");
}

#[test]
fn journalnode_refused_when_one_is_down_and_rolls_edits_around_each() {
    let (_, _, layout) = cluster();
    let g = generate(&healthy(&layout), &opts("journalnode")).unwrap();
    assert_eq!(
        &stages(&g)[..3],
        [
            "journalnode-master1-roll",
            "journalnode-master1",
            "journalnode-master1-writing"
        ]
    );
    // The roll is part of the JournalNode procedure: its failure stops the
    // restart (before a NameNode failover it only saves time).
    assert!(g.text.contains("dfsadmin -rollEdits\n"), "{}", g.text);
    assert!(!g.text.contains("rollEdits failed"), "{}", g.text);
    let mut r = healthy(&layout);
    if let Some(Ok(hr)) = r.hosts.get_mut("master3") {
        hr.procs
            .insert("journalnode".into(), Proc::Dead { pid: Some(7) });
    }
    assert!(
        unsafe_reason(generate(&r, &opts("journalnode")))
            .contains("JournalNode on master3 is down")
    );
}

#[test]
fn resourcemanager_standby_first_then_the_active_hands_over_by_stopping() {
    let (_, _, layout) = cluster();
    let g = generate(&healthy(&layout), &opts("resourcemanager")).unwrap();
    assert_eq!(
        stages(&g),
        [
            "resourcemanager-rm1",
            "resourcemanager-rm2-stop",
            "resourcemanager-rm2",
            "resourcemanager-nodemanagers"
        ]
    );
    assert!(!g.text.contains("rmadmin"));
    let mut r = healthy(&layout);
    r.resourcemanagers[0].ha_state = Err("nothing listens on master1:8088".into());
    assert!(
        unsafe_reason(generate(&r, &opts("resourcemanager")))
            .contains("rm1 (master1) is not a standby")
    );
}

#[test]
fn zkfc_beside_the_active_is_restarted_last_after_a_graceful_failover() {
    let (_, _, layout) = cluster();
    let g = generate(&healthy(&layout), &opts("zkfc")).unwrap();
    assert_eq!(
        stages(&g),
        [
            "zkfc-master1",
            "zkfc-master1-one-active",
            "zkfc-failover-nn2-to-nn1",
            "zkfc-master2",
            "zkfc-master2-one-active"
        ]
    );
}

#[test]
fn datanodes_in_batches_gated_on_their_own_registration() {
    let (_, _, layout) = cluster();
    let mut o = opts("datanode");
    o.batch = Batch::Count(2);
    let g = generate(&healthy(&layout), &o).unwrap();
    assert_eq!(stages(&g), ["datanode-batch-1", "datanode-batch-2"]);
    assert_eq!(g.steps[0].restarts, ["worker1", "worker2"]);
    assert!(g.text.contains("BPServiceActorInfo"));
    assert!(!g.text.contains("NumLiveDataNodes"));
    // Every DataNode at once, whatever the replication and the racks.
    o.batch = Batch::Count(cluster().1.hosts("datanode").len());
    assert!(
        unsafe_reason(generate(&healthy(&layout), &o)).contains("would leave no datanode running")
    );
}

#[test]
fn stale_restarts_exactly_the_marked_services_and_clears_them() {
    let (_, _, layout) = cluster();
    let mut r = healthy(&layout);
    for h in ["master1", "master2"] {
        if let Some(Ok(hr)) = r.hosts.get_mut(h) {
            hr.stale = vec!["namenode".into(), "zkfc".into()];
        }
    }
    if let Some(Ok(hr)) = r.hosts.get_mut("worker2") {
        hr.stale = vec!["datanode".into()];
    }
    let o = Options {
        stale: true,
        ..Options::default()
    };
    let g = generate(&r, &o).unwrap();
    let mut t = g.targets.clone();
    t.sort();
    assert_eq!(
        t,
        [
            ("datanode".to_string(), "worker2".to_string()),
            ("namenode".into(), "master1".into()),
            ("namenode".into(), "master2".into()),
            ("zkfc".into(), "master1".into()),
            ("zkfc".into(), "master2".into()),
        ]
    );
    let names = stages(&g);
    assert!(names.contains(&"clear-stale-master1") && names.contains(&"clear-stale-worker2"));
    assert!(
        !names
            .iter()
            .any(|s| s.starts_with("zookeeper") || s.starts_with("journalnode"))
    );
    // Nothing stale, nothing to do.
    let g = generate(&healthy(&layout), &o).unwrap();
    assert!(g.is_empty());
}

#[test]
fn bad_requests_are_bad_input() {
    let (_, _, layout) = cluster();
    assert!(matches!(
        generate(&healthy(&layout), &opts("hbase")),
        Err(Refusal::BadInput(_))
    ));
    let mut o = opts("datanode");
    o.hosts = Some(vec!["nosuchhost".into()]);
    assert!(matches!(
        generate(&healthy(&layout), &o),
        Err(Refusal::BadInput(_))
    ));
}

#[test]
fn an_unreachable_host_is_refused() {
    let (_, _, layout) = cluster();
    let mut r = healthy(&layout);
    r.hosts
        .insert("worker3".into(), Err("connection refused".into()));
    assert!(unsafe_reason(generate(&r, &opts("datanode"))).contains("worker3 is unreachable"));
    // With --max-failures, a worker's is left to the run's budget: it is
    // planned like the others (the engine counts it out at connect), and
    // the count gates expect only the DataNodes seen running.
    let tolerant = Options {
        tolerate_unreachable: true,
        ..opts("datanode")
    };
    let g = generate(&r, &tolerant).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        g.targets
            .iter()
            .any(|(role, h)| role == "datanode" && h == "worker3")
    );
    // A master's never is.
    r.hosts
        .insert("master1".into(), Err("connection refused".into()));
    let zk = Options {
        tolerate_unreachable: true,
        ..opts("zookeeper")
    };
    assert!(unsafe_reason(generate(&r, &zk)).contains("master1 is unreachable"));
}

#[test]
fn a_replayed_restart_leaves_daemons_it_already_bounced_alone() {
    let (_, _, layout) = cluster();
    let r = healthy(&layout);
    let o = Options {
        since: Some(1_763_708_400),
        ..opts("datanode")
    };
    let g = generate(&r, &o).unwrap();
    // The guard compares the running process's start with the restart's.
    assert!(
        g.text.contains("-ge 1763708400 ]; then"),
        "no already-restarted guard in:\n{}",
        g.text
    );
    assert!(g.text.contains("was already restarted by this restart"));
    // Without a start time (tests, dry runs) there is nothing to compare.
    let plain = generate(&r, &opts("datanode")).unwrap();
    assert!(!plain.text.contains("already restarted"));
}

/// The generated playbook text is what the journal keeps and `herd replay`
/// parses back: a change to it is a change to every restart.
/// `UPDATE_GOLDEN=1 cargo test --test restart` rewrites tests/golden/restart.
#[test]
fn generated_playbooks_match_the_golden_files() {
    let (_, _, layout) = cluster();
    let r = healthy(&layout);
    let mut cases: Vec<(String, Options)> = [
        "all",
        "zookeeper",
        "journalnode",
        "namenode",
        "zkfc",
        "resourcemanager",
        "historyserver",
        "datanode",
        "nodemanager",
        "mesos-master",
        "mesos-agent",
        "workers",
    ]
    .iter()
    .map(|s| (s.to_string(), opts(s)))
    .collect();
    cases.push((
        "datanode-batch-2-replayable".into(),
        Options {
            batch: Batch::Count(2),
            since: Some(1_763_708_400),
            ..opts("datanode")
        },
    ));
    let mut stale = healthy(&layout);
    for h in ["master1", "worker2"] {
        if let Some(Ok(hr)) = stale.hosts.get_mut(h) {
            hr.stale = vec!["namenode".into(), "datanode".into()];
        }
    }
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/restart");
    let stale_opts = Options {
        stale: true,
        ..Options::default()
    };
    let mut all: Vec<(String, Restart)> = cases
        .iter()
        .map(|(name, o)| (name.clone(), generate(&r, o).unwrap()))
        .collect();
    all.push(("stale".into(), generate(&stale, &stale_opts).unwrap()));
    for (name, g) in all {
        let path = dir.join(format!("{name}.yaml"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &g.text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
                path.display()
            )
        });
        assert_eq!(
            g.text,
            want,
            "{name} differs from {} (UPDATE_GOLDEN=1 rewrites it)",
            path.display()
        );
    }
}

/// What the journal keeps is what runs: the kept text parses back to the
/// very stages the restart runs (so a replay runs the same restart).
#[test]
fn the_kept_text_parses_back_to_the_playbook_that_runs() {
    let (_, _, layout) = cluster();
    let r = healthy(&layout);
    let canonical = |pb: &Playbook| -> Vec<String> {
        pb.stages
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.location = herd::model::Location {
                    file: Default::default(),
                    line: 0,
                    column: 0,
                };
                format!("{s:?}")
            })
            .collect()
    };
    for s in ["all", "zookeeper", "journalnode", "datanode", "mesos-agent"] {
        let g = generate(&r, &opts(s)).unwrap();
        let built = g.playbook.as_ref().expect("a playbook");
        assert_eq!(built.source, format!("generated:restart-{s}"));
        let parsed = Playbook::parse(&g.text, &built.source).unwrap();
        assert_eq!(built.digest, parsed.digest, "{s}");
        assert_eq!(built.name, parsed.name, "{s}");
        assert_eq!(canonical(built), canonical(&parsed), "{s}");
    }
    let nothing = generate(
        &r,
        &Options {
            stale: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(nothing.playbook.is_none() && nothing.text.is_empty());
}

/// Every port a gate checks is the one the rendered configuration gives the
/// daemon on that host, overrides included.
#[test]
fn gates_probe_the_ports_the_configuration_gives() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "      dfs.replication: 2\n",
        "      dfs.replication: 2\n      dfs.journalnode.rpc-address: 0.0.0.0:8495\n      dfs.journalnode.http-address: 0.0.0.0:8490\n      dfs.ha.zkfc.port: 8029\n      dfs.namenode.http-address.hadoop-cluster-bdnode.nn1: master1:9871",
    );
    let inv = Inventory::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    let topo = herd::hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&inv, &topo);
    let r = healthy(&layout);
    let port_of = |g: &Restart, stage: &str| -> u16 {
        let pb = g.playbook.as_ref().unwrap();
        match &pb.stage(stage).unwrap().probe.as_ref().unwrap().check {
            ProbeCheck::Tcp { port }
            | ProbeCheck::Http { port, .. }
            | ProbeCheck::Zk { port, .. } => *port,
            other => panic!("{other:?}"),
        }
    };
    let g = restart::generate(&inv, &topo, &layout, &r, &opts("journalnode")).unwrap();
    assert_eq!(port_of(&g, "journalnode-master1"), 8495);
    assert_eq!(port_of(&g, "journalnode-master1-writing"), 8490);
    assert!(
        g.steps[1].description.ends_with("gate: 8495 answers"),
        "{}",
        g.steps[1].description
    );
    let g = restart::generate(&inv, &topo, &layout, &r, &opts("zkfc")).unwrap();
    assert_eq!(port_of(&g, "zkfc-master1"), 8029);
    assert!(g.steps[0].description.ends_with("it listens (8029)"));
    let g = restart::generate(&inv, &topo, &layout, &r, &opts("namenode")).unwrap();
    assert_eq!(port_of(&g, "namenode-nn1"), 9871);
    assert_eq!(port_of(&g, "namenode-nn2"), 9870);
    // The one-active gate asks every NameNode at the first one's port.
    assert_eq!(port_of(&g, "namenode-one-active"), 9871);
}
