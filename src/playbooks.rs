//! Playbooks embedded in the binary, so `herd up` needs no files beside it.

/// The playbook `herd up` and `herd plan` use when none is given.
pub const DEFAULT: &str = "hadoop-ha";

/// Text of a bundled playbook by name.
pub fn bundled(name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Names of every bundled playbook.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

const BUNDLED: &[(&str, &str)] = &[("hadoop-ha", include_str!("../playbooks/hadoop-ha.yaml"))];
