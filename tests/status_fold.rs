//! `herd status` of a thousand hosts: the table folds the workers into
//! counts and lists only the rows unlike most of their service (at most
//! twenty, the rest counted), the problems of alike workers are one line
//! each, and `--json` keeps every host, row and problem.

mod support;

use std::path::Path;
use std::time::Instant;

use herd::hadoop::lifecycle::WorkerState;
use herd::hadoop::observe::{Layout, NameNodeReading, Proc, Readings};
use herd::hadoop::{self, observe};
use herd::model::Inventory;

/// 3 masters and `workers` DataNode + NodeManager hosts.
fn layout(workers: usize) -> Layout {
    let text = format!(
        "cluster: scale\n\
         defaults: {{ user: root }}\n\
         hosts:\n\
         \x20 - {{ name: master1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }}\n\
         \x20 - {{ name: master2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }}\n\
         \x20 - {{ name: master3, roles: [zookeeper, journalnode, historyserver] }}\n\
         \x20 - {{ name: \"worker[0001:{workers:04}]\", roles: [datanode, nodemanager] }}\n"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/scale.yaml");
    let inv = Inventory::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    Layout::new(&inv, &topo)
}

fn worker(i: usize) -> String {
    format!("worker{i:04}")
}

fn set(r: &mut Readings, host: &str, role: &str, p: Proc) {
    r.hosts
        .get_mut(host)
        .unwrap()
        .as_mut()
        .unwrap()
        .procs
        .insert(role.into(), p);
}

/// 997 workers running, but: 30 unreachable alike, one DataNode dead,
/// three NodeManagers without a pid file, one DataNode whose pid file
/// names another pid.
fn thousand() -> (Layout, Readings) {
    let l = layout(997);
    let mut r = support::readings::all_running(&l);
    for i in 301..=330 {
        r.hosts
            .insert(worker(i), Err("cannot connect: connection refused".into()));
    }
    set(
        &mut r,
        &worker(5),
        "datanode",
        Proc::Dead { pid: Some(4242) },
    );
    for i in 100..=102 {
        set(&mut r, &worker(i), "nodemanager", Proc::NoPidFile);
    }
    // No active NameNode: a problem of the cluster, listed as it is.
    r.namenodes = ["master1", "master2"]
        .iter()
        .enumerate()
        .map(|(i, h)| NameNodeReading {
            id: format!("nn{}", i + 1),
            host: h.to_string(),
            state: Ok("standby".into()),
            live_datanodes: None,
            fs_state: None,
            hdfs: None,
            datanodes: None,
            rolling_upgrade: None,
        })
        .collect();
    set(
        &mut r,
        &worker(200),
        "datanode",
        Proc::Misnamed {
            pid: 77,
            named: Some(76),
        },
    );
    (l, r)
}

#[test]
fn a_thousand_hosts_fold_into_counts_and_their_exceptions() {
    let (l, r) = thousand();
    let start = Instant::now();
    let st = observe::assess(&l, &r);
    let text = observe::format(&st);
    eprintln!(
        "assess + format of 1000 hosts: {:.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() < 90, "{} lines:\n{text}", lines.len());
    // The masters in full, as on a small cluster.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("master2") && l.contains("zookeeper")),
        "{text}"
    );
    // The counts: a line per service and state alike, largest first.
    let count = |n: usize, service: &str, state: &str| {
        lines.iter().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.len() >= 3 && w[0] == n.to_string() && w[1] == service && w[2] == state
        })
    };
    assert!(count(966, "datanode", "running"), "{text}");
    assert!(count(30, "datanode", "UNREACHABLE"), "{text}");
    assert!(count(1, "datanode", "DOWN"), "{text}");
    assert!(count(964, "nodemanager", "running"), "{text}");
    assert!(count(3, "nodemanager", "DOWN"), "{text}");
    // The exceptions: 1 + 30 + 1 DataNodes, 3 + 30 NodeManagers; twenty
    // shown, in host order.
    assert!(
        text.contains("unlike most of their service (65):"),
        "{text}"
    );
    assert!(
        text.contains("... and 45 more (herd status --json lists every host)"),
        "{text}"
    );
    let first = lines
        .iter()
        .position(|l| l.starts_with("unlike most"))
        .unwrap();
    assert!(lines[first + 1].starts_with("HOST"), "{text}");
    assert!(lines[first + 2].starts_with("worker0005"), "{text}");
    assert!(
        lines[first + 2].contains("pid 4242 in its pid file"),
        "{text}"
    );
    assert!(text.contains("pid file names 76"), "{text}");
    assert!(!text.contains("worker0006"), "{text}");
    // Problems: the alike ones one line each, the cluster's own as they were.
    assert!(
        text.contains(
            "  - 30 hosts unreachable (worker0301, worker0302, worker0303 and 27 more): cannot connect: connection refused\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  - nodemanager on 3 hosts (worker0100, worker0101, worker0102): not running (no pid file)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  - datanode on worker0005: pid 4242 in its pid file is not running\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  - 30 hosts unreachable (worker0301, worker0302, worker0303 and 27 more): cannot connect: connection refused\n  - no active NameNode: nn1 (master1) standby, nn2 (master2) standby\n"
        ),
        "{text}"
    );
    // The count is of every problem, not of the lines.
    assert!(
        text.contains(&format!(
            "DEGRADED: {} problem(s)",
            st.cluster.problems.len()
        )),
        "{text}"
    );
}

#[test]
fn json_of_a_thousand_hosts_is_complete() {
    let (l, r) = thousand();
    let st = observe::assess(&l, &r);
    let v = serde_json::to_value(&st).unwrap();
    assert_eq!(v["hosts"].as_array().unwrap().len(), 1000);
    assert_eq!(v["services"].as_array().unwrap().len(), 5 + 5 + 3 + 997 * 2);
    let problems = v["cluster"]["problems"].as_array().unwrap();
    for i in 301..=330 {
        let want = format!(
            "{} unreachable: cannot connect: connection refused",
            worker(i)
        );
        assert!(problems.iter().any(|p| p == &want[..]), "{want}");
    }
    for i in 100..=102 {
        let want = format!("nodemanager on {}: not running (no pid file)", worker(i));
        assert!(problems.iter().any(|p| p == &want[..]), "{want}");
    }
    // Nothing of the table's folding leaks into the document.
    assert!(v["cluster"].get("host_problems").is_none());
}

#[test]
fn twelve_workers_are_listed_thirteen_are_counted() {
    let l = layout(12);
    let text = observe::format(&observe::assess(&l, &support::readings::all_running(&l)));
    assert!(text.contains("\nworker0012  datanode"), "{text}");
    assert!(!text.contains("HOSTS"), "{text}");
    let l = layout(13);
    let text = observe::format(&observe::assess(&l, &support::readings::all_running(&l)));
    assert!(!text.contains("worker0013"), "{text}");
    assert!(text.contains("HOSTS  SERVICE"), "{text}");
    // All alike: no exceptions to list.
    assert!(!text.contains("unlike most"), "{text}");
}

#[test]
fn stale_configs_and_workers_out_of_service_fold_at_scale() {
    let mut l = layout(40);
    for i in 1..=15 {
        l.out_of_service
            .insert(worker(i), WorkerState::Decommissioned);
    }
    l.out_of_service
        .insert(worker(16), WorkerState::Maintenance { until_ms: None });
    let mut r = support::readings::all_running(&l);
    for i in 1..=40 {
        let hr = r.hosts.get_mut(&worker(i)).unwrap().as_mut().unwrap();
        hr.stale = if i <= 38 {
            vec!["datanode".into(), "nodemanager".into()]
        } else {
            vec!["datanode".into()]
        };
    }
    let text = observe::format(&observe::assess(&l, &r));
    assert!(
        text.contains(
            "config:                   stale on 38 hosts (worker0001, worker0002, worker0003 and 35 more): datanode, nodemanager; 2 hosts (worker0039, worker0040): datanode (restart to apply)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "workers out of service:   decommissioned on 15 hosts (worker0001, worker0002, worker0003 and 12 more), maintenance on 1 host (worker0016)\n"
        ),
        "{text}"
    );
    // The stale ones are a group of their own in the counts.
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..]
                == ["38", "nodemanager", "running", "config", "stale"]),
        "{text}"
    );
}
