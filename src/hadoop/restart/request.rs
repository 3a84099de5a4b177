//! What a restart is asked to do, what it refuses, and what it hands back.

use crate::hadoop::Topology;
use crate::model::{Inventory, Playbook};

/// Every service `restart` knows, in the order `all` restarts them: the
/// bring-up order, which is also safe for restarts: the coordination layer
/// first (everything else reconnects to it), masters before the workers that
/// register with them.
pub const ORDER: &[&str] = crate::hadoop::ROLES;

/// The pseudo-service of `herd restart workers`: every worker daemon of a
/// host bounced in one step, [`WORKER_ROLES`] in this order.
pub const WORKERS: &str = "workers";
pub const WORKER_ROLES: &[&str] = &["datanode", "nodemanager", "mesos-agent"];

/// How worker hosts are grouped into the batches restarted at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// At most this many hosts at a time, in inventory order.
    Count(usize),
    /// One rack's hosts at a time, racks in sorted order.
    Rack,
}

impl std::str::FromStr for Batch {
    type Err = String;

    fn from_str(s: &str) -> Result<Batch, String> {
        if s == "rack" {
            return Ok(Batch::Rack);
        }
        match s.parse::<usize>() {
            Ok(n) if n > 0 => Ok(Batch::Count(n)),
            _ => Err(format!(
                "'{s}' is neither a number of hosts (1 or more) nor `rack`"
            )),
        }
    }
}

impl std::fmt::Display for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Batch::Count(n) => write!(f, "{n}"),
            Batch::Rack => f.write_str("rack"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// A role of [`ORDER`], [`WORKERS`] or `all`.
    pub service: String,
    /// Only these hosts (None: every host of the service).
    pub hosts: Option<Vec<String>>,
    /// Workers (DataNodes, NodeManagers, Mesos agents) restarted at once.
    pub batch: Batch,
    /// Only the services each host's stale file lists.
    pub stale: bool,
    /// When the restart began (seconds since the epoch, controller clock).
    /// A daemon whose process is younger was bounced by this restart
    /// already, so a replay of the restart leaves it alone.
    pub since: Option<u64>,
    /// Workers that cannot be read are planned like the others and left to
    /// the run's `--max-failures`: the engine counts them out when it
    /// cannot reach them, and a replay restarts them once they are back.
    /// Without it, an unreachable host refuses the restart.
    pub tolerate_unreachable: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            service: "all".into(),
            hosts: None,
            since: None,
            batch: Batch::Count(1),
            stale: false,
            tolerate_unreachable: false,
        }
    }
}

/// Why no playbook was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The request itself is wrong (unknown service or host): exit 2.
    BadInput(String),
    /// Restarting now would leave some service without a serving instance: exit 1.
    Unsafe(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::BadInput(m) | Refusal::Unsafe(m) => f.write_str(m),
        }
    }
}

/// One step, for `--dry-run` and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub stage: String,
    pub description: String,
    /// Hosts whose daemon the step stops and starts (empty for gates).
    pub restarts: Vec<String>,
}

/// The generated restart.
#[derive(Debug, Clone)]
pub struct Restart {
    pub name: String,
    pub steps: Vec<Step>,
    /// The playbook to run, one stage per step; None when nothing matched.
    pub playbook: Option<Playbook>,
    /// The playbook as YAML: the copy the journal keeps and `herd replay`
    /// runs, and what `--dry-run -v` prints (empty when nothing matched).
    pub text: String,
    /// (service, host) pairs restarted, in order.
    pub targets: Vec<(String, String)>,
}

impl Restart {
    pub fn is_empty(&self) -> bool {
        self.playbook.is_none()
    }

    /// The steps as printed by `--dry-run`.
    pub fn describe(&self) -> String {
        describe(&self.steps)
    }
}

/// Steps as `--dry-run` prints them, numbered.
pub fn describe(steps: &[Step]) -> String {
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!(
            "{:>3}. {:<40} {}\n",
            i + 1,
            s.stage,
            s.description
        ));
    }
    out
}

/// The refusals the request earns before the cluster is looked at.
pub fn check(inv: &Inventory, topo: &Topology, opts: &Options) -> Result<(), Refusal> {
    if opts.service != "all" && opts.service != WORKERS && !ORDER.contains(&opts.service.as_str()) {
        return Err(Refusal::BadInput(format!(
            "unknown service '{}' (one of: all, {WORKERS}, {})",
            opts.service,
            ORDER.join(", ")
        )));
    }
    if let Some(hosts) = &opts.hosts {
        for h in hosts {
            if inv.host(h).is_none() {
                return Err(Refusal::BadInput(format!(
                    "--hosts: no host '{h}' in the inventory"
                )));
            }
        }
    }
    if opts.batch == Batch::Count(0) {
        return Err(Refusal::BadInput("--batch must be at least 1".into()));
    }
    // Rack batches need a rack for every worker host restarted; which hosts
    // are stale only the cluster says, so the planner judges those.
    if opts.batch == Batch::Rack && !opts.stale {
        for role in WORKER_ROLES {
            let named = opts.service == *role || opts.service == WORKERS || opts.service == "all";
            if !named {
                continue;
            }
            let hosts: Vec<String> = topo
                .hosts(role)
                .iter()
                .filter(|h| opts.hosts.as_ref().is_none_or(|only| only.contains(h)))
                .cloned()
                .collect();
            let what = if opts.service == WORKERS {
                "worker"
            } else {
                role
            };
            super::batches::batches(what, &hosts, &topo.racks, opts.batch)?;
        }
    }
    Ok(())
}
