//! `herd restart --batch N|rack` and `herd restart workers` without a
//! cluster: worker batches by rack (sorted racks, inventory order within),
//! the refusals that keep a replica of every block and a daemon of every
//! role serving, the one-step-per-batch restart of every worker daemon, and
//! the plan for a fleet of 1,000 workers in 25 racks.

mod support;

use herd::hadoop::Topology;
use herd::hadoop::observe::{Layout, MesosReading, NameNodeReading, Proc, Readings, RmReading};
use herd::hadoop::restart::{self, Batch, Options, Refusal, Restart};
use herd::model::{Inventory, Playbook};

/// A worker host line: `rack` None leaves the host without one.
fn worker(name: &str, address: &str, rack: Option<&str>, daemon: bool) -> String {
    let mut vars = Vec::new();
    if let Some(r) = rack {
        vars.push(format!("rack: {r}"));
    }
    if daemon {
        vars.push("supervisor: daemon".to_string());
    }
    format!(
        "  - {{ name: {name}, address: {address},{} roles: [datanode, nodemanager, mesos-agent], vars: {{ {} }} }}\n",
        if daemon { " user: root," } else { "" },
        vars.join(", ")
    )
}

/// The sandbox's four workers (worker3 without systemd), in these racks.
fn four(racks: [Option<&str>; 4]) -> String {
    (1..=4)
        .map(|i| {
            worker(
                &format!("worker{i}"),
                &format!("172.30.0.2{i}"),
                racks[i - 1],
                i == 3,
            )
        })
        .collect()
}

/// The sandbox inventory's settings and masters with these worker lines
/// and this hdfs-site override.
fn cluster(workers: &str, hdfs_site: &str) -> (Inventory, Topology, Layout) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let (vars, hosts) = text.split_once("\nhosts:\n").expect("a hosts: section");
    // The sandbox's hdfs-site block (its key line and the deeper lines
    // under it) gives way to the one given.
    let mut vars_out = String::new();
    let mut in_hdfs_site = false;
    for l in vars.lines() {
        if l.starts_with("    hdfs-site:") {
            in_hdfs_site = true;
            vars_out.push_str(&format!("    hdfs-site: {hdfs_site}\n"));
            continue;
        }
        if in_hdfs_site && l.starts_with("      ") {
            continue;
        }
        in_hdfs_site = false;
        vars_out.push_str(&format!("{l}\n"));
    }
    let vars = vars_out;
    let masters: String = hosts
        .lines()
        .filter(|l| l.contains("name: master"))
        .map(|l| format!("{l}\n"))
        .collect();
    let text = format!("{vars}hosts:\n{masters}{workers}");
    let inv = Inventory::parse(&text, &path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let topo = herd::hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&inv, &topo);
    (inv, topo, layout)
}

const RF2: &str = "{ dfs.replication: 2 }";
const RF_DEFAULT: &str = "{}";

/// Two racks of two: worker1, worker2 in /rack1; worker3, worker4 in /rack2.
fn two_racks() -> (Inventory, Topology, Layout) {
    cluster(
        &four([
            Some("/rack1"),
            Some("/rack1"),
            Some("/rack2"),
            Some("/rack2"),
        ]),
        RF2,
    )
}

/// Every daemon running; nn1 active, rm1 active, master1 leads Mesos.
fn healthy(layout: &Layout) -> Readings {
    let mut r = support::readings::all_running(layout);
    r.namenodes = vec![
        NameNodeReading {
            id: "nn1".into(),
            host: "master1".into(),
            state: Ok("active".into()),
            live_datanodes: None,
            fs_state: Some("Operational".into()),
            hdfs: None,
            datanodes: None,
            rolling_upgrade: None,
        },
        NameNodeReading {
            id: "nn2".into(),
            host: "master2".into(),
            state: Ok("standby".into()),
            live_datanodes: None,
            fs_state: Some("Operational".into()),
            hdfs: None,
            datanodes: None,
            rolling_upgrade: None,
        },
    ];
    r.resourcemanagers = vec![RmReading {
        id: "rm1".into(),
        host: "master1".into(),
        ha_state: Ok("ACTIVE".into()),
        active_nodes: None,
        yarn: None,
    }];
    r.mesos_masters = vec![MesosReading {
        host: "master1".into(),
        elected: Ok(true),
        activated_agents: None,
    }];
    r
}

fn opts(service: &str, batch: Batch) -> Options {
    Options {
        service: service.into(),
        batch,
        ..Options::default()
    }
}

fn plan(c: &(Inventory, Topology, Layout), o: &Options) -> Result<Restart, Refusal> {
    restart::generate(&c.0, &c.1, &c.2, &healthy(&c.2), o)
}

fn stages(g: &Restart) -> Vec<&str> {
    g.steps.iter().map(|s| s.stage.as_str()).collect()
}

fn restarts(g: &Restart) -> Vec<Vec<String>> {
    g.steps
        .iter()
        .filter(|s| !s.restarts.is_empty())
        .map(|s| s.restarts.clone())
        .collect()
}

fn unsafe_reason(r: Result<Restart, Refusal>) -> String {
    match r {
        Err(Refusal::Unsafe(m)) => m,
        other => panic!("expected an unsafe refusal, got {other:?}"),
    }
}

fn bad_input(r: Result<Restart, Refusal>) -> String {
    match r {
        Err(Refusal::BadInput(m)) => m,
        other => panic!("expected bad input, got {other:?}"),
    }
}

/// The generated text parses back and plans against the inventory.
fn plans(c: &(Inventory, Topology, Layout), g: &Restart) -> Playbook {
    let pb = Playbook::parse(&g.text, "generated:test").unwrap_or_else(|e| panic!("{e}"));
    herd::plan::build(&c.0, &pb).unwrap_or_else(|e| panic!("{e}"));
    pb
}

#[test]
fn batch_is_a_count_or_rack() {
    assert_eq!("rack".parse::<Batch>(), Ok(Batch::Rack));
    assert_eq!("3".parse::<Batch>(), Ok(Batch::Count(3)));
    for bad in ["0", "-1", "racks", ""] {
        let e = bad.parse::<Batch>().unwrap_err();
        assert!(e.contains("neither a number of hosts"), "{bad}: {e}");
    }
    assert_eq!(Batch::Rack.to_string(), "rack");
    assert_eq!(Batch::Count(2).to_string(), "2");
}

#[test]
fn rack_batches_go_rack_by_rack_in_sorted_order_hosts_in_inventory_order() {
    // Inventory order interleaves the racks; /rack-a sorts first.
    let c = cluster(
        &four([
            Some("/rack-b"),
            Some("/rack-a"),
            Some("/rack-b"),
            Some("/rack-a"),
        ]),
        RF2,
    );
    let g = plan(&c, &opts("datanode", Batch::Rack)).unwrap();
    assert_eq!(
        stages(&g),
        ["datanode-batch-1", "datanode-batch-2", "datanode-batch-2-2"]
    );
    // /rack-b holds worker3 (no systemd) and worker1: one stage per command.
    assert_eq!(
        restarts(&g),
        [
            vec!["worker2".to_string(), "worker4".into()],
            vec!["worker1".into()],
            vec!["worker3".into()]
        ]
    );
    assert!(
        g.steps[0]
            .description
            .starts_with("restart datanode on worker2, worker4 (rack /rack-a); gate: registered"),
        "{}",
        g.steps[0].description
    );
    let pb = plans(&c, &g);
    // Both parts of the /rack-b batch run at once, after the /rack-a batch.
    assert_eq!(pb.stages[1].depends_on, ["datanode-batch-1"]);
    assert_eq!(pb.stages[2].depends_on, ["datanode-batch-1"]);
    // The daemon-supervised part uses its own start, not systemctl.
    let part = pb.stage("datanode-batch-2-2").unwrap();
    assert!(!part.run.as_deref().unwrap().contains("systemctl"));
    assert!(
        pb.stage("datanode-batch-2")
            .unwrap()
            .run
            .as_deref()
            .unwrap()
            .contains("systemctl")
    );
}

#[test]
fn nodemanagers_batched_by_rack_are_gated_by_the_resourcemanager_count() {
    let c = two_racks();
    let g = plan(&c, &opts("nodemanager", Batch::Rack)).unwrap();
    assert_eq!(
        stages(&g),
        [
            "nodemanager-batch-1",
            "nodemanager-batch-1-registered",
            "nodemanager-batch-2",
            "nodemanager-batch-2-2",
            "nodemanager-batch-2-registered"
        ]
    );
    let pb = plans(&c, &g);
    assert_eq!(
        pb.stage("nodemanager-batch-2-registered")
            .unwrap()
            .depends_on,
        ["nodemanager-batch-2", "nodemanager-batch-2-2"]
    );
}

#[test]
fn rack_batches_are_bad_input_without_racks() {
    let c = cluster(&four([None; 4]), RF2);
    let m = bad_input(plan(&c, &opts("datanode", Batch::Rack)));
    assert_eq!(
        m,
        "--batch rack: no datanode host has a rack (set vars.rack per host), so there is no rack to restart at a time; use --batch N"
    );
    let c = cluster(&four([Some("/rack1"), None, Some("/rack2"), None]), RF2);
    let m = bad_input(plan(&c, &opts("datanode", Batch::Rack)));
    assert_eq!(
        m,
        "--batch rack: 2 datanode hosts have no rack: worker2, worker4 (HDFS puts them in /default-rack); set vars.rack on them, or use --batch N"
    );
    // Judged from the inventory alone, before any host is read.
    let o = opts("workers", Batch::Rack);
    match restart::check(&c.0, &c.1, &o) {
        Err(Refusal::BadInput(m)) => assert!(
            m.starts_with("--batch rack: 2 worker hosts have no rack: worker2, worker4"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    // Only the hosts restarted need a rack.
    let mut o = opts("datanode", Batch::Rack);
    o.hosts = Some(vec!["worker1".into(), "worker3".into()]);
    let g = plan(&c, &o).unwrap();
    assert_eq!(
        restarts(&g),
        [vec!["worker1".to_string()], vec!["worker3".into()]]
    );
}

#[test]
fn one_rack_holding_every_datanode_is_refused_as_leaving_none_running() {
    let c = cluster(&four([Some("/rack1"); 4]), RF2);
    let m = unsafe_reason(plan(&c, &opts("datanode", Batch::Rack)));
    assert_eq!(
        m,
        "refusing to restart datanode: rack /rack1 holds every datanode host, so restarting it would leave no datanode running (of 4)"
    );
    // Two racks, but the other rack's hosts are down already.
    let c = two_racks();
    let mut r = healthy(&c.2);
    for h in ["worker3", "worker4"] {
        if let Some(Ok(hr)) = r.hosts.get_mut(h) {
            hr.procs
                .insert("datanode".into(), Proc::Dead { pid: Some(9) });
        }
    }
    let m = unsafe_reason(restart::generate(
        &c.0,
        &c.1,
        &c.2,
        &r,
        &opts("datanode", Batch::Rack),
    ));
    assert_eq!(
        m,
        "refusing to restart datanode: rack /rack1 with 2 already down (worker3, worker4) would leave no datanode running (of 4)"
    );
}

#[test]
fn a_count_batch_across_racks_as_large_as_the_replication_is_refused() {
    let c = two_racks();
    // worker1..4 in batches of 2 stay within their racks: allowed.
    let g = plan(&c, &opts("datanode", Batch::Count(2))).unwrap();
    assert_eq!(
        restarts(&g),
        [
            vec!["worker1".to_string(), "worker2".into()],
            vec!["worker3".into()],
            vec!["worker4".into()]
        ]
    );
    // worker2 and worker3 together may hold both replicas of a block.
    let mut o = opts("datanode", Batch::Count(2));
    o.hosts = Some(vec!["worker2".into(), "worker3".into()]);
    let m = unsafe_reason(plan(&c, &o));
    assert_eq!(
        m,
        "refusing to restart datanode: batch 1 (worker2, worker3) spans racks /rack1, /rack2 and holds 2 DataNodes, as many as dfs.replication (2): every replica of a block may be in it. Safe: --batch rack (one rack at a time), --batch 1 (fewer DataNodes than replicas), or a count whose batches stay within one rack"
    );
    // A batch of 3 crosses the racks: refused for the replicas.
    let m = unsafe_reason(plan(&c, &opts("datanode", Batch::Count(3))));
    assert!(
        m.contains("batch 1 (worker1, worker2, worker3) spans racks"),
        "{m}"
    );
    // With three replicas, two DataNodes across racks are fewer: allowed.
    let c = cluster(
        &four([
            Some("/rack1"),
            Some("/rack1"),
            Some("/rack2"),
            Some("/rack2"),
        ]),
        "{ dfs.replication: 3 }",
    );
    plan(&c, &o).unwrap();
}

#[test]
fn without_racks_a_batch_as_large_as_the_replication_is_refused() {
    let c = cluster(&four([None; 4]), RF2);
    let m = unsafe_reason(plan(&c, &opts("datanode", Batch::Count(2))));
    assert_eq!(
        m,
        "refusing to restart datanode: batch 1 (worker1, worker2) holds 2 DataNodes, as many as dfs.replication (2), and the DataNodes have no racks to spread replicas over: every replica of a block may be in it. Safe: --batch 1 (fewer DataNodes than replicas)"
    );
    // One rack for all is no spread either.
    let c = cluster(&four([Some("/rack1"); 4]), RF2);
    let m = unsafe_reason(plan(&c, &opts("datanode", Batch::Count(2))));
    assert!(
        m.contains("and every DataNode is in rack /rack1 to spread"),
        "{m}"
    );
    // The default replication is min(DataNodes, 3): 3 here, so 2 at once is fine.
    let c = cluster(&four([None; 4]), RF_DEFAULT);
    plan(&c, &opts("datanode", Batch::Count(2))).unwrap();
    let m = unsafe_reason(plan(&c, &opts("datanode", Batch::Count(3))));
    assert!(m.contains("as many as dfs.replication (3)"), "{m}");
    assert!(
        m.ends_with("Safe: --batch 2 (fewer DataNodes than replicas)"),
        "{m}"
    );
}

#[test]
fn the_replication_is_the_rendered_one_overrides_applied() {
    let site = |hdfs: &str| {
        let c = cluster(&four([None; 4]), hdfs);
        herd::hadoop::render::site_configs(&c.0, &c.1).replication()
    };
    assert_eq!(site(RF_DEFAULT), Ok(3));
    assert_eq!(site(RF2), Ok(2));
    // Removed: Hadoop's own default.
    assert_eq!(site("{ dfs.replication: null }"), Ok(3));
    let e = site("{ dfs.replication: two }").unwrap_err();
    assert_eq!(
        e,
        "vars.overrides.hdfs-site.dfs.replication: 'two' is not a positive number"
    );
    // A restart of DataNodes cannot judge its batches without it.
    let c = cluster(&four([None; 4]), "{ dfs.replication: two }");
    assert!(bad_input(plan(&c, &opts("datanode", Batch::Count(1)))).contains("'two'"));
    // NodeManagers do not care.
    plan(&c, &opts("nodemanager", Batch::Count(1))).unwrap();
}

#[test]
fn one_replica_allows_one_datanode_at_a_time_and_no_rack_at_a_time() {
    let c = cluster(
        &four([
            Some("/rack1"),
            Some("/rack1"),
            Some("/rack2"),
            Some("/rack2"),
        ]),
        "{ dfs.replication: 1 }",
    );
    plan(&c, &opts("datanode", Batch::Count(1))).unwrap();
    let m = unsafe_reason(plan(&c, &opts("datanode", Batch::Rack)));
    assert!(m.contains("--batch rack with dfs.replication 1"), "{m}");
}

#[test]
fn nodemanager_and_agent_batches_keep_only_the_none_left_running_rule() {
    let c = cluster(&four([None; 4]), RF2);
    for role in ["nodemanager", "mesos-agent"] {
        let g = plan(&c, &opts(role, Batch::Count(3))).unwrap();
        // worker3 runs without systemd: its part of batch 1 is a step of its own.
        assert_eq!(
            restarts(&g),
            [
                vec!["worker1".to_string(), "worker2".into()],
                vec!["worker3".into()],
                vec!["worker4".into()]
            ],
            "{role}"
        );
        let m = unsafe_reason(plan(&c, &opts(role, Batch::Count(4))));
        assert_eq!(
            m,
            format!(
                "refusing to restart {role}: batches of 4 would leave no {role} running (of 4)"
            )
        );
    }
}

#[test]
fn workers_restart_every_worker_daemon_of_a_batch_in_one_step_then_gate_them_at_once() {
    let c = two_racks();
    let g = plan(&c, &opts("workers", Batch::Rack)).unwrap();
    assert_eq!(g.name, "restart-workers");
    assert_eq!(
        stages(&g),
        [
            "workers-batch-1",
            "workers-batch-1-datanode",
            "workers-batch-1-nodemanager",
            "workers-batch-1-mesos-agent",
            "workers-batch-1-resourcemanager-count",
            "workers-batch-1-mesos-master-count",
            "workers-batch-2",
            "workers-batch-2-2",
            "workers-batch-2-datanode",
            "workers-batch-2-nodemanager",
            "workers-batch-2-mesos-agent",
            "workers-batch-2-resourcemanager-count",
            "workers-batch-2-mesos-master-count",
        ]
    );
    assert_eq!(
        g.steps[0].description,
        "restart datanode, nodemanager, mesos-agent on worker1, worker2 (rack /rack1)"
    );
    assert_eq!(
        restarts(&g),
        [
            vec!["worker1".to_string(), "worker2".into()],
            vec!["worker3".into()],
            vec!["worker4".into()]
        ]
    );
    let pb = plans(&c, &g);
    let run = pb.stage("workers-batch-1").unwrap().run.clone().unwrap();
    for unit in [
        "hadoop-hdfs-datanode.service",
        "hadoop-yarn-nodemanager.service",
        "mesos-agent.service",
    ] {
        assert!(
            run.contains(&format!("systemctl start {unit}")),
            "{unit}:\n{run}"
        );
    }
    // Each daemon in a subshell: an already restarted one skips only itself.
    assert_eq!(run.matches(") || exit $?").count(), 3);
    // The batch's gates all wait for its restart and run at once; the next
    // batch waits for every one of them.
    for gate in [
        "workers-batch-1-datanode",
        "workers-batch-1-nodemanager",
        "workers-batch-1-mesos-agent",
        "workers-batch-1-resourcemanager-count",
        "workers-batch-1-mesos-master-count",
    ] {
        assert_eq!(
            pb.stage(gate).unwrap().depends_on,
            ["workers-batch-1"],
            "{gate}"
        );
    }
    assert_eq!(
        pb.stage("workers-batch-2").unwrap().depends_on,
        [
            "workers-batch-1-datanode",
            "workers-batch-1-nodemanager",
            "workers-batch-1-mesos-agent",
            "workers-batch-1-resourcemanager-count",
            "workers-batch-1-mesos-master-count",
        ]
    );
    assert_eq!(
        pb.stage("workers-batch-2-datanode").unwrap().depends_on,
        ["workers-batch-2", "workers-batch-2-2"]
    );
    let text = format!("{:?}", pb.stage("workers-batch-2-datanode").unwrap().probe);
    assert!(text.contains("BPServiceActorInfo"), "{text}");
    let text = format!(
        "{:?}",
        pb.stage("workers-batch-1-resourcemanager-count")
            .unwrap()
            .probe
    );
    assert!(
        text.contains("activeNodes") && text.contains("Number(4)"),
        "{text}"
    );
}

#[test]
fn workers_keep_every_role_s_rules() {
    let c = two_racks();
    let mut o = opts("workers", Batch::Count(2));
    o.hosts = Some(vec!["worker2".into(), "worker3".into()]);
    let m = unsafe_reason(plan(&c, &o));
    assert!(
        m.starts_with("refusing to restart datanode: batch 1 (worker2, worker3) spans racks"),
        "{m}"
    );
    let c = cluster(&four([None; 4]), RF_DEFAULT);
    let m = unsafe_reason(plan(&c, &opts("workers", Batch::Count(4))));
    assert_eq!(
        m,
        "refusing to restart datanode: batches of 4 would leave no datanode running (of 4)"
    );
    // One at a time, only the hosts asked for.
    let mut o = opts("workers", Batch::Count(1));
    o.hosts = Some(vec!["worker4".into(), "worker1".into()]);
    let g = plan(&c, &o).unwrap();
    assert_eq!(
        restarts(&g),
        [vec!["worker1".to_string()], vec!["worker4".into()]]
    );
    let mut t = g.targets.clone();
    t.sort();
    assert_eq!(t.len(), 6);
}

#[test]
fn a_worker_with_some_roles_only_bounces_those() {
    let workers = format!(
        "{}  - {{ name: worker4, address: 172.30.0.24, roles: [nodemanager], vars: {{ rack: /rack2 }} }}\n",
        four([Some("/rack1"), Some("/rack1"), Some("/rack2"), None])
            .lines()
            .take(3)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    let c = cluster(&workers, RF2);
    let g = plan(&c, &opts("workers", Batch::Rack)).unwrap();
    let pb = plans(&c, &g);
    // /rack2: worker3 (every role, no systemd) and worker4 (a NodeManager).
    let nm_only = pb.stage("workers-batch-2-2").unwrap();
    let run = nm_only.run.as_deref().unwrap();
    assert!(
        run.contains("nodemanager") && !run.contains("datanode"),
        "{run}"
    );
    let dn = format!("{:?}", pb.stage("workers-batch-2-datanode").unwrap().hosts);
    assert!(dn.contains("worker3") && !dn.contains("worker4"), "{dn}");
}

#[test]
fn a_dry_run_takes_the_hosts_it_could_not_read_as_running() {
    let c = two_racks();
    let mut r = healthy(&c.2);
    r.hosts
        .insert("worker3".into(), Err("connection refused".into()));
    r.hosts.remove("worker4");
    let assumed = restart::assume_running(&c.2, &mut r);
    assert_eq!(
        assumed,
        [
            ("worker3".to_string(), "connection refused".to_string()),
            ("worker4".into(), "not read".into())
        ]
    );
    assert_eq!(r.runs("worker3", "datanode"), Some(true));
    assert_eq!(r.runs("worker4", "mesos-agent"), Some(true));
    // The hosts that answered keep what they said.
    assert_eq!(r.hosts["worker1"], healthy(&c.2).hosts["worker1"]);
    let g = restart::generate(&c.0, &c.1, &c.2, &r, &opts("datanode", Batch::Rack)).unwrap();
    assert_eq!(restarts(&g).len(), 3);
}

/// The fleet of the issue: 3 masters, 1,000 workers in 25 racks of 40.
fn fleet() -> (Inventory, Topology, Layout) {
    let mut workers = String::new();
    for r in 1..=25 {
        for i in 1..=40 {
            workers.push_str(&worker(
                &format!("r{r:02}w{i:02}"),
                &format!("10.1.{r}.{i}"),
                Some(&format!("/rack{r:02}")),
                false,
            ));
        }
    }
    cluster(&workers, RF_DEFAULT)
}

#[test]
fn a_thousand_workers_in_25_racks_restart_in_25_datanode_batches() {
    let c = fleet();
    assert_eq!(c.1.hosts("datanode").len(), 1000);
    // As the dry run plans when it reads no host at all.
    let mut r = Readings::default();
    assert_eq!(restart::assume_running(&c.2, &mut r).len(), 1003);
    let g = restart::generate(&c.0, &c.1, &c.2, &r, &opts("datanode", Batch::Rack)).unwrap();
    assert_eq!(g.steps.len(), 25);
    for (k, s) in g.steps.iter().enumerate() {
        assert_eq!(s.stage, format!("datanode-batch-{}", k + 1));
        assert_eq!(s.restarts.len(), 40);
        assert!(
            s.restarts
                .iter()
                .all(|h| h.starts_with(&format!("r{:02}w", k + 1)))
        );
    }
    let g = restart::generate(&c.0, &c.1, &c.2, &r, &opts("datanode", Batch::Count(1))).unwrap();
    assert_eq!(g.steps.len(), 1000);
    // Three replicas: batches of 3 cross racks (40 = 13 x 3 + 1) and are refused.
    let m = unsafe_reason(restart::generate(
        &c.0,
        &c.1,
        &c.2,
        &r,
        &opts("datanode", Batch::Count(3)),
    ));
    assert!(
        m.contains("batch 14 (r01w40, r02w01, r02w02) spans racks /rack01, /rack02"),
        "{m}"
    );
}
