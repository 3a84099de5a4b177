//! ZooKeeper: a serving majority with exactly one leader.

use super::words::{answer_word, down, unreachable};
use crate::hadoop::observe::readings::{Readings, ZkReading};

/// The leader, `3 (master3)`, when there is exactly one; what is wrong with
/// the ensemble added to `problems`.
pub(super) fn leader(r: &Readings, problems: &mut Vec<String>) -> Option<String> {
    let zk_total = r.zookeepers.len();
    let serving = r
        .zookeepers
        .iter()
        .filter(|z| matches!(z.mode.as_deref(), Ok("leader" | "follower" | "standalone")))
        .count();
    let leaders: Vec<&ZkReading> = r
        .zookeepers
        .iter()
        .filter(|z| matches!(z.mode.as_deref(), Ok("leader" | "standalone")))
        .collect();
    let zk_word = |z: &ZkReading| -> String {
        if unreachable(r, &z.host).is_some() {
            format!("{} ({}) unreachable", z.myid, z.host)
        } else if down(r, &z.host, "zookeeper") {
            format!("{} ({}) down", z.myid, z.host)
        } else {
            format!("{} ({}) {}", z.myid, z.host, answer_word(&z.mode))
        }
    };
    if zk_total > 0 {
        if serving <= zk_total / 2 {
            problems.push(format!(
                "ZooKeeper quorum lost: {serving} of {zk_total} serving, a majority is {}: {}",
                zk_total / 2 + 1,
                r.zookeepers
                    .iter()
                    .map(zk_word)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else if leaders.is_empty() {
            problems.push(format!(
                "no ZooKeeper leader: {}",
                r.zookeepers
                    .iter()
                    .map(zk_word)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if leaders.len() > 1 {
            problems.push(format!(
                "{} ZooKeeper leaders: {}",
                leaders.len(),
                leaders
                    .iter()
                    .map(|z| format!("{} ({})", z.myid, z.host))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    (leaders.len() == 1).then(|| format!("{} ({})", leaders[0].myid, leaders[0].host))
}
