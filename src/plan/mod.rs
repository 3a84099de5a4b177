//! From inventory x playbook to a DAG of tasks (stage x host) and gates.
//! Pure: no I/O, so it is easy to test and to print.

mod build;
mod dot;
mod waves;

pub use build::build;
pub use dot::to_dot;
pub use waves::{Wave, WaveStage, waves};

use petgraph::graph::{DiGraph, NodeIndex};

/// A node of the execution graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Run stage `stage` on inventory host `host`.
    Task { stage: usize, host: usize },
    /// The readiness gate after batch `batch` of `stage` (serial stages have
    /// one per batch; others a single one, batch 0). Dependents of the stage
    /// wait for its last gate.
    Gate { stage: usize, batch: usize },
}

/// One stage as expanded over the inventory.
#[derive(Debug, Clone)]
pub struct PlannedStage {
    /// Index into `Playbook::stages`.
    pub stage: usize,
    pub name: String,
    /// Inventory host indices the stage runs on (after `once`), in order.
    pub hosts: Vec<usize>,
    /// `hosts` split by `serial`; one batch when not serial.
    pub batches: Vec<Vec<usize>>,
    /// Hosts the probe looks at (for a serial stage: per batch, the batch's
    /// hosts intersected with these).
    pub probe_hosts: Vec<usize>,
    /// Indices (into `Plan::stages`) of the stages it depends on.
    pub deps: Vec<usize>,
}

/// The execution graph. Edges point from prerequisite to dependent.
#[derive(Debug, Clone)]
pub struct Plan {
    pub stages: Vec<PlannedStage>,
    pub graph: DiGraph<Node, ()>,
    /// Gate node of each (stage, batch).
    pub gates: Vec<Vec<NodeIndex>>,
}

impl Plan {
    /// The final gate of a stage, which its dependents wait for.
    pub fn final_gate(&self, stage: usize) -> NodeIndex {
        *self.gates[stage].last().expect("every stage has a gate")
    }

    /// Stages downstream of `stage` (excluding it), in plan order.
    pub fn downstream(&self, stage: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.stages.len()];
        let mut stack = vec![stage];
        while let Some(s) = stack.pop() {
            for (i, st) in self.stages.iter().enumerate() {
                if !seen[i] && st.deps.contains(&s) {
                    seen[i] = true;
                    stack.push(i);
                }
            }
        }
        for (i, s) in seen.iter().enumerate() {
            if *s {
                out.push(i);
            }
        }
        out
    }
}
