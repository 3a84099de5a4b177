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
    pub hosts: Vec<usize>,
}

pub fn waves(_plan: &Plan) -> Vec<Wave> {
    todo!()
}
