//! The playbook of one lifecycle operation, generated from the cluster's
//! state: the masters' lists rewritten for the new record, the masters told
//! to re-read them, the wait on their view of every host, the worker
//! daemons stopped or started; or the reason it must not run, decided
//! before anything does.
//!
//! - decommission: DataNodes through `dfs.hosts` and `-refreshNodes` (every
//!   NameNode), gated on the active NameNode reporting each Decommissioned,
//!   which it does only once every block has its replicas elsewhere;
//!   NodeManagers through YARN's graceful decommission (client-side
//!   tracking, forced after the timeout); Mesos agents through the
//!   maintenance schedule, then machine DOWN. Then their daemons stop, and
//!   stay stopped at boot.
//! - recommission: the reverse, daemons started, gated like new workers.
//! - maintenance enter: HDFS maintenance state (no re-replication while the
//!   host is away), a Mesos maintenance window; daemons left as they are.
//! - maintenance exit: back in service, daemons started where they are not.

use std::time::Duration;

use crate::hadoop::lifecycle::{
    Record, WORKER_ROLES, WorkerState, admin_view, mesos_http, registration,
};
use crate::hadoop::observe::{DataNodeView, Readings};
use crate::hadoop::ports::ClusterPorts;
use crate::hadoop::render::{self, DFS_HOSTS, YARN_EXCLUDE, YARN_INCLUDE};
use crate::hadoop::restart::{Refusal, playbook_text, slug};
use crate::hadoop::services;
use crate::hadoop::settings::Supervisor;
use crate::hadoop::topology::Topology;
use crate::model::{
    Expectation, HostSelector, Inventory, JsonCheck, Playbook, Probe, ProbeCheck, Stage,
};
use crate::shell::quote as q;

use super::refresh::{self, List};

/// Gates that wait on daemons registering poll this often, this long.
const REGISTER_TIMEOUT: Duration = Duration::from_secs(180);
const INTERVAL: Duration = Duration::from_millis(500);
/// The NameNode's decommission monitor runs every 30 s by default.
const ADMIN_INTERVAL: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Decommission,
    Recommission,
    /// Maintenance until `until_ms` (epoch ms; None: until exit).
    Enter {
        until_ms: Option<u64>,
    },
    Exit,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Decommission => "decommission",
            Action::Recommission => "recommission",
            Action::Enter { .. } => "maintenance-enter",
            Action::Exit => "maintenance-exit",
        }
    }

    fn target(self) -> WorkerState {
        match self {
            Action::Decommission => WorkerState::Decommissioned,
            Action::Enter { until_ms } => WorkerState::Maintenance { until_ms },
            Action::Recommission | Action::Exit => WorkerState::Active,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub action: Action,
    pub hosts: Vec<String>,
    /// How long the NameNode may take to copy the blocks away.
    pub timeout: Duration,
    /// How long running YARN containers may take to finish on NodeManagers
    /// being decommissioned before YARN forces it.
    pub yarn_grace: Duration,
    /// Controller clock, ms since the epoch.
    pub now_ms: u64,
}

/// The generated operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    /// (stage, what it does), in order, for the header and `--dry-run`.
    pub steps: Vec<(String, String)>,
    pub playbook: Playbook,
    pub text: String,
    /// The record once the operation is asked for: written before it runs,
    /// so a bring-up in between continues it rather than undoing it.
    pub record: Record,
}

/// Plan `req` for the cluster as `readings` saw it.
pub fn generate(
    inv: &Inventory,
    topo: &Topology,
    readings: &Readings,
    req: &Request,
) -> Result<Operation, Refusal> {
    check_hosts(inv, topo, req)?;
    let mut after = topo.clone();
    after.record.set(&req.hosts, req.action.target(), None);
    let g = Generator {
        inv,
        before: topo,
        after: &after,
        readings,
        req,
        ports: ClusterPorts::new(inv, topo),
        stages: Vec::new(),
        steps: Vec::new(),
    };
    g.build()
}

fn check_hosts(inv: &Inventory, topo: &Topology, req: &Request) -> Result<(), Refusal> {
    if req.hosts.is_empty() {
        return Err(Refusal::BadInput(
            "name the workers (comma-separated)".into(),
        ));
    }
    for h in &req.hosts {
        let Some(host) = inv.host(h) else {
            return Err(Refusal::BadInput(format!("no host '{h}' in the inventory")));
        };
        if !host
            .roles
            .iter()
            .any(|r| WORKER_ROLES.contains(&r.as_str()))
        {
            return Err(Refusal::BadInput(format!(
                "{h} is not a worker (no {} role): masters keep their own quorum rules",
                WORKER_ROLES.join(", ")
            )));
        }
        let now = topo.worker_state(h);
        match (req.action, now) {
            (Action::Enter { .. }, WorkerState::Decommissioned) => {
                return Err(Refusal::BadInput(format!(
                    "{h} is decommissioned: recommission it, not maintenance"
                )));
            }
            (Action::Exit, WorkerState::Decommissioned) => {
                return Err(Refusal::BadInput(format!(
                    "{h} is decommissioned, not in maintenance: `herd recommission {h}`"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

struct Generator<'a> {
    inv: &'a Inventory,
    before: &'a Topology,
    after: &'a Topology,
    readings: &'a Readings,
    req: &'a Request,
    ports: ClusterPorts,
    stages: Vec<Stage>,
    steps: Vec<(String, String)>,
}

impl Generator<'_> {
    fn build(mut self) -> Result<Operation, Refusal> {
        let action = self.req.action;
        let dns = self.with_role("datanode");
        let nms = self.with_role("nodemanager");
        let agents = self.with_role("mesos-agent");
        let nn = self.active_namenode()?;
        let nn_port = self.port(&nn.0, "namenode")?;
        if action == Action::Decommission {
            self.refuse_decommission(&dns, &nn.1)?;
        }
        let s = &self.after.settings;

        // The lists first, on every master that reads them.
        let dfs_hosts = render::dfs_hosts(self.after);
        self.push(
            Stage::new("hdfs-host-list", HostSelector::role("namenode")).with_run(write_file(
                &format!("{}/{DFS_HOSTS}", s.hadoop_conf_dir()),
                &dfs_hosts,
            )),
            "write the DataNode list (dfs.hosts) on every NameNode",
        );
        let yarn_lists =
            matches!(action, Action::Decommission | Action::Recommission) && !nms.is_empty();
        if yarn_lists {
            let conf = s.hadoop_conf_dir();
            let run = format!(
                "{}\n{}",
                write_file(
                    &format!("{conf}/{YARN_INCLUDE}"),
                    &render::host_lists_yarn_include(self.after)
                ),
                write_file(
                    &format!("{conf}/{YARN_EXCLUDE}"),
                    &render::host_lists_yarn_exclude(self.after)
                )
            );
            self.push(
                Stage::new("yarn-host-lists", HostSelector::role("resourcemanager")).with_run(run),
                "write the NodeManager include and exclude lists on every ResourceManager",
            );
        }
        self.push(
            Stage::new("hdfs-refresh", HostSelector::role("namenode"))
                .run_once()
                .with_run(refresh::recorded(
                    s,
                    List::Hdfs,
                    &dfs_hosts,
                    &refresh::hdfs_refresh(s),
                )),
            "every NameNode re-reads the list (dfsadmin -refreshNodes)",
        );

        match action {
            Action::Decommission => {
                if !nms.is_empty() {
                    let grace = self.req.yarn_grace.as_secs();
                    let mut st =
                        Stage::new("yarn-decommission", HostSelector::role("resourcemanager"))
                            .run_once()
                            .with_run(refresh::recorded(
                                s,
                                List::Yarn,
                                &render::host_lists_yarn(self.after),
                                &refresh::yarn_refresh(s, Some(grace)),
                            ));
                    st.timeout = Some(Duration::from_secs(grace + 120));
                    self.push(
                        st,
                        &format!(
                            "the ResourceManager decommissions {} gracefully: running containers get {grace} s to finish",
                            nms.join(", ")
                        ),
                    );
                    for h in &nms {
                        self.nodemanager_decommissioned(h)?;
                    }
                }
                if !dns.is_empty() {
                    self.admin_gate(
                        "hdfs-decommissioned",
                        &nn.0,
                        nn_port,
                        &dns,
                        &["Decommissioned"],
                        false,
                        self.req.timeout,
                        "the active NameNode reports each Decommissioned: every block it held has its replicas on the DataNodes that stay",
                    );
                }
                // The master's answer to machine/down is the gate: it shut them down.
                if !agents.is_empty() {
                    self.mesos(&[], &agents)?;
                }
                for h in &self.req.hosts.clone() {
                    self.daemons(h, false);
                }
            }
            Action::Recommission => {
                if yarn_lists {
                    self.push(
                        Stage::new("yarn-refresh", HostSelector::role("resourcemanager"))
                            .run_once()
                            .with_run(refresh::recorded(
                                s,
                                List::Yarn,
                                &render::host_lists_yarn(self.after),
                                &refresh::yarn_refresh(s, None),
                            )),
                        "the active ResourceManager re-reads its lists",
                    );
                }
                if !agents.is_empty() {
                    self.mesos(&agents, &[])?;
                }
                self.start_and_gate(&dns, &nms, &agents, &nn, nn_port)?;
            }
            Action::Enter { .. } => {
                if !dns.is_empty() {
                    self.admin_gate(
                        "hdfs-in-maintenance",
                        &nn.0,
                        nn_port,
                        &dns,
                        &["In Maintenance"],
                        false,
                        self.req.timeout,
                        "the active NameNode reports each In Maintenance: its blocks are not copied elsewhere while it is away",
                    );
                }
                // A draining agent stays registered: the schedule taken is the gate.
                if !agents.is_empty() {
                    self.mesos(&[], &[])?;
                }
            }
            Action::Exit => {
                if !agents.is_empty() {
                    self.mesos(&[], &[])?;
                }
                self.start_and_gate(&dns, &nms, &agents, &nn, nn_port)?;
            }
        }
        self.finish()
    }

    /// The hosts of the request with `role`.
    fn with_role(&self, role: &str) -> Vec<String> {
        self.req
            .hosts
            .iter()
            .filter(|h| self.before.has_role(h, role))
            .cloned()
            .collect()
    }

    fn port(&self, host: &str, role: &str) -> Result<u16, Refusal> {
        services::service(role)
            .and_then(|svc| svc.web_port(self.ports.host(host)))
            .ok_or_else(|| Refusal::BadInput(format!("{role} on {host} has no web port to ask")))
    }

    /// The active NameNode and its view of the DataNodes.
    fn active_namenode(&self) -> Result<(String, Vec<DataNodeView>), Refusal> {
        let nn = self
            .readings
            .namenodes
            .iter()
            .find(|n| n.state.as_deref() == Ok("active"))
            .ok_or_else(|| {
                Refusal::Unsafe(format!(
                    "refusing to {}: no NameNode is active to ask about the DataNodes",
                    self.req.action.name()
                ))
            })?;
        let view = nn.datanodes.clone().ok_or_else(|| {
            Refusal::Unsafe(format!(
                "refusing to {}: the active NameNode ({}) did not say how it sees the DataNodes (NameNodeInfo)",
                self.req.action.name(),
                nn.host
            ))
        })?;
        Ok((nn.host.clone(), view))
    }

    /// A decommission that could never finish, or would fill the others.
    fn refuse_decommission(&self, dns: &[String], view: &[DataNodeView]) -> Result<(), Refusal> {
        if dns.is_empty() {
            return Ok(());
        }
        let rf = super::replication(self.inv, self.before);
        let staying: Vec<&DataNodeView> = view
            .iter()
            .filter(|v| {
                v.live
                    && v.admin_state == "In Service"
                    && self.after.worker_state(&v.host).in_service()
                    && self.before.has_role(&v.host, "datanode")
            })
            .collect();
        if staying.len() < rf {
            let names: Vec<&str> = staying.iter().map(|v| v.host.as_str()).collect();
            return Err(Refusal::Unsafe(format!(
                "refusing to decommission {}: {} DataNode(s) would stay in service ({}), fewer than dfs.replication = {rf}; the NameNode could never finish, since every block needs {rf} live replicas on the DataNodes that stay. Add DataNodes first (`herd up` with more workers), or lower dfs.replication.",
                dns.join(", "),
                staying.len(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                },
            )));
        }
        let leaving: u64 = view
            .iter()
            .filter(|v| dns.contains(&v.host))
            .map(|v| v.used)
            .sum();
        let room: u64 = staying.iter().map(|v| v.remaining).sum();
        if leaving > room {
            return Err(Refusal::Unsafe(format!(
                "refusing to decommission {}: they hold {} of HDFS data, and the DataNodes that stay have {} free; their copies would not fit",
                dns.join(", "),
                bytes(leaving),
                bytes(room)
            )));
        }
        Ok(())
    }

    fn push(&mut self, stage: Stage, what: &str) {
        let after: Vec<String> = self
            .stages
            .last()
            .map(|s| s.name.clone())
            .into_iter()
            .collect();
        self.steps.push((stage.name.clone(), what.to_string()));
        self.stages
            .push(stage.with_description(what).with_depends_on(after));
    }

    #[allow(clippy::too_many_arguments)]
    fn admin_gate(
        &mut self,
        name: &str,
        nn: &str,
        port: u16,
        hosts: &[String],
        wanted: &[&str],
        live: bool,
        timeout: Duration,
        what: &str,
    ) {
        let probe = Probe::new(ProbeCheck::Command {
            run: admin_view::command(&self.after.settings, nn, port, hosts, wanted, live),
            exit: 0,
            stdout: None,
        })
        .with_timeout(timeout)
        .with_interval(ADMIN_INTERVAL);
        self.push(
            Stage::new(name, HostSelector::hosts(&[nn])).with_probe(probe),
            what,
        );
    }

    fn nodemanager_decommissioned(&mut self, host: &str) -> Result<(), Refusal> {
        let rm = self
            .before
            .hosts("resourcemanager")
            .first()
            .cloned()
            .unwrap_or_default();
        let port = self.port(&rm, "resourcemanager")?;
        let pattern = regex::Regex::new(&format!("\"nodeHostName\":\"{}\"", regex::escape(host)))
            .expect("an escaped host name is a valid pattern");
        let probe = Probe::new(ProbeCheck::http_json(
            port,
            "/ws/v1/cluster/nodes?states=DECOMMISSIONED",
            Some(JsonCheck::matches("/nodes", pattern)),
        ))
        .on(HostSelector::role("resourcemanager"), Expectation::Any)
        .at("{{ host.name }}")
        .with_timeout(REGISTER_TIMEOUT)
        .with_interval(INTERVAL);
        self.push(
            Stage::new(
                format!("nodemanager-decommissioned-{}", slug(host)),
                HostSelector::role("resourcemanager"),
            )
            .with_probe(probe),
            &format!("the active ResourceManager lists {host} DECOMMISSIONED"),
        );
        Ok(())
    }

    fn mesos_leader(&self) -> Result<(String, u16), Refusal> {
        let leader = self
            .readings
            .mesos_masters
            .iter()
            .find(|m| m.elected == Ok(true))
            .map(|m| m.host.clone())
            .ok_or_else(|| {
                Refusal::Unsafe(format!(
                    "refusing to {}: no Mesos master leads to take the maintenance schedule",
                    self.req.action.name()
                ))
            })?;
        let port = self.port(&leader, "mesos-master")?;
        Ok((leader, port))
    }

    /// The schedule for the new record posted to the leading master, with
    /// `up` brought up first and `down` brought down after.
    fn mesos(&mut self, up: &[String], down: &[String]) -> Result<(), Refusal> {
        let (leader, port) = self.mesos_leader()?;
        let machines = |hosts: &[String]| -> Result<Vec<serde_json::Value>, Refusal> {
            hosts
                .iter()
                .map(|h| {
                    mesos_http::machine(self.inv, self.before, h).ok_or_else(|| {
                        Refusal::BadInput(format!(
                            "{h}: its address in the inventory is not an IP, so herd gives its Mesos agent no --ip and cannot name its machine to the master (Mesos matches hostname and IP); give it an IP address"
                        ))
                    })
                })
                .collect()
        };
        let (up_m, down_m) = (machines(up)?, machines(down)?);
        for h in &self.req.hosts {
            if self.before.has_role(h, "mesos-agent") {
                machines(std::slice::from_ref(h))?;
            }
        }
        let schedule = mesos_http::schedule(
            self.inv,
            self.after,
            u128::from(self.req.now_ms) * 1_000_000,
        );
        let run = mesos_http::apply(&leader, port, &schedule, &up_m, &down_m);
        let what = match (up.is_empty(), down.is_empty()) {
            (false, _) => format!(
                "Mesos: {} brought up and out of the maintenance schedule",
                up.join(", ")
            ),
            (_, false) => format!(
                "Mesos: {} scheduled for maintenance, then DOWN (their agents shut down)",
                down.join(", ")
            ),
            _ => "Mesos: the maintenance schedule as the record has it".to_string(),
        };
        self.push(
            Stage::new("mesos-maintenance", HostSelector::hosts(&[leader.as_str()]))
                .run_once()
                .with_run(run),
            &what,
        );
        Ok(())
    }

    /// The workers `hosts` named by a master of `role` (the active or
    /// leading one: a standby redirects), through `script`.
    fn registered_gate(
        &mut self,
        name: &str,
        role: &str,
        script: &str,
        hosts: &[String],
        what: &str,
    ) {
        // The role's web port as the first master has it: the service
        // table gives every master of a role the same one.
        let port = self
            .before
            .hosts(role)
            .first()
            .and_then(|h| self.port(h, role).ok())
            .unwrap_or_default();
        let probe = Probe::new(ProbeCheck::Command {
            run: format!(
                "{script} {{{{ host.name }}}} {port} {}",
                q(&hosts.join(" "))
            ),
            exit: 0,
            stdout: None,
        })
        .on(HostSelector::role(role), Expectation::ExactlyOne)
        .with_timeout(REGISTER_TIMEOUT)
        .with_interval(INTERVAL);
        self.push(
            Stage::new(name, HostSelector::role(role)).with_probe(probe),
            what,
        );
    }

    /// Stop (and keep stopped at boot) or start (and start at boot) the
    /// worker daemons of `host`.
    fn daemons(&mut self, host: &str, start: bool) {
        let Some(h) = self.inv.host(host) else { return };
        let s = &self.before.settings;
        let sup = self.before.supervisor(host);
        let mut lines = Vec::new();
        for svc in services::on_host(h) {
            if !WORKER_ROLES.contains(&svc.role) {
                continue;
            }
            let unit = q(&svc.unit_file());
            lines.push(match (start, sup) {
                (false, Supervisor::Systemd) => format!(
                    "systemctl disable --quiet {unit} 2>/dev/null || true\n{}",
                    svc.stop_command(s, sup)
                ),
                (false, Supervisor::Daemon) => svc.stop_command(s, sup),
                (true, Supervisor::Systemd) => format!(
                    "systemctl enable --quiet {unit}\n{} || {{ {}; }}",
                    svc.running_command(s, sup),
                    svc.start_verified(s, sup)
                ),
                (true, Supervisor::Daemon) => format!(
                    "{} || {{ {}; }}",
                    svc.running_command(s, sup),
                    svc.start_verified(s, sup)
                ),
            });
        }
        let (name, what) = if start {
            (
                format!("start-{}", slug(host)),
                format!("start the worker daemons of {host}"),
            )
        } else {
            (
                format!("stop-{}", slug(host)),
                format!("stop the worker daemons of {host}, and keep them stopped at boot"),
            )
        };
        self.push(
            Stage::new(name, HostSelector::hosts(&[host])).with_run(lines.join("\n")),
            &what,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn start_and_gate(
        &mut self,
        dns: &[String],
        nms: &[String],
        agents: &[String],
        nn: &(String, Vec<DataNodeView>),
        nn_port: u16,
    ) -> Result<(), Refusal> {
        for h in &self.req.hosts.clone() {
            self.daemons(h, true);
        }
        if !dns.is_empty() {
            self.admin_gate(
                "hdfs-in-service",
                &nn.0,
                nn_port,
                dns,
                &["In Service"],
                true,
                REGISTER_TIMEOUT,
                "the active NameNode reports each live and In Service",
            );
        }
        let gates = registration::template(&self.after.settings);
        if !nms.is_empty() {
            self.registered_gate(
                "nodemanagers",
                "resourcemanager",
                gates["nodemanagers"].as_str().unwrap_or_default(),
                nms,
                &format!("the active ResourceManager has {} RUNNING", nms.join(", ")),
            );
        }
        if !agents.is_empty() {
            self.registered_gate(
                "mesos-agents",
                "mesos-master",
                gates["agents"].as_str().unwrap_or_default(),
                agents,
                &format!(
                    "the leading Mesos master has {} registered",
                    agents.join(", ")
                ),
            );
        }
        Ok(())
    }

    fn finish(self) -> Result<Operation, Refusal> {
        let name = self.req.action.name().to_string();
        let description = format!(
            "{} of {}, generated by herd from the cluster's state",
            name,
            self.req.hosts.join(", ")
        );
        let text = playbook_text(
            &format!(
                "Generated by `herd {}`: one stage per step, each gated by the masters' view.",
                name.replace('-', " ")
            ),
            &name,
            &description,
            &self.stages,
        );
        let source = format!("generated:{name}");
        let playbook = Playbook::from_stages(&source, &name, self.stages, &text).map_err(|e| {
            Refusal::BadInput(format!(
                "the generated {name} is not a valid playbook:\n{e}"
            ))
        })?;
        Ok(Operation {
            name,
            steps: self.steps,
            playbook,
            text,
            record: self.after.record.clone(),
        })
    }
}

/// Write `content` to `path` atomically, readable by the daemons.
fn write_file(path: &str, content: &[u8]) -> String {
    let text = String::from_utf8_lossy(content);
    let tmp = format!("{path}.herd-new");
    format!(
        "printf '%s' {} > {tmp} && chmod 644 {tmp} && mv -f {tmp} {path}",
        q(&text),
        tmp = q(&tmp),
        path = q(path)
    )
}

fn bytes(n: u64) -> String {
    const G: f64 = 1024.0 * 1024.0 * 1024.0;
    if n as f64 >= G {
        format!("{:.1} GiB", n as f64 / G)
    } else {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    }
}
