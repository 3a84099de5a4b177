//! The playbook: named stages, each a command template run on a set of hosts,
//! with guards, dependencies and a readiness probe.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Location, Spans};

/// A validated playbook.
#[derive(Debug, Clone)]
pub struct Playbook {
    /// File path, or `bundled:<name>` for one embedded in the binary.
    pub source: String,
    /// sha256 of the text, hex.
    pub digest: String,
    pub name: String,
    pub vars: BTreeMap<String, serde_json::Value>,
    pub stages: Vec<Stage>,
    /// `expendable_roles`: the roles whose hosts a run with `--max-failures`
    /// may count out and go on without. None (the key absent): any host may.
    pub expendable_roles: Option<Vec<String>>,
    /// `optional_roles`: roles the playbook serves that an inventory may
    /// leave out. A selector item naming one that no host carries selects
    /// no host instead of being refused as unknown, and a stage left with
    /// no host runs nowhere.
    pub optional_roles: Vec<String>,
    /// Where each field sits in the file, so the plan can point at the
    /// selector item or dependency it rejects. Empty for playbooks built in code.
    pub spans: Spans,
    /// The `!secret` / `!secret_env` values of `vars`.
    pub secrets: super::Secrets,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub description: Option<String>,
    pub hosts: HostSelector,
    /// Command template; None for a stage that only gates (probe only).
    pub run: Option<String>,
    /// Run on the first matching host only.
    pub once: bool,
    /// Skip on a host where this path exists (template).
    pub creates: Option<String>,
    /// Skip on a host where this command exits 0 (template).
    pub unless: Option<String>,
    /// Run only on the hosts where this renders `true` (template, rendered
    /// here, not on the host): the stage's hosts narrowed by what the
    /// controller knows, at no cost on the others.
    pub when: Option<String>,
    /// Stages that must have passed their gate first. When the key is absent,
    /// the stage depends on the one before it in the file.
    pub depends_on: Vec<String>,
    pub probe: Option<Probe>,
    pub timeout: Option<Duration>,
    pub retries: u32,
    /// Batch size: run on this many hosts at a time, probe-gated per batch.
    pub serial: Option<usize>,
    /// Files to copy to the host before `run`; only files whose content
    /// differs are written.
    pub upload: Vec<Upload>,
    /// `become` / `become_user`: the stage's commands (guards, `run`, the
    /// remote side of uploads, a command probe) run through sudo as that
    /// user. Unset keys fall back to the host's inventory settings.
    pub privilege: super::Become,
    pub location: Location,
}

/// A local file or directory tree copied to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Local path (template). A directory is copied recursively; a path that
    /// renders empty means "nothing to upload" (an optional tarball).
    pub src: String,
    /// Remote path (template). For a directory, the tree is placed under it;
    /// for a file ending in `/`, the file keeps its name inside that directory.
    pub dest: String,
}

/// Which hosts a stage (or probe) applies to: `all`, `role:NAME`, or host names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSelector {
    All,
    /// Union of items; each is a role or a host name.
    Items(Vec<SelectorItem>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorItem {
    /// `role:NAME`.
    Role(String),
    /// `host:NAME`.
    Host(String),
    /// A bare name: a role when the inventory has that role, else a host.
    /// Only the inventory can tell, so the plan resolves it.
    Name(String),
}

/// A readiness gate.
#[derive(Debug, Clone)]
pub struct Probe {
    pub check: ProbeCheck,
    /// The check's port as a template (`"{{ hadoop.ports[host.name].namenode.http }}"`),
    /// rendered per probed host by the engine: a port the inventory can
    /// move must not be written a second time in the playbook. The check
    /// holds port 0 until then.
    pub port_template: Option<String>,
    /// Hosts to probe; None: the stage's hosts.
    pub hosts: Option<HostSelector>,
    pub expect: Expectation,
    pub timeout: Duration,
    /// Address the probe connects to, as seen from the host (template);
    /// default `127.0.0.1`.
    pub address: String,
    /// Longest wait between polls (they start at ~100 ms and back off to
    /// this); default 2 s. Shorter means the gate notices readiness sooner.
    pub interval: Duration,
}

#[derive(Debug, Clone)]
pub enum ProbeCheck {
    Tcp {
        port: u16,
    },
    Http {
        port: u16,
        path: String,
        status: u16,
        json: Option<JsonCheck>,
        body: Option<regex::Regex>,
    },
    Command {
        run: String,
        exit: i32,
        stdout: Option<regex::Regex>,
    },
    Zk {
        port: u16,
        word: String,
        matches: Option<regex::Regex>,
    },
}

/// A JSON pointer into the response and what it must hold.
#[derive(Debug, Clone)]
pub struct JsonCheck {
    pub pointer: String,
    pub equals: Option<serde_json::Value>,
    pub matches: Option<regex::Regex>,
}

/// How per-host probe results add up to a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    All,
    Any,
    ExactlyOne,
    Count(usize),
}

impl Playbook {
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// Whether a run may count `host` out and go on without it: every one
    /// of its roles is expendable. A host that also carries any other role
    /// (a master) never is: masters keep their quorum rules, which the
    /// playbook's own gates enforce; neither is a host with no role at all
    /// when the playbook names its expendable roles.
    pub fn expendable(&self, host: &super::Host) -> bool {
        match &self.expendable_roles {
            None => true,
            Some(listed) => !host.roles.is_empty() && host.roles.iter().all(|r| listed.contains(r)),
        }
    }

    /// The playbook with its `expendable_roles` set (playbooks built in code).
    pub fn with_expendable_roles(mut self, roles: &[&str]) -> Playbook {
        self.expendable_roles = Some(roles.iter().map(|r| r.to_string()).collect());
        self
    }
}

impl Stage {
    /// Whether the stage does something on its hosts (a command or uploads),
    /// as opposed to only gating on a probe.
    pub fn has_work(&self) -> bool {
        self.run.is_some() || !self.upload.is_empty()
    }
}

pub(super) const MAX_RETRIES: i64 = 100;
/// What a probe that does not say otherwise waits, where it connects and how
/// often it polls at most; a probe built in code starts from the same.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
pub(super) const PROBE_ADDRESS: &str = "127.0.0.1";
pub(super) const PROBE_INTERVAL: Duration = Duration::from_secs(2);

pub(crate) fn is_stage_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use crate::model::{Inventory, Playbook};

    const INV: &str = "cluster: t\nhosts:\n  - { name: m1, address: 10.0.0.1, roles: [namenode, zookeeper] }\n  - { name: w1, address: 10.0.0.2, roles: [datanode, nodemanager] }\n  - { name: w2, address: 10.0.0.3, roles: [datanode, spark-history] }\n  - { name: bare, address: 10.0.0.4 }\n";

    fn expendable(pb: &str) -> Vec<bool> {
        let inv = Inventory::parse(INV, std::path::Path::new("inv.yaml")).unwrap();
        let pb = Playbook::parse(pb, "pb.yaml").unwrap();
        inv.hosts.iter().map(|h| pb.expendable(h)).collect()
    }

    const STAGES: &str = "stages:\n  - { name: a, hosts: all, run: 'true' }\n";

    #[test]
    fn a_host_is_expendable_only_when_every_one_of_its_roles_is_listed() {
        let listed = format!("expendable_roles: [datanode, nodemanager, mesos-agent]\n{STAGES}");
        // A master, a worker, a worker that also carries a role not listed,
        // and a host with no role at all.
        assert_eq!(expendable(&listed), vec![false, true, false, false]);
        let one = format!("expendable_roles: datanode\n{STAGES}");
        assert_eq!(expendable(&one), vec![false, false, false, false]);
        // No key: any host may be counted out, as in Ansible.
        assert_eq!(expendable(STAGES), vec![true, true, true, true]);
    }

    #[test]
    fn expendable_roles_must_be_bare_role_names() {
        let e = Playbook::parse(
            &format!("expendable_roles: [datanode, 'role:nodemanager']\n{STAGES}"),
            "pb.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("expendable_roles[1]") && e.contains("not a role name"),
            "{e}"
        );
        let e = Playbook::parse(
            &format!("expendable_roles: {{ a: 1 }}\n{STAGES}"),
            "pb.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("expendable_roles") && e.contains("expected a list of strings"),
            "{e}"
        );
    }
}
