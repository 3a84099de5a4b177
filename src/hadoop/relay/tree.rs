//! Who feeds whom in the relay: the controller sends a tarball to one host
//! (the seed), then at each level every host that holds it feeds a few
//! hosts that do not, so the copies double (or better) per level while the
//! controller's uplink carries one copy.
//!
//! Racks: a rack's first host is fed from another rack (one cross-rack copy
//! per rack, where top-of-rack uplinks are the scarce links), and the rest
//! of a rack only from inside it.

use std::collections::BTreeMap;

/// The most levels a tree may have; the bring-up playbook has one stage for
/// each (`dist-relay-1` ..), so it is the fan-out that grows with the fleet.
pub const LEVELS: usize = 8;

/// A host's place in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// 0 for the seed, which the controller sends the tarball to.
    pub level: usize,
    /// Its parent first, then the parent's parent, up to the seed: a fetch
    /// whose parent is gone (counted out, its server dead) goes up a level.
    pub ancestors: Vec<usize>,
}

/// The tree over `racks` (one per host, in the order the hosts are given;
/// None is one rack of its own), each host's place by its index. The fan-out
/// is the smallest that fits the fleet in [`LEVELS`] levels.
pub fn build(racks: &[Option<&str>]) -> Vec<Place> {
    (1..)
        .find_map(|fanout| within_levels(racks, fanout))
        .expect("a large enough fan-out always fits")
}

fn within_levels(racks: &[Option<&str>], fanout: usize) -> Option<Vec<Place>> {
    let n = racks.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let mut level: Vec<Option<usize>> = vec![None; n];
    if n == 0 {
        return Some(Vec::new());
    }
    level[0] = Some(0);
    let mut first_of_rack: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for (i, r) in racks.iter().enumerate() {
        first_of_rack.entry(*r).or_insert(i);
    }
    let head = |i: usize| first_of_rack[&racks[i]] == i;
    // Heads first: a rack's own hosts wait for their head.
    let mut pending: Vec<usize> = (1..n).filter(|&i| head(i)).collect();
    pending.extend((1..n).filter(|&i| !head(i)));
    for l in 1..=LEVELS {
        if pending.is_empty() {
            break;
        }
        let holders: Vec<usize> = (0..n)
            .filter(|&i| level[i].is_some_and(|x| x < l))
            .collect();
        let mut load: BTreeMap<usize, usize> = holders.iter().map(|&h| (h, 0)).collect();
        let mut waiting = Vec::new();
        for p in pending {
            // A head takes any holder, the least loaded first so heads
            // spread; another host only a holder of its own rack.
            let pick = holders
                .iter()
                .copied()
                .filter(|&h| load[&h] < fanout && (head(p) || racks[h] == racks[p]))
                .min_by_key(|&h| (racks[h] != racks[p], load[&h]));
            match pick {
                Some(h) => {
                    *load.get_mut(&h).expect("a holder") += 1;
                    parent[p] = Some(h);
                    level[p] = Some(l);
                }
                None => waiting.push(p),
            }
        }
        pending = waiting;
    }
    if !pending.is_empty() {
        return None;
    }
    Some(
        (0..n)
            .map(|i| {
                let mut ancestors = Vec::new();
                let mut at = parent[i];
                while let Some(a) = at {
                    ancestors.push(a);
                    at = parent[a];
                }
                Place {
                    level: level[i].expect("every host placed"),
                    ancestors,
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(racks: &[Option<&str>]) -> Vec<Place> {
        let t = build(racks);
        assert_eq!(t.len(), racks.len());
        for (i, p) in t.iter().enumerate() {
            assert!(p.level <= LEVELS);
            // A parent holds the copy a level before: the level stages
            // run in order, so it finished before its child starts.
            for w in p.ancestors.windows(2) {
                assert!(t[w[1]].level < t[w[0]].level);
            }
            if let Some(&parent) = p.ancestors.first() {
                assert!(t[parent].level < p.level, "host {i}");
                assert_eq!(*p.ancestors.last().unwrap(), 0, "host {i} ends at the seed");
            } else {
                assert_eq!(i, 0, "only the seed has no parent");
            }
        }
        t
    }

    #[test]
    fn six_hosts_double_per_level_from_the_seed() {
        let t = check(&[None; 6]);
        let levels: Vec<usize> = t.iter().map(|p| p.level).collect();
        assert_eq!(levels, vec![0, 1, 2, 2, 3, 3]);
        assert_eq!(t[5].ancestors, vec![1, 0]);
    }

    #[test]
    fn a_thousand_hosts_fit_the_levels_with_a_small_fan_out() {
        let t = check(&[None; 1000]);
        assert!(t.iter().all(|p| p.level <= LEVELS));
        let mut children = vec![0usize; 1000];
        for p in &t {
            if let Some(&a) = p.ancestors.first() {
                children[a] += 1;
            }
        }
        // 1 + fan-out per level: 2 is too few for 1000 hosts in 8 levels,
        // 3 is enough; no host feeds more than that per level.
        let per_level_max = children.iter().max().copied().unwrap();
        assert!(per_level_max <= 2 * LEVELS, "{per_level_max}");
        assert_eq!(t.iter().map(|p| p.level).max(), Some(7));
    }

    #[test]
    fn each_rack_takes_one_copy_across_racks_and_feeds_itself() {
        let racks: Vec<Option<&str>> = (0..40)
            .map(|i| Some(["r1", "r2", "r3", "r4"][i / 10]))
            .collect();
        let t = check(&racks);
        let crossing = (1..40)
            .filter(|&i| racks[t[i].ancestors[0]] != racks[i])
            .count();
        assert_eq!(crossing, 3, "one copy into each rack but the seed's");
        for r in [10, 20, 30] {
            assert_ne!(racks[t[r].ancestors[0]], racks[r], "rack head {r}");
        }
    }
}
