//! Graphviz rendering of the stage graph.
use std::fmt::Write;

use super::Plan;
use crate::model::{Inventory, Playbook, ProbeCheck};

/// One box per stage (name, host count, guards, probe), one edge per dependency,
/// drawn from prerequisite to dependent.
pub fn to_dot(plan: &Plan, inventory: &Inventory, playbook: &Playbook) -> String {
    let _ = inventory;
    let mut out = String::from(
        "digraph herd {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for ps in &plan.stages {
        let stage = &playbook.stages[ps.stage];
        let mut label = vec![ps.name.clone()];
        if stage.has_work() {
            let n = ps.hosts.len();
            let mut line = format!("{n} host{}", if n == 1 { "" } else { "s" });
            if ps.batches.len() > 1 {
                let _ = write!(line, " in {} batches", ps.batches.len());
            }
            label.push(line);
        }
        if let Some(c) = &stage.creates {
            label.push(format!("creates {c}"));
        }
        if let Some(u) = &stage.unless {
            label.push(format!("unless {u}"));
        }
        if let Some(w) = &stage.when {
            label.push(format!("when {w}"));
        }
        if let Some(p) = &stage.probe {
            let what = match &p.check {
                ProbeCheck::Tcp { port } => format!("tcp {port}"),
                ProbeCheck::Http { port, path, .. } => format!("http {port}{path}"),
                ProbeCheck::Command { .. } => "command".to_string(),
                ProbeCheck::Zk { port, word, .. } => format!("zk {word} {port}"),
            };
            label.push(format!(
                "probe {what} on {} host{}",
                ps.probe_hosts.len(),
                if ps.probe_hosts.len() == 1 { "" } else { "s" }
            ));
        }
        let label: Vec<String> = label.iter().map(|l| escape(l)).collect();
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\"];",
            escape(&ps.name),
            label.join("\\n")
        );
    }
    for ps in &plan.stages {
        for &d in &ps.deps {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\";",
                escape(&plan.stages[d].name),
                escape(&ps.name)
            );
        }
    }
    out.push_str("}\n");
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
