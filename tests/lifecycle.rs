//! Worker lifecycle without a cluster: the record beside the inventory, the
//! masters' lists it renders, the bring-up leaving out-of-service workers
//! alone, and the generated decommission / recommission / maintenance with
//! their refusals.

mod support;

use std::path::{Path, PathBuf};

use herd::hadoop::lifecycle::generate::{self, Action, Request};
use herd::hadoop::lifecycle::{Record, WorkerState, record};
use herd::hadoop::observe::{
    DataNodeView, Layout, MesosReading, NameNodeReading, Readings, RmReading, assess,
};
use herd::hadoop::restart::Refusal;
use herd::hadoop::{self, Topology};
use herd::model::Inventory;

/// The sandbox inventory copied into a fresh directory (with `extra` host
/// lines), so a record can sit beside it; the record written when given.
fn cluster(extra: &str, rec: Option<&str>) -> (tempfile::TempDir, Inventory) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
    let mut text = std::fs::read_to_string(src).unwrap();
    // Replication 2, as the sandbox has it: three DataNodes can lose one.
    if !text.contains("dfs.replication") {
        text = text.replace(
            "hdfs-site: { dfs.namenode.handler.count: 20 }",
            "hdfs-site: { dfs.namenode.handler.count: 20, dfs.replication: 2 }",
        );
    }
    text.push_str(extra);
    let path = dir.path().join("prod.yaml");
    std::fs::write(&path, text).unwrap();
    if let Some(r) = rec {
        std::fs::write(dir.path().join("prod.workers.json"), r).unwrap();
    }
    let inv = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
    (dir, inv)
}

const WORKER4: &str = "  - { name: worker4, address: 172.30.0.24, roles: [datanode, nodemanager, mesos-agent], vars: { rack: /rack2 } }\n";

fn rendered(inv: &Inventory, topo: &Topology, host: &str, file: &str) -> String {
    let files = hadoop::render(inv, topo).unwrap();
    let path = format!("{}/{file}", topo.settings.hadoop_conf_dir());
    String::from_utf8(
        files
            .file(host, &path)
            .unwrap_or_else(|| panic!("{host}:{path}"))
            .content
            .clone(),
    )
    .unwrap()
}

#[test]
fn the_record_renders_admin_states_into_the_masters_lists() {
    let rec = r#"{"cluster":"sandbox","workers":{
        "worker1":{"state":"decommissioned","since":"2026-12-01T10:00:00Z"},
        "worker2":{"state":"maintenance","until_ms":1767225600000,"since":"2026-12-01T10:00:00Z"}}}"#;
    let (_d, inv) = cluster("", Some(rec));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(topo.worker_state("worker1"), WorkerState::Decommissioned);
    assert_eq!(topo.in_service("datanode"), ["worker3"]);
    let dfs = rendered(&inv, &topo, "master1", "dfs.hosts.json");
    let v: serde_json::Value = serde_json::from_str(&dfs).expect("valid JSON for the NameNode");
    assert_eq!(
        v.as_array().unwrap().len(),
        3,
        "every DataNode is listed: {dfs}"
    );
    // hostName first: the bring-up's guard reads the hosts' copies with grep.
    assert!(
        dfs.contains(r#"{"hostName":"worker1","adminState":"DECOMMISSIONED"}"#),
        "{dfs}"
    );
    assert!(
        dfs.contains(r#"{"hostName":"worker2","adminState":"IN_MAINTENANCE","maintenanceExpireTimeInMS":1767225600000}"#),
        "{dfs}"
    );
    assert!(
        dfs.contains(r#""maintenanceExpireTimeInMS":1767225600000"#),
        "{dfs}"
    );
    assert!(dfs.contains(r#"{"hostName":"worker3"}"#), "{dfs}");
    assert_eq!(
        rendered(&inv, &topo, "master1", "yarn.exclude"),
        "worker1\n"
    );
    assert_eq!(
        rendered(&inv, &topo, "master2", "yarn.include"),
        "worker1\nworker2\nworker3\n"
    );
    // Only the masters read them.
    let files = hadoop::render(&inv, &topo).unwrap();
    let conf = topo.settings.hadoop_conf_dir();
    assert!(
        files
            .file("worker3", &format!("{conf}/dfs.hosts.json"))
            .is_none()
    );
    assert!(
        files
            .file("master3", &format!("{conf}/yarn.include"))
            .is_none()
    );
}

#[test]
fn a_bad_record_is_bad_input_naming_the_file_and_line() {
    let (_d, inv) = cluster(
        "",
        Some("{\"cluster\":\"sandbox\",\n \"workers\": {\"worker1\": {\"state\": \"gone\"}}}"),
    );
    let e = hadoop::validate(&inv).unwrap_err().to_string();
    assert!(e.contains("prod.workers.json:2:"), "{e}");
    let (_d, inv) = cluster("", Some(r#"{"cluster":"other","workers":{}}"#));
    let e = hadoop::validate(&inv).unwrap_err().to_string();
    assert!(
        e.contains("cluster 'other'") && e.contains("prod.workers.json:1:2"),
        "{e}"
    );
    let (_d, inv) = cluster(
        "",
        Some(
            r#"{"cluster":"sandbox","workers":{"master1":{"state":"decommissioned","since":"x"}}}"#,
        ),
    );
    let e = hadoop::validate(&inv).unwrap_err().to_string();
    assert!(e.contains("master1 has no worker role"), "{e}");
    // A worker removed from the inventory after its decommission is ignored.
    let (_d, inv) = cluster(
        "",
        Some(
            r#"{"cluster":"sandbox","workers":{"worker9":{"state":"decommissioned","since":"x"}}}"#,
        ),
    );
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    assert!(topo.out_of_service().is_empty());
}

#[test]
fn status_expects_only_workers_in_service_and_lets_theirs_be_down() {
    let rec =
        r#"{"cluster":"sandbox","workers":{"worker1":{"state":"decommissioned","since":"x"}}}"#;
    let (_d, inv) = cluster("", Some(rec));
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let mut r = healthy(&layout, 2);
    for role in ["datanode", "nodemanager", "mesos-agent"] {
        r.hosts
            .get_mut("worker1")
            .unwrap()
            .as_mut()
            .unwrap()
            .procs
            .remove(role);
    }
    for nn in &mut r.namenodes {
        let d = &mut nn.datanodes.as_mut().unwrap()[0];
        d.live = false;
        d.admin_state = "Decommissioned".into();
    }
    let st = assess(&layout, &r);
    assert!(st.cluster.healthy, "{:?}", st.cluster.problems);
    assert_eq!(st.cluster.datanodes_expected, 2);
    assert_eq!(st.cluster.out_of_service["worker1"], "decommissioned");
    let row = st
        .services
        .iter()
        .find(|s| s.host == "worker1" && s.service == "datanode")
        .unwrap();
    assert_eq!(row.state, "decommissioned");
    // The same worker down without a record is a problem.
    let (_d, inv) = cluster("", None);
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let mut r = healthy(&layout, 3);
    r.hosts
        .get_mut("worker1")
        .unwrap()
        .as_mut()
        .unwrap()
        .procs
        .remove("datanode");
    assert!(!assess(&layout, &r).cluster.healthy);
}

#[test]
fn a_record_the_namenode_disagrees_with_is_a_problem() {
    let (_d, inv) = cluster("", None);
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let mut r = healthy(&layout, 3);
    r.namenodes[1].datanodes.as_mut().unwrap()[0].admin_state = "Decommissioned".into();
    let st = assess(&layout, &r);
    assert!(
        st.cluster.problems.iter().any(|p| p.starts_with(
            "worker1: herd's record has it active, the active NameNode has it Decommissioned"
        )),
        "{:?}",
        st.cluster.problems
    );
}

fn request(action: Action, hosts: &[&str]) -> Request {
    Request {
        action,
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
        timeout: std::time::Duration::from_secs(3600),
        yarn_grace: std::time::Duration::from_secs(60),
        now_ms: 1_764_590_000_000,
    }
}

#[test]
fn a_decommission_that_could_never_finish_is_refused_before_anything_runs() {
    // Three DataNodes with replication 2 (the sandbox's): one can go, two cannot.
    let (_d, inv) = cluster("", None);
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let r = healthy(&layout, 3);
    assert_eq!(herd::hadoop::lifecycle::replication(&inv, &topo), 2);
    let Err(Refusal::Unsafe(m)) = generate::generate(
        &inv,
        &topo,
        &r,
        &request(Action::Decommission, &["worker1", "worker2"]),
    ) else {
        panic!("two of three must be refused");
    };
    assert!(
        m.contains("1 DataNode(s) would stay in service (worker3), fewer than dfs.replication = 2"),
        "{m}"
    );
    assert!(
        generate::generate(
            &inv,
            &topo,
            &r,
            &request(Action::Decommission, &["worker1"])
        )
        .is_ok()
    );
    // Space: what leaves must fit on what stays.
    let mut r = healthy(&layout, 3);
    for d in r.namenodes[1].datanodes.as_mut().unwrap() {
        if d.host == "worker1" {
            d.used = 900 << 30;
        } else {
            d.remaining = 100 << 30;
        }
    }
    let Err(Refusal::Unsafe(m)) = generate::generate(
        &inv,
        &topo,
        &r,
        &request(Action::Decommission, &["worker1"]),
    ) else {
        panic!("no room must be refused");
    };
    assert!(
        m.contains("900.0 GiB of HDFS data") && m.contains("200.0 GiB free"),
        "{m}"
    );
    // Not a worker, not a host.
    for (hosts, want) in [
        (["master1"], "not a worker"),
        (["nohost"], "no host 'nohost'"),
    ] {
        let Err(Refusal::BadInput(m)) =
            generate::generate(&inv, &topo, &r, &request(Action::Decommission, &hosts))
        else {
            panic!("{hosts:?}");
        };
        assert!(m.contains(want), "{m}");
    }
}

#[test]
fn a_decommission_lists_refreshes_waits_drains_and_stops_in_that_order() {
    let (_d, inv) = cluster(WORKER4, None);
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let r = healthy(&layout, 4);
    let op = generate::generate(
        &inv,
        &topo,
        &r,
        &request(Action::Decommission, &["worker1"]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = op.steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "hdfs-host-list",
            "yarn-host-lists",
            "hdfs-refresh",
            "yarn-decommission",
            "nodemanager-decommissioned-worker1",
            "hdfs-decommissioned",
            "mesos-maintenance",
            "stop-worker1"
        ]
    );
    assert_eq!(op.record.state("worker1"), WorkerState::Decommissioned);
    let stage = |n: &str| op.playbook.stage(n).unwrap();
    let refresh = stage("hdfs-refresh").run.clone().unwrap();
    assert!(
        refresh.contains("dfsadmin -refreshNodes") && refresh.contains("hdfs-hosts.refreshed"),
        "{refresh}"
    );
    assert!(
        stage("yarn-decommission")
            .run
            .as_ref()
            .unwrap()
            .contains("-refreshNodes -g 60 -client")
    );
    let list = stage("hdfs-host-list").run.clone().unwrap();
    assert!(
        list.contains(r#""adminState":"DECOMMISSIONED""#)
            && list.contains("dfs.hosts.json.herd-new"),
        "{list}"
    );
    let mesos = stage("mesos-maintenance").run.clone().unwrap();
    assert!(
        mesos.contains("/master/machine/down")
            && mesos.contains(r#"{"hostname":"worker1","ip":"172.30.0.21"}"#),
        "{mesos}"
    );
    assert!(
        stage("stop-worker1")
            .run
            .as_ref()
            .unwrap()
            .contains("systemctl disable --quiet")
    );
    // The playbook text the journal keeps parses back to the same stages.
    let back = herd::model::Playbook::parse(&op.text, "generated:decommission")
        .unwrap_or_else(|e| panic!("{e}\n{}", op.text));
    assert_eq!(back.stages.len(), op.playbook.stages.len());
    // No command carries template syntax by accident.
    for s in &op.playbook.stages {
        for t in [&s.run, &s.creates, &s.unless].into_iter().flatten() {
            assert!(
                !t.contains("{{") && !t.contains("{%") && !t.contains("{#"),
                "{}: {t}",
                s.name
            );
        }
    }
}

#[test]
fn maintenance_and_recommission_keep_replicas_and_gate_like_new_workers() {
    let (_d, inv) = cluster(WORKER4, None);
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let r = healthy(&layout, 4);
    let op = generate::generate(
        &inv,
        &topo,
        &r,
        &request(
            Action::Enter {
                until_ms: Some(1_764_597_200_000),
            },
            &["worker2"],
        ),
    )
    .unwrap();
    let names: Vec<&str> = op.steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "hdfs-host-list",
            "hdfs-refresh",
            "hdfs-in-maintenance",
            "mesos-maintenance"
        ]
    );
    assert!(
        op.playbook
            .stage("hdfs-host-list")
            .unwrap()
            .run
            .as_ref()
            .unwrap()
            .contains(r#""maintenanceExpireTimeInMS":1764597200000"#)
    );
    // Decommissioned, then back.
    let rec =
        r#"{"cluster":"sandbox","workers":{"worker1":{"state":"decommissioned","since":"x"}}}"#;
    let (_d, inv) = cluster(WORKER4, Some(rec));
    let topo = hadoop::validate(&inv).unwrap();
    let layout = Layout::new(&inv, &topo);
    let r = healthy(&layout, 3);
    let Err(Refusal::BadInput(m)) = generate::generate(
        &inv,
        &topo,
        &r,
        &request(Action::Enter { until_ms: None }, &["worker1"]),
    ) else {
        panic!("maintenance of a decommissioned worker");
    };
    assert!(m.contains("recommission it"), "{m}");
    let op = generate::generate(
        &inv,
        &topo,
        &r,
        &request(Action::Recommission, &["worker1"]),
    )
    .unwrap();
    let names: Vec<&str> = op.steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "hdfs-host-list",
            "yarn-host-lists",
            "hdfs-refresh",
            "yarn-refresh",
            "mesos-maintenance",
            "start-worker1",
            "hdfs-in-service",
            "nodemanagers",
            "mesos-agents"
        ]
    );
    assert_eq!(op.record.state("worker1"), WorkerState::Active);
    assert!(op.record.workers.is_empty());
    let mesos = op
        .playbook
        .stage("mesos-maintenance")
        .unwrap()
        .run
        .clone()
        .unwrap();
    assert!(mesos.contains("/master/machine/up"), "{mesos}");
    // The gates name the worker coming back, not a count the masters'
    // view of the others could spoil.
    for gate in ["nodemanagers", "mesos-agents"] {
        let p = op.playbook.stage(gate).unwrap().probe.as_ref().unwrap();
        let herd::model::ProbeCheck::Command { run, .. } = &p.check else {
            panic!("{gate}: a command");
        };
        assert!(
            run.ends_with(" {{ host.name }} 8088 worker1")
                || run.ends_with(" {{ host.name }} 5050 worker1"),
            "{gate}: {run}"
        );
        assert_eq!(p.expect, herd::model::Expectation::ExactlyOne);
    }
}

#[test]
fn the_record_is_written_beside_the_inventory_and_read_back() {
    let (dir, inv) = cluster("", None);
    let mut rec: Record = hadoop::validate(&inv).unwrap().record;
    rec.set(
        &["worker3".into()],
        WorkerState::Maintenance { until_ms: None },
        Some("run-1"),
    );
    let path = record::save(&inv, &rec).unwrap();
    assert_eq!(path, dir.path().join("prod.workers.json"));
    let topo = hadoop::validate(&inv).unwrap();
    assert_eq!(
        topo.worker_state("worker3"),
        WorkerState::Maintenance { until_ms: None }
    );
    assert_eq!(topo.out_of_service(), ["worker3"]);
    let _ = PathBuf::new();
}

/// Every daemon running, nn2/rm2/master2 leading, each DataNode live and in
/// service with room; `agents` activated.
fn healthy(layout: &Layout, agents: u64) -> Readings {
    let mut r = support::readings::all_running(layout);
    let dns: Vec<DataNodeView> = layout
        .hosts
        .iter()
        .filter(|h| h.services.iter().any(|s| s.role == "datanode"))
        .map(|h| DataNodeView {
            host: h.name.clone(),
            live: true,
            admin_state: "In Service".into(),
            used: 1 << 30,
            remaining: 100 << 30,
            blocks: 10,
            pending: None,
        })
        .collect();
    let nn = |id: &str, host: &str, state: &str| NameNodeReading {
        id: id.into(),
        host: host.into(),
        state: Ok(state.into()),
        live_datanodes: Some(dns.len() as u64),
        fs_state: Some("Operational".into()),
        hdfs: None,
        datanodes: Some(dns.clone()),
        rolling_upgrade: None,
    };
    r.namenodes = vec![
        nn("nn1", "master1", "standby"),
        nn("nn2", "master2", "active"),
    ];
    let rm = |id: &str, host: &str, state: &str, n: Option<u64>| RmReading {
        id: id.into(),
        host: host.into(),
        ha_state: Ok(state.into()),
        active_nodes: n,
        yarn: None,
    };
    r.resourcemanagers = vec![
        rm("rm1", "master1", "STANDBY", None),
        rm("rm2", "master2", "ACTIVE", Some(layout.nodemanagers as u64)),
    ];
    r.zookeepers = vec![];
    let mm = |host: &str, elected: bool| MesosReading {
        host: host.into(),
        elected: Ok(elected),
        activated_agents: elected.then_some(agents),
    };
    r.mesos_masters = vec![
        mm("master1", false),
        mm("master2", true),
        mm("master3", false),
    ];
    r
}

/// The bring-up's stale marks for `host`, run against files as `written`
/// left them; the services recorded.
fn stale_after(written: &Inventory, rendered: &Inventory, host: &str, root: &Path) -> String {
    let old_topo = hadoop::validate(written).unwrap();
    for f in &hadoop::render(written, &old_topo)
        .unwrap()
        .host(host)
        .unwrap()
        .files
    {
        if f.path.starts_with(root.to_str().unwrap()) {
            std::fs::create_dir_all(Path::new(&f.path).parent().unwrap()).unwrap();
            std::fs::write(&f.path, &f.content).unwrap();
        }
    }
    let topo = hadoop::validate(rendered).unwrap();
    let files = hadoop::render(rendered, &topo).unwrap();
    let marks = hadoop::stale_marks::template(&topo, &files);
    // Every daemon of the host running: a `systemctl` that says active.
    let bin = root.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("systemctl"), "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(
        bin.join("systemctl"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(marks[host]["mark"].as_str().unwrap())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(format!("{}/.herd/stale", topo.settings.install_dir))
        .unwrap_or_default()
}

#[test]
fn a_scale_out_marks_nothing_stale_and_a_changed_setting_marks_its_readers() {
    let (dir, _) = cluster("", None);
    let root = dir.path().join("opt");
    let with_root = |extra: &str, over: &str| {
        let (d, inv) = cluster(extra, None);
        let text = std::fs::read_to_string(&inv.path)
            .unwrap()
            .replace(
                "install_dir: /opt",
                &format!("install_dir: {}", root.display()),
            )
            .replace("dfs.namenode.handler.count: 20", over);
        std::fs::write(&inv.path, text).unwrap();
        (d, Inventory::load(&inv.path).unwrap())
    };
    let (_a, three) = with_root("", "dfs.namenode.handler.count: 20");
    let (_b, four) = with_root(WORKER4, "dfs.namenode.handler.count: 20");
    // Files the daemons never read (the release's own, on bare hosts) differ
    // from herd's, but nothing runs yet: nothing is stale.
    let (_e, bare) = with_root("", "dfs.namenode.handler.count: 20");
    let conf = root.join("hadoop/etc/hadoop");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("core-site.xml"), "<configuration/>").unwrap();
    let topo = hadoop::validate(&bare).unwrap();
    let files = hadoop::render(&bare, &topo).unwrap();
    let current = hadoop::stale_marks::template(&topo, &files)["master1"]["current"]
        .as_str()
        .unwrap()
        .to_string();
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg(&current)
        .env("PATH", "/usr/bin:/bin")
        .status()
        .unwrap();
    assert!(
        st.success() || !std::path::Path::new("/bin/systemctl").exists(),
        "no daemon runs here"
    );
    // The rack script, the include lists and `workers` change; none needs a restart.
    assert_eq!(stale_after(&three, &four, "master1", &root), "");
    let (_c, changed) = with_root(WORKER4, "dfs.namenode.handler.count: 40");
    assert_eq!(
        stale_after(&four, &changed, "master1", &root),
        "journalnode\nnamenode\nresourcemanager\nzkfc\n"
    );
    // A host moved to another rack is a real change to the rack script.
    let (_d, moved) = with_root(
        &WORKER4.replace("/rack2", "/rack1"),
        "dfs.namenode.handler.count: 20",
    );
    std::fs::remove_file(root.join(".herd/stale")).ok();
    assert_eq!(
        stale_after(&four, &moved, "master1", &root),
        "namenode\nresourcemanager\n"
    );
}

/// The bundled bring-up's worker gates, rendered for the NameNode host:
/// the master, its port and the workers of the run as three words.
#[test]
fn the_bring_up_gates_name_the_workers_of_the_run() {
    use herd::engine::template::{TemplateContext, render};
    let (_d, inv) = cluster("", None);
    let topo = hadoop::validate(&inv).unwrap();
    let (pb, _) = herd::session::playbook::load(None).unwrap();
    let mut ctx = TemplateContext::cluster(&inv, &pb);
    ctx.set(
        "hadoop",
        hadoop::context::template_object(&inv, &topo, Path::new("/r")),
    );
    let master1 = inv.hosts.iter().position(|h| h.name == "master1").unwrap();
    let ctx = ctx.for_host(&inv, &pb, master1);
    let herd::model::ProbeCheck::Command { run, .. } =
        &pb.stage("datanode").unwrap().probe.as_ref().unwrap().check
    else {
        panic!("the DataNode gate is a command");
    };
    let cmd = render(run, &ctx).unwrap();
    assert!(
        cmd.ends_with(" herd master1 9870 'worker1 worker2 worker3'"),
        "{cmd}"
    );
}

/// The bring-up's guard on a NameNode whose list has a worker out of
/// service that the record (lost) has in service: it refuses, naming it.
#[test]
fn the_guard_refuses_a_list_that_would_bring_a_worker_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("opt");
    let load = |rec: Option<&str>| {
        let (d, inv) = cluster("", rec);
        let text = std::fs::read_to_string(&inv.path).unwrap().replace(
            "install_dir: /opt",
            &format!("install_dir: {}", root.display()),
        );
        std::fs::write(&inv.path, text).unwrap();
        (d, Inventory::load(&inv.path).unwrap())
    };
    let rec =
        r#"{"cluster":"sandbox","workers":{"worker1":{"state":"decommissioned","since":"x"}}}"#;
    let (_a, with) = load(Some(rec));
    let topo = hadoop::validate(&with).unwrap();
    let conf = topo.settings.hadoop_conf_dir();
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        format!("{conf}/dfs.hosts.json"),
        hadoop::render::dfs_hosts(&topo),
    )
    .unwrap();
    let guard = |inv: &Inventory| {
        let topo = hadoop::validate(inv).unwrap();
        let obj = hadoop::context::template_object(inv, &topo, Path::new("/r"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(obj["host_lists"]["guard"].as_str().unwrap())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // The record agrees: nothing to say.
    assert_eq!(guard(&with), (0, String::new()));
    // The record lost: refused, the host and its state first.
    let (_b, without) = load(None);
    let (code, out) = guard(&without);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("worker1 (DECOMMISSIONED): out of service on this NameNode"),
        "{out}"
    );
}
