//! The plan as ordered waves of stages: every stage of a wave can start once
//! the waves before it passed.
use super::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    pub stages: Vec<WaveStage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveStage {
    pub stage: usize,
    /// The hosts the stage runs on; for a probe-only stage, the hosts it probes.
    pub hosts: Vec<usize>,
}

/// Stages layered by longest dependency chain: a stage's wave is one past the
/// latest wave among its dependencies, so each wave only waits for earlier ones.
pub fn waves(plan: &Plan) -> Vec<Wave> {
    let n = plan.stages.len();
    let mut depth: Vec<Option<usize>> = vec![None; n];
    // The plan is acyclic, so repeated passes settle within n rounds.
    for _ in 0..=n {
        let mut changed = false;
        for (i, s) in plan.stages.iter().enumerate() {
            if depth[i].is_some() {
                continue;
            }
            let ds: Option<Vec<usize>> = s.deps.iter().map(|&d| depth[d]).collect();
            if let Some(ds) = ds {
                depth[i] = Some(ds.into_iter().max().map_or(0, |m| m + 1));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let layers = depth.iter().flatten().max().map_or(0, |m| m + 1);
    let mut out = vec![Wave { stages: Vec::new() }; layers];
    for (i, s) in plan.stages.iter().enumerate() {
        let d = depth[i].expect("acyclic plan");
        let hosts = if s.hosts.is_empty() {
            s.probe_hosts.clone()
        } else {
            s.hosts.clone()
        };
        out[d].stages.push(WaveStage { stage: i, hosts });
    }
    out
}
