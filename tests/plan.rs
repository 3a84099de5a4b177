//! Expanding playbooks over inventories: graph shape, waves, Graphviz.

use std::path::Path;

use herd::model::{Inventory, Playbook};
use herd::plan::{Node, Plan, build, to_dot, waves};
use petgraph::Direction;

const INVENTORY: &str = "hosts:
  - name: m[1:3]
    roles: [zookeeper, namenode]
  - name: w[1:5]
    roles: [datanode]
";

fn inventory() -> Inventory {
    Inventory::parse(INVENTORY, Path::new("inv.yaml")).unwrap()
}

fn plan_of(playbook: &str) -> (Inventory, Playbook, Plan) {
    let inv = inventory();
    let pb = Playbook::parse(playbook, "pb.yaml").unwrap();
    let plan = build(&inv, &pb).unwrap_or_else(|e| panic!("{e}"));
    (inv, pb, plan)
}

fn wave_names(plan: &Plan) -> Vec<Vec<String>> {
    waves(plan)
        .iter()
        .map(|w| {
            w.stages
                .iter()
                .map(|s| plan.stages[s.stage].name.clone())
                .collect()
        })
        .collect()
}

fn preds(plan: &Plan, n: petgraph::graph::NodeIndex) -> Vec<Node> {
    let mut v: Vec<Node> = plan
        .graph
        .neighbors_directed(n, Direction::Incoming)
        .map(|i| plan.graph[i])
        .collect();
    v.sort_by_key(|n| format!("{n:?}"));
    v
}

const DIAMOND: &str = "stages:
  - name: top
    hosts: all
    run: 'true'
  - name: left
    hosts: namenode
    run: 'true'
  - name: right
    depends_on: [top]
    hosts: datanode
    run: 'true'
  - name: bottom
    depends_on: [left, right]
    hosts: m1
    run: 'true'
";

#[test]
fn diamond_waves() {
    let (_, _, plan) = plan_of(DIAMOND);
    assert_eq!(
        wave_names(&plan),
        [vec!["top"], vec!["left", "right"], vec!["bottom"]]
    );
    let w = waves(&plan);
    assert_eq!(w[1].stages[0].hosts, [0, 1, 2]);
    assert_eq!(w[1].stages[1].hosts, [3, 4, 5, 6, 7]);
    assert_eq!(plan.stages[3].deps, [1, 2]);
    // bottom's task waits for the final gates of left and right.
    let t = plan
        .graph
        .node_indices()
        .find(|&i| plan.graph[i] == Node::Task { stage: 3, host: 0 })
        .unwrap();
    assert_eq!(
        preds(&plan, t),
        [
            Node::Gate { stage: 1, batch: 0 },
            Node::Gate { stage: 2, batch: 0 }
        ]
    );
    assert!(petgraph::algo::toposort(&plan.graph, None).is_ok());
}

#[test]
fn longest_path_decides_the_wave() {
    let (_, _, plan) = plan_of(
        "stages:
  - { name: a, hosts: all, run: 'true' }
  - { name: b, hosts: all, run: 'true' }
  - { name: c, hosts: all, run: 'true' }
  - { name: d, hosts: all, run: 'true', depends_on: [a, c] }
",
    );
    assert_eq!(
        wave_names(&plan),
        [vec!["a"], vec!["b"], vec!["c"], vec!["d"]]
    );
}

#[test]
fn once_keeps_the_first_host() {
    let (_, _, plan) =
        plan_of("stages:\n  - { name: format, hosts: namenode, once: true, run: 'true' }\n");
    assert_eq!(plan.stages[0].hosts, [0]);
    assert_eq!(plan.stages[0].batches, [vec![0]]);
    assert_eq!(plan.graph.node_count(), 2);
}

#[test]
fn serial_batches_are_chained_through_gates() {
    let (_, _, plan) = plan_of(
        "stages:
  - { name: prep, hosts: all, run: 'true' }
  - name: dn
    hosts: datanode
    serial: 2
    run: 'true'
    probe: { tcp: { port: 9866 } }
",
    );
    let dn = &plan.stages[1];
    assert_eq!(dn.batches, [vec![3, 4], vec![5, 6], vec![7]]);
    assert_eq!(dn.probe_hosts, [3, 4, 5, 6, 7]);
    assert_eq!(plan.gates[1].len(), 3);
    let g = |b| plan.gates[1][b];
    assert_eq!(
        preds(&plan, g(0)),
        [
            Node::Task { stage: 1, host: 3 },
            Node::Task { stage: 1, host: 4 }
        ]
    );
    assert_eq!(preds(&plan, g(2)), [Node::Task { stage: 1, host: 7 }]);
    let task = |h| {
        plan.graph
            .node_indices()
            .find(|&i| plan.graph[i] == Node::Task { stage: 1, host: h })
            .unwrap()
    };
    assert_eq!(preds(&plan, task(3)), [Node::Gate { stage: 0, batch: 0 }]);
    assert_eq!(preds(&plan, task(5)), [Node::Gate { stage: 1, batch: 0 }]);
    assert_eq!(preds(&plan, task(7)), [Node::Gate { stage: 1, batch: 1 }]);
    assert_eq!(plan.final_gate(1), g(2));
}

#[test]
fn default_depends_on_is_sequential() {
    let (_, pb, plan) = plan_of(
        "stages:
  - { name: a, hosts: all, run: 'true' }
  - { name: b, hosts: all, run: 'true' }
  - { name: c, hosts: all, run: 'true' }
",
    );
    assert_eq!(pb.stages[2].depends_on, ["b"]);
    let deps: Vec<Vec<usize>> = plan.stages.iter().map(|s| s.deps.clone()).collect();
    assert_eq!(deps, [vec![], vec![0], vec![1]]);
    assert_eq!(wave_names(&plan).len(), 3);
}

#[test]
fn empty_depends_on_runs_in_parallel() {
    let (_, _, plan) = plan_of(
        "stages:
  - { name: a, hosts: all, run: 'true' }
  - { name: b, hosts: all, run: 'true', depends_on: [] }
  - { name: c, hosts: all, run: 'true', depends_on: [] }
",
    );
    assert_eq!(wave_names(&plan), [vec!["a", "b", "c"]]);
    // Every task is free to start at once.
    let free = plan
        .graph
        .node_indices()
        .filter(|&n| matches!(plan.graph[n], Node::Task { .. }));
    assert!(free.into_iter().all(|n| preds(&plan, n).is_empty()));
}

#[test]
fn probe_only_stage_is_a_gate() {
    let (_, _, plan) = plan_of(
        "stages:
  - { name: start, hosts: zookeeper, run: 'true' }
  - name: quorum
    hosts: zookeeper
    probe: { zk: { port: 2181 }, hosts: m1 }
",
    );
    let q = &plan.stages[1];
    assert!(q.hosts.is_empty());
    assert_eq!(q.probe_hosts, [0]);
    assert_eq!(plan.gates[1].len(), 1);
    assert_eq!(
        preds(&plan, plan.final_gate(1)),
        [Node::Gate { stage: 0, batch: 0 }]
    );
    assert_eq!(waves(&plan)[1].stages[0].hosts, [0]);
}

#[test]
fn cycle_is_rejected_with_its_path() {
    let inv = inventory();
    let mut pb = Playbook::parse(
        "stages:
  - { name: a, hosts: all, run: 'true' }
  - { name: b, hosts: all, run: 'true' }
",
        "pb.yaml",
    )
    .unwrap();
    // Built in code: the plan must catch what parsing would have.
    pb.stages[0].depends_on = vec!["b".into()];
    let e = build(&inv, &pb).unwrap_err();
    assert!(
        e.to_string().contains("dependency cycle: a -> b -> a"),
        "{e}"
    );

    let e = Playbook::parse(
        "stages:\n  - { name: a, hosts: all, run: 'true', depends_on: [a] }\n",
        "pb.yaml",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("pb.yaml:2:54: stages[0].depends_on[0]: dependency cycle: a -> a"),
        "{e}"
    );
}

#[test]
fn role_and_host_selectors() {
    let (_, _, plan) = plan_of(
        "stages:
  - { name: a, hosts: [w2, role:namenode, host:m1], run: 'true' }
",
    );
    assert_eq!(
        plan.stages[0].hosts,
        [0, 1, 2, 4],
        "inventory order, no duplicates"
    );
    let inv = inventory();
    let pb = Playbook::parse(
        "stages:\n  - { name: a, hosts: 'host:zookeeper', run: 'true' }\n",
        "pb.yaml",
    )
    .unwrap();
    let e = build(&inv, &pb).unwrap_err();
    assert!(
        e.to_string()
            .contains("pb.yaml:2:23: stages[0].hosts: unknown host 'zookeeper'"),
        "{e}"
    );
}

#[test]
fn dot_output() {
    let (inv, pb, plan) = plan_of(DIAMOND);
    let dot = to_dot(&plan, &inv, &pb);
    assert!(dot.starts_with("digraph herd {"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
    for edge in [
        "\"top\" -> \"left\";",
        "\"top\" -> \"right\";",
        "\"left\" -> \"bottom\";",
        "\"right\" -> \"bottom\";",
    ] {
        assert!(dot.contains(edge), "{edge} missing in {dot}");
    }
    assert!(
        dot.contains("\"right\" [label=\"right\\n5 hosts\"]"),
        "{dot}"
    );
    assert!(
        dot.contains("\"bottom\" [label=\"bottom\\n1 host\"]"),
        "{dot}"
    );
}

#[test]
fn downstream_stages() {
    let (_, _, plan) = plan_of(DIAMOND);
    assert_eq!(plan.downstream(0), [1, 2, 3]);
    assert_eq!(plan.downstream(2), [3]);
    assert!(plan.downstream(3).is_empty());
}
