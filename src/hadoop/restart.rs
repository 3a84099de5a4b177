//! The rolling restart, as a playbook generated from the cluster's state:
//! one stage per step (stop and start one daemon or one batch, then that
//! daemon's own readiness probe and the cluster-level invariant), so the
//! journal, progress, `herd replay` and `herd runs` treat it like any run.
//!
//! Pure: the topology, the layout and a status snapshot in, the playbook
//! text (or the reason to refuse) out. Refusals are decided here, before
//! anything runs, from what the snapshot says would be left serving.
//!
//! The generated commands carry every path resolved, so the playbook needs
//! no template context beyond `host` (a replay runs it as it was).

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use super::Topology;
use super::observe::{ExpectedService, Layout, Proc, Readings};
use super::services::{self, Readiness};
use crate::model::Inventory;

/// Every service `restart` knows, in the order `all` restarts them: the
/// bring-up order, which is also safe for restarts: the coordination layer
/// first (everything else reconnects to it), masters before the workers that
/// register with them.
pub const ORDER: &[&str] = super::ROLES;

/// NameNode restarts replay edits and wait for block reports: generous.
const NN_TIMEOUT: &str = "300s";
const TIMEOUT: &str = "180s";
const INTERVAL: &str = "300ms";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// A role of [`ORDER`], or `all`.
    pub service: String,
    /// Only these hosts (None: every host of the service).
    pub hosts: Option<Vec<String>>,
    /// Workers (DataNodes, NodeManagers, Mesos agents) restarted at once.
    pub batch: usize,
    /// Only the services each host's stale file lists.
    pub stale: bool,
    /// When the restart began (seconds since the epoch, controller clock).
    /// A daemon whose process is younger was bounced by this restart
    /// already, so a replay of the restart leaves it alone.
    pub since: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            service: "all".into(),
            hosts: None,
            since: None,
            batch: 1,
            stale: false,
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
#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    pub name: String,
    pub steps: Vec<Step>,
    /// The playbook YAML.
    pub text: String,
    /// (service, host) pairs restarted, in order.
    pub targets: Vec<(String, String)>,
}

impl Restart {
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The steps as printed by `--dry-run`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.steps.iter().enumerate() {
            out.push_str(&format!(
                "{:>3}. {:<40} {}\n",
                i + 1,
                s.stage,
                s.description
            ));
        }
        out
    }
}

/// Generate the restart of `opts` for the cluster as `readings` saw it.
pub fn generate(
    inv: &Inventory,
    topo: &Topology,
    layout: &Layout,
    readings: &Readings,
    opts: &Options,
) -> Result<Restart, Refusal> {
    if opts.service != "all" && !ORDER.contains(&opts.service.as_str()) {
        return Err(Refusal::BadInput(format!(
            "unknown service '{}' (one of: all, {})",
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
    if opts.batch == 0 {
        return Err(Refusal::BadInput("--batch must be at least 1".into()));
    }
    let targets = select(topo, readings, opts);
    let mut g = Gen {
        since: opts.since,
        inv,
        topo,
        layout,
        readings,
        stages: Vec::new(),
        steps: Vec::new(),
        state: Predicted::from(readings),
    };
    for role in ORDER {
        let hosts: Vec<String> = targets
            .iter()
            .filter(|(r, _)| r == role)
            .map(|(_, h)| h.clone())
            .collect();
        if hosts.is_empty() {
            continue;
        }
        g.reachable(role, &hosts)?;
        match *role {
            "namenode" => g.namenode(&hosts)?,
            "zkfc" => g.zkfc(&hosts)?,
            "journalnode" => g.journalnode(&hosts)?,
            "zookeeper" => g.zookeeper(&hosts)?,
            "resourcemanager" => g.resourcemanager(&hosts)?,
            "datanode" | "nodemanager" | "mesos-agent" => g.workers(role, &hosts, opts.batch)?,
            "mesos-master" => g.mesos_master(&hosts)?,
            _ => g.singles(role, &hosts),
        }
    }
    // Restarted daemons read the current configuration: their stale marks go.
    let mut cleared: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (role, host) in &targets {
        if let Some(Ok(hr)) = readings.hosts.get(host)
            && hr.stale.iter().any(|s| s == role)
        {
            cleared.entry(host).or_default().push(role);
        }
    }
    let f = q(&topo.settings.stale_file());
    for (host, roles) in cleared {
        let mut cmd = format!("[ -f {f} ] || exit 0; cp -- {f} {f}.tmp");
        for s in &roles {
            cmd.push_str(&format!(
                " && {{ grep -vxF -- {} {f}.tmp > {f}.tmp2 || true; }} && mv -f -- {f}.tmp2 {f}.tmp",
                q(s)
            ));
        }
        cmd.push_str(&format!(" && mv -f -- {f}.tmp {f}"));
        g.push(
            &format!("clear-stale-{}", slug(host)),
            &format!("{host}: clear the stale marks of {}", roles.join(", ")),
            hosts_of(&[host.to_string()]),
            Some(cmd),
            None,
            false,
            &[],
        );
    }
    let name = if opts.stale {
        "restart-stale".to_string()
    } else {
        format!("restart-{}", opts.service)
    };
    let mut doc = Mapping::new();
    doc.insert("name".into(), name.clone().into());
    doc.insert(
        "description".into(),
        "rolling restart generated by herd from the cluster's state".into(),
    );
    doc.insert("stages".into(), Value::Sequence(g.stages));
    let text = if g.steps.is_empty() {
        String::new()
    } else {
        format!(
            "# Generated by `herd restart`: one stage per step, each gated by health.\n{}",
            serde_yaml::to_string(&Value::Mapping(doc)).unwrap_or_default()
        )
    };
    Ok(Restart {
        name,
        steps: g.steps,
        text,
        targets,
    })
}

/// The (service, host) pairs to restart, in [`ORDER`] then inventory order.
fn select(topo: &Topology, readings: &Readings, opts: &Options) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for role in ORDER {
        if opts.service != "all" && opts.service != *role {
            continue;
        }
        for host in topo.hosts(role) {
            if let Some(only) = &opts.hosts
                && !only.contains(host)
            {
                continue;
            }
            if opts.stale {
                let stale = matches!(readings.hosts.get(host), Some(Ok(hr)) if hr.stale.iter().any(|s| s == role));
                if !stale {
                    continue;
                }
            }
            out.push((role.to_string(), host.clone()));
        }
    }
    out
}

/// HA roles as they will be when the step being generated runs: `all`
/// restarts NameNodes before ZKFCs and the failovers in between swap them.
#[derive(Debug, Clone)]
struct Predicted {
    nn_active: Vec<String>,
    /// NameNodes an earlier step leaves standby and out of safe mode (gated).
    nn_standby: BTreeSet<String>,
    rm_active: Vec<String>,
}

impl Predicted {
    fn from(r: &Readings) -> Predicted {
        Predicted {
            nn_active: r
                .namenodes
                .iter()
                .filter(|n| n.state.as_deref() == Ok("active"))
                .map(|n| n.host.clone())
                .collect(),
            nn_standby: BTreeSet::new(),
            rm_active: r
                .resourcemanagers
                .iter()
                .filter(|n| n.ha_state.as_deref() == Ok("ACTIVE"))
                .map(|n| n.host.clone())
                .collect(),
        }
    }
}

struct Gen<'a> {
    since: Option<u64>,
    inv: &'a Inventory,
    topo: &'a Topology,
    layout: &'a Layout,
    readings: &'a Readings,
    stages: Vec<Value>,
    steps: Vec<Step>,
    state: Predicted,
}

/// The members of a quorum in restart order: the leader last, since its
/// restart costs the one election.
fn leader_last(hosts: &[String], leader: Option<&str>) -> Vec<String> {
    let (mut order, lead): (Vec<String>, Vec<String>) = hosts
        .iter()
        .cloned()
        .partition(|h| Some(h.as_str()) != leader);
    order.extend(lead);
    order
}

fn q(s: &str) -> String {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| format!("'{s}'"))
}

/// A stage name part from a host or id: lowercase, `[a-z0-9_.-]`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn hosts_of(hosts: &[String]) -> Value {
    Value::Sequence(
        hosts
            .iter()
            .map(|h| Value::from(format!("host:{h}")))
            .collect(),
    )
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    Value::Mapping(m)
}

/// An HTTP JSON check: `pointer` equals `equals` (a string or number) or
/// matches the regex `matches`.
fn http(port: u16, path: &str, pointer: &str, check: (&str, Value)) -> (&'static str, Value) {
    (
        "http",
        map(vec![
            ("port", Value::from(port)),
            ("path", path.into()),
            ("json", map(vec![("pointer", pointer.into()), check])),
        ]),
    )
}

/// A probe: the check, on `hosts` (None: the stage's), `expect`, at the
/// probed host's name (`address`) unless it is ZooKeeper's loopback.
fn probe(
    check: (&'static str, Value),
    hosts: Option<Value>,
    expect: Option<&str>,
    by_name: bool,
    timeout: &str,
) -> Value {
    let mut m = Mapping::new();
    m.insert(check.0.into(), check.1);
    if let Some(h) = hosts {
        m.insert("hosts".into(), h);
    }
    if let Some(e) = expect {
        m.insert("expect".into(), e.into());
    }
    if by_name {
        m.insert("address".into(), "{{ host.name }}".into());
    }
    m.insert("timeout".into(), timeout.into());
    m.insert("interval".into(), INTERVAL.into());
    Value::Mapping(m)
}

impl Gen<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        name: &str,
        description: &str,
        hosts: Value,
        run: Option<String>,
        probe: Option<Value>,
        once: bool,
        restarts: &[String],
    ) {
        let mut m = Mapping::new();
        m.insert("name".into(), name.into());
        m.insert("description".into(), description.into());
        m.insert("hosts".into(), hosts);
        if once {
            m.insert("once".into(), true.into());
        }
        if let Some(r) = run {
            m.insert("run".into(), r.into());
        }
        if let Some(p) = probe {
            m.insert("probe".into(), p);
        }
        self.stages.push(Value::Mapping(m));
        self.steps.push(Step {
            stage: name.into(),
            description: description.into(),
            restarts: restarts.to_vec(),
        });
    }

    /// A stage that only waits: its probe, nothing run, nothing restarted.
    fn gate(&mut self, name: &str, description: &str, hosts: Value, probe: Value) {
        self.push(name, description, hosts, None, Some(probe), false, &[]);
    }

    fn expected(&self, host: &str, role: &str) -> Option<&ExpectedService> {
        self.layout
            .host(host)?
            .services
            .iter()
            .find(|s| s.role == role)
    }

    fn web_port(&self, host: &str, role: &str, default: u16) -> u16 {
        self.expected(host, role)
            .and_then(|s| s.web_port)
            .unwrap_or(default)
    }

    fn running(&self, host: &str, role: &str) -> bool {
        matches!(self.readings.hosts.get(host), Some(Ok(hr)) if hr.procs.get(role).is_some_and(Proc::runs))
    }

    fn hdfs(&self) -> String {
        q(&format!("{}/bin/hdfs", self.topo.settings.hadoop_home()))
    }

    /// Every host of the step must answer, or nothing there can be stopped safely.
    fn reachable(&self, role: &str, hosts: &[String]) -> Result<(), Refusal> {
        for h in hosts {
            match self.readings.hosts.get(h) {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart {role}: {h} is unreachable ({e})"
                    )));
                }
                None => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart {role}: {h} was not read"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Stop (waiting for the old process to be gone, so the new one can
    /// bind its ports), then start.
    fn bounce(&self, role: &str, host: &str) -> String {
        let svc = services::service(role).expect("restart roles are in the service table");
        let s = &self.topo.settings;
        let user = self
            .inv
            .host(host)
            .map(|h| h.user.clone())
            .unwrap_or_default();
        let pid_file = q(&svc.pid_file(s, &user));
        // Replaying a restart that was cut off must not bounce a daemon a
        // second time: one younger than the restart was bounced by it.
        let already = match self.since {
            Some(t0) => format!(
                "if [ -n \"$old\" ] && [ -d \"/proc/$old\" ] && [ $(( $(date +%s) - $(ps -o etimes= -p \"$old\") )) -ge {t0} ]; then\n  \
                   echo \"{role} (pid $old) was already restarted by this restart\"; exit 0\n\
                 fi\n"
            ),
            None => String::new(),
        };
        // The pid file must name the running daemon before it is read:
        // otherwise the stop misses it and the start runs a second one.
        format!(
            "{running} >/dev/null || true\n\
             old=$(tr -dc 0-9 < {pid_file} 2>/dev/null)\n\
             {already}\
             {stop} || true\n\
             i=0\n\
             while [ -n \"$old\" ] && [ -d \"/proc/$old\" ]; do\n  \
               if [ $i -ge 60 ]; then kill -9 \"$old\" 2>/dev/null; sleep 1; break; fi\n  \
               sleep 0.5; i=$((i+1))\n\
             done\n\
             {start}\n",
            running = svc.running_command(s, &user),
            stop = svc.stop_command(s, &user),
            start = svc.start_verified(s, &user),
        )
    }

    /// The service table's readiness probe for `role` on the stage's host.
    fn readiness(&self, role: &str, host: &str, timeout: &str) -> Value {
        let svc = services::service(role).expect("restart roles are in the service table");
        match svc.readiness {
            Readiness::Http {
                port,
                path,
                pointer,
            } => {
                let port = self.web_port(host, role, port);
                let mut m = vec![("port", Value::from(port)), ("path", path.into())];
                if let Some((p, re)) = pointer {
                    m.push((
                        "json",
                        map(vec![("pointer", p.into()), ("matches", re.into())]),
                    ));
                }
                probe(("http", map(m)), None, None, true, timeout)
            }
            Readiness::Zk {
                port,
                word,
                matches,
            } => probe(
                (
                    "zk",
                    map(vec![
                        ("port", Value::from(self.web_port(host, role, port))),
                        ("word", word.into()),
                        ("matches", matches.into()),
                    ]),
                ),
                None,
                None,
                false,
                timeout,
            ),
            Readiness::Tcp { port } => probe(
                ("tcp", map(vec![("port", Value::from(port))])),
                None,
                None,
                true,
                timeout,
            ),
        }
    }

    fn nn_port(&self, host: &str) -> u16 {
        self.web_port(host, "namenode", 9870)
    }

    fn nn_state_probe(&self, host: &str, state: &str, hosts: Option<Value>) -> Value {
        probe(
            http(
                self.nn_port(host),
                "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus",
                "/beans/0/State",
                ("equals", state.into()),
            ),
            hosts,
            None,
            true,
            NN_TIMEOUT,
        )
    }

    fn one_active_nn(&self) -> Value {
        let host = self
            .topo
            .namenodes
            .first()
            .map(|(_, h)| h.clone())
            .unwrap_or_default();
        probe(
            http(
                self.nn_port(&host),
                "/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus",
                "/beans/0/State",
                ("equals", "active".into()),
            ),
            Some(Value::from("role:namenode")),
            Some("one"),
            true,
            TIMEOUT,
        )
    }

    fn nn_id(&self, host: &str) -> String {
        self.topo.namenode_id(host).unwrap_or(host).to_string()
    }

    /// A NameNode that can take over: standby, out of safe mode, and a ZKFC
    /// beside it (with automatic failover, haadmin goes through the ZKFCs).
    fn nn_unhealthy(&self, host: &str) -> Option<String> {
        if self.state.nn_active.iter().any(|h| h == host) {
            return Some("state: active".into());
        }
        let r = self.readings.namenodes.iter().find(|n| n.host == host)?;
        let gated = self.state.nn_standby.contains(host);
        match &r.state {
            _ if gated && self.running(host, "zkfc") => None,
            Err(e) => Some(format!("state: {e}")),
            Ok(s) if s != "standby" => Some(format!("state: {s}")),
            Ok(_) if r.fs_state.as_deref() != Some("Operational") => Some(format!(
                "state: standby in {}",
                r.fs_state.as_deref().unwrap_or("unknown FSState")
            )),
            Ok(_) if !self.running(host, "zkfc") => Some("state: standby without its ZKFC".into()),
            Ok(_) => None,
        }
    }

    /// Standby NameNodes that are healthy now and not about to be stopped.
    fn failover_target(&self, active: &str) -> Result<String, Refusal> {
        let others: Vec<&(String, String)> = self
            .topo
            .namenodes
            .iter()
            .filter(|(_, h)| h != active)
            .collect();
        let mut reasons = Vec::new();
        for (id, h) in &others {
            match self.nn_unhealthy(h) {
                None => return Ok(h.clone()),
                Some(why) => reasons.push(format!("{id} ({h}) is not a healthy standby ({why})")),
            }
        }
        if reasons.is_empty() {
            reasons.push("there is no other NameNode".into());
        }
        Err(Refusal::Unsafe(format!(
            "refusing to restart namenode: {}; restarting {} now would leave no NameNode serving",
            reasons.join("; "),
            self.nn_id(active)
        )))
    }

    fn namenode(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let active = self.state.nn_active.clone();
        if active.len() != 1 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart namenode: {} NameNodes are active (expected exactly one)",
                active.len()
            )));
        }
        let active = active[0].clone();
        // Decide every refusal before the first stage.
        let target = if hosts.contains(&active) {
            Some(self.failover_target(&active)?)
        } else {
            None
        };
        for h in hosts.iter().filter(|h| **h != active) {
            self.restart_nn(h);
        }
        if let Some(target) = target {
            let (from, to) = (self.nn_id(&active), self.nn_id(&target));
            self.push(
                &format!("namenode-failover-{}-to-{}", slug(&from), slug(&to)),
                &format!("hdfs haadmin -failover {from} {to}; gate: {to} ({target}) active"),
                hosts_of(std::slice::from_ref(&target)),
                Some(format!(
                    "{} haadmin -failover {} {}",
                    self.hdfs(),
                    q(&from),
                    q(&to)
                )),
                Some(self.nn_state_probe(&target, "active", None)),
                false,
                &[],
            );
            self.state.nn_standby.remove(&target);
            self.state.nn_active = vec![target];
            self.restart_nn(&active);
        }
        let gate = self.one_active_nn();
        self.gate(
            "namenode-one-active",
            "gate: exactly one NameNode active",
            Value::from("role:namenode"),
            gate,
        );
        Ok(())
    }

    fn restart_nn(&mut self, host: &str) {
        self.state.nn_standby.insert(host.to_string());
        let id = self.nn_id(host);
        let run = self.bounce("namenode", host);
        let p = self.nn_state_probe(host, "standby", None);
        self.push(
            &format!("namenode-{}", slug(&id)),
            &format!("restart standby NameNode {id} ({host}); gate: standby"),
            hosts_of(&[host.to_string()]),
            Some(run),
            Some(p),
            false,
            &[host.to_string()],
        );
        // A standby still in safe mode has not heard from the DataNodes:
        // failing over to it would leave HDFS read-only. Its block reports
        // only count once it has tailed the edits that created those
        // blocks, and it tails finalized segments only: rolling the active's
        // segment now saves waiting for the periodic roll (120 s).
        // The roll only saves time, so its failure does not stop the restart.
        let roll = format!(
            "{} dfsadmin -rollEdits || echo 'rollEdits failed: waiting for the periodic roll' >&2",
            self.hdfs()
        );
        let p = probe(
            http(
                self.nn_port(host),
                "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState",
                "/beans/0/FSState",
                ("equals", "Operational".into()),
            ),
            None,
            None,
            true,
            NN_TIMEOUT,
        );
        self.push(
            &format!("namenode-{}-out-of-safemode", slug(&id)),
            &format!(
                "hdfs dfsadmin -rollEdits; gate: {id} ({host}) out of safe mode (FSState Operational)"
            ),
            hosts_of(&[host.to_string()]),
            Some(roll),
            Some(p),
            false,
            &[],
        );
        // A standby that left safe mode may still not know the DataNodes'
        // storages (an image without blocks leaves safe mode at once, before
        // any DataNode registered): as the active it would then refuse every
        // new block with "could only be written to 0 of the 1 minReplication
        // nodes". Storage arrives with each DataNode's first heartbeat, the
        // full block report right after it.
        let live = self.live_datanodes();
        if live > 0 {
            let p = probe(
                http(
                    self.nn_port(host),
                    "/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo",
                    "/beans/0/LiveNodes",
                    (
                        "matches",
                        format!("(?s)(\"capacity\":[1-9].*){{{live}}}").into(),
                    ),
                ),
                None,
                None,
                true,
                NN_TIMEOUT,
            );
            self.gate(
                &format!("namenode-{}-datanodes", slug(&id)),
                &format!("gate: {id} ({host}) has storage reports from all {live} live DataNodes"),
                hosts_of(&[host.to_string()]),
                p,
            );
        }
    }

    /// DataNodes the active NameNode counts live now (the layout's count
    /// when no active NameNode answered).
    fn live_datanodes(&self) -> u64 {
        self.readings
            .namenodes
            .iter()
            .filter(|n| matches!(&n.state, Ok(s) if s == "active"))
            .find_map(|n| n.live_datanodes)
            .unwrap_or(self.layout.datanodes as u64)
    }

    fn zkfc(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let active = self.state.nn_active.clone();
        if active.len() != 1 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart zkfc: {} NameNodes are active (expected exactly one)",
                active.len()
            )));
        }
        let active = active[0].clone();
        // The ZKFC beside the active NameNode holds the lock: stopping it
        // would fail over unannounced when its session expires. Hand the
        // active role over gracefully first, so no stopped ZKFC holds it.
        let target = if hosts.contains(&active) {
            Some(self.failover_target(&active).map_err(|r| match r {
                Refusal::Unsafe(m) => Refusal::Unsafe(m.replacen(
                    "refusing to restart namenode",
                    "refusing to restart zkfc",
                    1,
                )),
                other => other,
            })?)
        } else {
            None
        };
        let mut order: Vec<String> = hosts.iter().filter(|h| **h != active).cloned().collect();
        let mut failover_first = None;
        if let Some(t) = &target {
            failover_first = Some(t.clone());
            order.push(active.clone());
        }
        for h in order {
            if h == active
                && let Some(target) = failover_first.take()
            {
                let (from, to) = (self.nn_id(&active), self.nn_id(&target));
                self.push(
                    &format!("zkfc-failover-{}-to-{}", slug(&from), slug(&to)),
                    &format!("hdfs haadmin -failover {from} {to}, so the ZKFC of {active} holds no lock; gate: {to} active"),
                    hosts_of(std::slice::from_ref(&target)),
                    Some(format!("{} haadmin -failover {} {}", self.hdfs(), q(&from), q(&to))),
                    Some(self.nn_state_probe(&target, "active", None)),
                    false,
                    &[],
                );
                self.state.nn_standby.remove(&target);
                self.state.nn_standby.insert(active.clone());
                self.state.nn_active = vec![target];
            }
            let run = self.bounce("zkfc", &h);
            let p = self.readiness("zkfc", &h, TIMEOUT);
            self.push(
                &format!("zkfc-{}", slug(&h)),
                &format!("restart ZKFC on {h}; gate: it listens (8019)"),
                hosts_of(std::slice::from_ref(&h)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(&h),
            );
            let gate = self.one_active_nn();
            self.gate(
                &format!("zkfc-{}-one-active", slug(&h)),
                "gate: exactly one NameNode active",
                Value::from("role:namenode"),
                gate,
            );
        }
        Ok(())
    }

    fn journalnode(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        // Three JournalNodes tolerate one down: a second would stop HDFS writes.
        for h in self.topo.hosts("journalnode") {
            if !self.running(h, "journalnode") {
                return Err(Refusal::Unsafe(format!(
                    "refusing to restart journalnode: the JournalNode on {h} is down; restarting another would leave the edit log without a quorum"
                )));
            }
        }
        if self.state.nn_active.len() != 1 {
            return Err(Refusal::Unsafe(
                "refusing to restart journalnode: no single active NameNode to roll the edit log"
                    .into(),
            ));
        }
        let ns = self.topo.settings.nameservice.clone();
        let roll = format!("{} dfsadmin -rollEdits", self.hdfs());
        for h in hosts {
            self.push(
                &format!("journalnode-{}-roll", slug(h)),
                "hdfs dfsadmin -rollEdits: finalize the segment before a JournalNode leaves",
                Value::from("role:namenode"),
                Some(roll.clone()),
                None,
                true,
                &[],
            );
            let run = self.bounce("journalnode", h);
            let p = self.readiness("journalnode", h, TIMEOUT);
            self.push(
                &format!("journalnode-{}", slug(h)),
                &format!("restart JournalNode on {h}; gate: 8485 answers"),
                hosts_of(std::slice::from_ref(h)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(h),
            );
            // A restarted JournalNode rejoins the writer at the next segment:
            // roll one, then see it has written transactions since it started.
            let p = probe(
                http(
                    self.web_port(h, "journalnode", 8480),
                    &format!("/jmx?qry=Hadoop:service=JournalNode,name=Journal-{ns}"),
                    "/beans/0/TxnsWritten",
                    ("matches", "^[1-9][0-9]*$".into()),
                ),
                Some(hosts_of(std::slice::from_ref(h))),
                Some("all"),
                true,
                TIMEOUT,
            );
            self.push(
                &format!("journalnode-{}-writing", slug(h)),
                &format!(
                    "hdfs dfsadmin -rollEdits; gate: the JournalNode on {h} writes edits again"
                ),
                Value::from("role:namenode"),
                Some(roll.clone()),
                Some(p),
                true,
                &[],
            );
        }
        Ok(())
    }

    fn zookeeper(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let mut leader = None;
        for z in &self.readings.zookeepers {
            match &z.mode {
                Err(e) => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart zookeeper: server {} ({}) is not serving ({e}); restarting another would leave no quorum",
                        z.myid, z.host
                    )));
                }
                Ok(m) if m == "leader" => leader = Some(z.host.clone()),
                Ok(_) => {}
            }
        }
        let port = self
            .topo
            .hosts("zookeeper")
            .first()
            .map(|h| self.web_port(h, "zookeeper", self.topo.zk_client_port))
            .unwrap_or(2181);
        for h in leader_last(hosts, leader.as_deref()) {
            let myid = self.topo.zookeeper_myid(&h).unwrap_or(0);
            let role = if Some(&h) == leader.as_ref() {
                "leader"
            } else {
                "follower"
            };
            let run = self.bounce("zookeeper", &h);
            let p = probe(
                (
                    "zk",
                    map(vec![
                        ("port", Value::from(self.web_port(&h, "zookeeper", port))),
                        ("word", "srvr".into()),
                        ("matches", "Mode: (leader|follower)".into()),
                    ]),
                ),
                None,
                None,
                false,
                TIMEOUT,
            );
            self.push(
                &format!("zookeeper-{}", slug(&h)),
                &format!(
                    "restart ZooKeeper {myid} ({h}, {role}); gate: it serves as follower or leader"
                ),
                hosts_of(std::slice::from_ref(&h)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(&h),
            );
            let p = probe(
                (
                    "zk",
                    map(vec![
                        ("port", Value::from(port)),
                        ("word", "srvr".into()),
                        ("matches", "Mode: leader".into()),
                    ]),
                ),
                Some(Value::from("role:zookeeper")),
                Some("one"),
                false,
                TIMEOUT,
            );
            self.gate(
                &format!("zookeeper-{}-quorum", slug(&h)),
                "gate: the ensemble has exactly one leader",
                Value::from("role:zookeeper"),
                p,
            );
        }
        Ok(())
    }

    fn rm_probe(
        &self,
        host: &str,
        state: &str,
        hosts: Option<Value>,
        expect: Option<&str>,
    ) -> Value {
        probe(
            http(
                self.web_port(host, "resourcemanager", 8088),
                "/ws/v1/cluster/info",
                "/clusterInfo/haState",
                ("equals", state.into()),
            ),
            hosts,
            expect,
            true,
            TIMEOUT,
        )
    }

    fn resourcemanager(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let active = self.state.rm_active.clone();
        if active.len() != 1 {
            return Err(Refusal::Unsafe(format!(
                "refusing to restart resourcemanager: {} ResourceManagers are active (expected exactly one)",
                active.len()
            )));
        }
        let active = active[0].clone();
        let rm_id = |h: &str| self.topo.resourcemanager_id(h).unwrap_or(h).to_string();
        let mut successor = None;
        if hosts.contains(&active) {
            let mut reasons = Vec::new();
            for r in self
                .readings
                .resourcemanagers
                .iter()
                .filter(|r| r.host != active)
            {
                match &r.ha_state {
                    Ok(s) if s == "STANDBY" => {
                        successor = Some(r.host.clone());
                        break;
                    }
                    Ok(s) => reasons.push(format!("{} ({}) is {s}", r.id, r.host)),
                    Err(e) => reasons.push(format!("{} ({}) is not a standby ({e})", r.id, r.host)),
                }
            }
            if successor.is_none() {
                if reasons.is_empty() {
                    reasons.push("there is no other ResourceManager".into());
                }
                return Err(Refusal::Unsafe(format!(
                    "refusing to restart resourcemanager: {}; restarting {} now would leave no ResourceManager active",
                    reasons.join("; "),
                    rm_id(&active)
                )));
            }
        }
        for h in hosts.iter().filter(|h| **h != active) {
            let run = self.bounce("resourcemanager", h);
            let p = self.rm_probe(h, "STANDBY", None, None);
            self.push(
                &format!("resourcemanager-{}", slug(&rm_id(h))),
                &format!(
                    "restart standby ResourceManager {} ({h}); gate: STANDBY",
                    rm_id(h)
                ),
                hosts_of(std::slice::from_ref(h)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(h),
            );
        }
        if let Some(next) = successor {
            // No `rmadmin -failover` with automatic failover: stopping the
            // active hands its ZooKeeper lock to the standby.
            let id = rm_id(&active);
            let svc = services::service("resourcemanager").expect("in the table");
            let user = self
                .inv
                .host(&active)
                .map(|h| h.user.clone())
                .unwrap_or_default();
            let stop = svc.stop_command(&self.topo.settings, &user);
            let p = self.rm_probe(
                &active,
                "ACTIVE",
                Some(Value::from("role:resourcemanager")),
                Some("one"),
            );
            self.push(
                &format!("resourcemanager-{}-stop", slug(&id)),
                &format!(
                    "stop active ResourceManager {id} ({active}); gate: another becomes ACTIVE"
                ),
                hosts_of(std::slice::from_ref(&active)),
                Some(stop),
                Some(p),
                false,
                &[],
            );
            let run = self.bounce("resourcemanager", &active);
            let p = self.rm_probe(&active, "STANDBY", None, None);
            self.push(
                &format!("resourcemanager-{}", slug(&id)),
                &format!("start ResourceManager {id} ({active}); gate: STANDBY"),
                hosts_of(std::slice::from_ref(&active)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(&active),
            );
            // NodeManagers find the new active only at their next retry
            // (tens of seconds): until then it schedules on fewer nodes.
            let nms = self.topo.hosts("nodemanager").len();
            if nms > 0 {
                let p = probe(
                    http(
                        self.web_port(&next, "resourcemanager", 8088),
                        "/ws/v1/cluster/metrics",
                        "/clusterMetrics/activeNodes",
                        ("equals", Value::from(nms as u64)),
                    ),
                    Some(Value::from("role:resourcemanager")),
                    Some("one"),
                    true,
                    TIMEOUT,
                );
                self.gate(
                    "resourcemanager-nodemanagers",
                    &format!("gate: the active ResourceManager counts {nms} NodeManagers"),
                    Value::from("role:resourcemanager"),
                    p,
                );
            }
            self.state.rm_active = vec![next];
        }
        Ok(())
    }

    fn workers(&mut self, role: &str, hosts: &[String], batch: usize) -> Result<(), Refusal> {
        let all = self.topo.hosts(role);
        let down: Vec<&String> = all.iter().filter(|h| !self.running(h, role)).collect();
        let out_at_once = down.len() + batch.min(hosts.len());
        if out_at_once >= all.len() {
            let why = if down.is_empty() {
                String::new()
            } else {
                format!(
                    " with {} already down ({})",
                    down.len(),
                    down.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(Refusal::Unsafe(format!(
                "refusing to restart {role}: batches of {batch}{why} would leave no {role} running (of {})",
                all.len()
            )));
        }
        let gate: Option<(String, Value)> = match role {
            "datanode" => None,
            "nodemanager" => {
                let Some(rm) = self.state.rm_active.first().cloned() else {
                    return Err(Refusal::Unsafe(
                        "refusing to restart nodemanager: no ResourceManager is active to count the NodeManagers".into(),
                    ));
                };
                Some((
                    format!(
                        "gate: the active ResourceManager counts {} NodeManagers",
                        all.len()
                    ),
                    probe(
                        http(
                            self.web_port(&rm, "resourcemanager", 8088),
                            "/ws/v1/cluster/metrics",
                            "/clusterMetrics/activeNodes",
                            ("equals", Value::from(all.len() as u64)),
                        ),
                        Some(Value::from("role:resourcemanager")),
                        Some("one"),
                        true,
                        TIMEOUT,
                    ),
                ))
            }
            _ => {
                let Some(m) = self
                    .readings
                    .mesos_masters
                    .iter()
                    .find(|m| m.elected == Ok(true))
                else {
                    return Err(Refusal::Unsafe(
                        "refusing to restart mesos-agent: no Mesos master leads to count the agents".into(),
                    ));
                };
                Some((
                    format!(
                        "gate: the leading Mesos master counts {} activated agents",
                        all.len()
                    ),
                    probe(
                        http(
                            self.web_port(&m.host, "mesos-master", 5050),
                            "/master/state",
                            "/activated_slaves",
                            ("equals", Value::from(all.len() as u64)),
                        ),
                        Some(Value::from("role:mesos-master")),
                        Some("one"),
                        true,
                        TIMEOUT,
                    ),
                ))
            }
        };
        let namenodes = self.topo.namenodes.len().max(1);
        for (i, chunk) in hosts.chunks(batch).enumerate() {
            let n = i + 1;
            let name = format!("{role}-batch-{n}");
            // One command for the batch: every host bounces its own daemon
            // (the pid file path differs only by user, the same across a role).
            let run = self.bounce(role, &chunk[0]);
            let p = if role == "datanode" {
                // Its own registration with every NameNode, not the live
                // count: a NameNode notices a dead DataNode only after 10.5 min.
                let port = self.web_port(&chunk[0], "datanode", 9864);
                probe(
                    http(
                        port,
                        "/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo",
                        "/beans/0/BPServiceActorInfo",
                        (
                            "matches",
                            format!("(?s)(\"ActorState\":\"RUNNING\".*){{{namenodes}}}").into(),
                        ),
                    ),
                    None,
                    None,
                    true,
                    TIMEOUT,
                )
            } else {
                self.readiness(role, &chunk[0], TIMEOUT)
            };
            let what = match role {
                "datanode" => "registered (RUNNING) with every NameNode",
                "nodemanager" => "healthy",
                _ => "registered with the master",
            };
            self.push(
                &name,
                &format!("restart {role} on {}; gate: {what}", chunk.join(", ")),
                hosts_of(chunk),
                Some(run),
                Some(p),
                false,
                chunk,
            );
            if let Some((desc, p)) = &gate {
                self.gate(
                    &format!("{name}-registered"),
                    desc,
                    Value::from(format!(
                        "role:{}",
                        if role == "nodemanager" {
                            "resourcemanager"
                        } else {
                            "mesos-master"
                        }
                    )),
                    p.clone(),
                );
            }
        }
        Ok(())
    }

    fn mesos_master(&mut self, hosts: &[String]) -> Result<(), Refusal> {
        let mut leader = None;
        for m in &self.readings.mesos_masters {
            match &m.elected {
                Err(e) => {
                    return Err(Refusal::Unsafe(format!(
                        "refusing to restart mesos-master: the master on {} does not answer ({e}); restarting another would leave the replicated log without a quorum",
                        m.host
                    )));
                }
                Ok(true) => leader = Some(m.host.clone()),
                Ok(false) => {}
            }
        }
        let Some(leader) = leader else {
            return Err(Refusal::Unsafe(
                "refusing to restart mesos-master: no master leads".into(),
            ));
        };
        for h in leader_last(hosts, Some(&leader)) {
            let run = self.bounce("mesos-master", &h);
            let p = self.readiness("mesos-master", &h, TIMEOUT);
            let role = if h == leader { "leader" } else { "non-leader" };
            self.push(
                &format!("mesos-master-{}", slug(&h)),
                &format!("restart Mesos master on {h} ({role}); gate: /health"),
                hosts_of(std::slice::from_ref(&h)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(&h),
            );
            let p = probe(
                http(
                    self.web_port(&h, "mesos-master", 5050),
                    "/metrics/snapshot",
                    "/master~1elected",
                    ("equals", Value::from(1u64)),
                ),
                Some(Value::from("role:mesos-master")),
                Some("one"),
                true,
                TIMEOUT,
            );
            self.gate(
                &format!("mesos-master-{}-leader", slug(&h)),
                "gate: exactly one Mesos master leads",
                Value::from("role:mesos-master"),
                p,
            );
        }
        Ok(())
    }

    /// Services without HA roles: one host at a time, own readiness probe.
    fn singles(&mut self, role: &str, hosts: &[String]) {
        for h in hosts {
            let run = self.bounce(role, h);
            let p = self.readiness(role, h, TIMEOUT);
            self.push(
                &format!("{role}-{}", slug(h)),
                &format!("restart {role} on {h}; gate: its readiness probe"),
                hosts_of(std::slice::from_ref(h)),
                Some(run),
                Some(p),
                false,
                std::slice::from_ref(h),
            );
        }
    }
}

/// Hosts and the services restarted on them, for reports.
pub fn by_host(targets: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (role, host) in targets {
        out.entry(host.clone()).or_default().insert(role.clone());
    }
    out
}
