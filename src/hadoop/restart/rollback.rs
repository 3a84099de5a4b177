//! `herd upgrade --rollback`: HDFS back to the image `prepare` saved, on
//! the inventory's older software, as the HDFS Rolling Upgrade guide does
//! it (with downtime: every NameNode and DataNode stops). What was written
//! since `prepare` is gone; what was there before is kept.
//!
//! 1. the ZKFCs, NameNodes and DataNodes stop; the links point at the old
//!    install;
//! 2. the first NameNode starts with `-rollingUpgrade rollback`: it loads
//!    `fsimage_rollback_*` and discards the later edits on every
//!    JournalNode (which is why all of them must run); its ZKFC makes it
//!    active;
//! 3. every other NameNode is bootstrapped again from it
//!    (`-bootstrapStandby -force`) and starts normally, then its ZKFC;
//! 4. the DataNodes start with `-rollback` (their blocks deleted since come
//!    back from trash), gated on their registration, then HDFS out of safe
//!    mode;
//! 5. the JournalNodes, YARN and ZooKeeper go back rolling, as a downgrade
//!    moves them.

use super::planner::Planner;
use super::request::Refusal;
use super::role_by_role;
use super::software::Install;
use super::stages::{NN_TIMEOUT, gate, http_equals, probe, slug, step};
use super::upgrade::{UpgradeOptions, YARN, install_all, link, rolling_upgrade, targets};
use super::workers::part_name;
use crate::hadoop::Topology;
use crate::hadoop::daemon_control::{set_startup_options, startup_options_file};
use crate::hadoop::observe::Readings;
use crate::model::{HostSelector, Inventory};
use crate::shell::quote as q;

pub(super) fn plan(
    p: &mut Planner,
    inv: &Inventory,
    topo: &Topology,
    readings: &Readings,
    opts: &UpgradeOptions,
) -> Result<Option<String>, Refusal> {
    let s = &topo.settings;
    if rolling_upgrade(readings).is_none() {
        return Err(Refusal::Unsafe(
            "refusing to roll back: the active NameNode reports no rolling upgrade in progress; the prepare image is gone after finalize (and a downgrade finalizes)".into(),
        ));
    }
    let Some(t) = &s.dist.hadoop else {
        return Err(Refusal::BadInput(
            "vars.dist.hadoop names no tarball: point it at the version to roll back to".into(),
        ));
    };
    let to = Install::of(s, t);
    let down: Vec<&String> = topo
        .hosts("journalnode")
        .iter()
        .filter(|h| readings.runs(h, "journalnode") != Some(true))
        .collect();
    if !down.is_empty() {
        return Err(Refusal::Unsafe(format!(
            "refusing to roll back: the JournalNode on {} is not running; the rollback discards the edits since prepare on every JournalNode, so all of them must run",
            down.iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let Some((_, first)) = topo.namenodes.first().cloned() else {
        return Err(Refusal::BadInput("the inventory has no NameNode".into()));
    };
    let targets = targets(inv, topo, readings, opts)?;
    // Every bounce after the rollback moves its daemon to the old install.
    let mut software = p.software.clone().unwrap_or_default();
    software.hadoop = Some(to.clone());
    p.software = Some(software.clone());
    install_all(p, &software);
    for role in ["zkfc", "namenode", "datanode"] {
        stop_all(p, role);
    }
    link(p, "rollback-link", "on every Hadoop host", &to);
    start_rolled_back(p, &first)?;
    let others: Vec<String> = topo
        .namenodes
        .iter()
        .map(|(_, h)| h.clone())
        .filter(|h| *h != first)
        .collect();
    for h in &others {
        bootstrap(p, h)?;
    }
    p.state.nn_active = vec![first.clone()];
    p.state.nn_standby = others.into_iter().collect();
    datanodes(p, &first)?;
    role_by_role(p, &targets, opts.batch, &["journalnode"])?;
    role_by_role(p, &targets, opts.batch, YARN)?;
    if software.zookeeper.is_some() {
        role_by_role(p, &targets, opts.batch, &["zookeeper"])?;
    }
    Ok(None)
}

/// Stop `role` on all its hosts at once (one stage per supervisor).
fn stop_all(p: &mut Planner, role: &str) {
    let hosts = p.topo.hosts(role).to_vec();
    let svc = Planner::service(role);
    let mut group = Vec::new();
    for (k, part) in p.by_command(&hosts, |_| ()).into_iter().enumerate() {
        let sup = p.topo.supervisor(&part[0]);
        let name = part_name(&format!("rollback-stop-{role}"), k);
        let stage = step(
            &name,
            &format!("stop {role} on {}", part.join(", ")),
            HostSelector::hosts(&part),
            svc.stop_command(&p.topo.settings, sup),
        );
        group.push((stage, part));
    }
    p.out.push_group(group);
}

/// The first NameNode with `-rollingUpgrade rollback` (once: the options
/// go right after its start), then its ZKFC, which makes it active.
fn start_rolled_back(p: &mut Planner, host: &str) -> Result<(), Refusal> {
    let s = &p.topo.settings;
    let id = p.nn_id(host);
    let sup = p.topo.supervisor(host);
    let nn = Planner::service("namenode");
    let run = start_once_with(s, nn, sup, "-rollingUpgrade rollback");
    let stage = step(
        &format!("rollback-namenode-{}", slug(&id)),
        &format!(
            "start NameNode {id} ({host}) with -rollingUpgrade rollback (the prepare image; the later edits discarded on every JournalNode); gate: standby"
        ),
        HostSelector::hosts(&[host]),
        run,
    )
    .with_probe(p.nn_state_probe(host, "standby")?);
    p.out.push(stage, &[host.to_string()]);
    let active = p.nn_state_probe(host, "active")?;
    start_zkfc(p, host, &format!("{id} active"), active);
    Ok(())
}

/// Another NameNode: its namespace copied again from the rolled-back one,
/// then started normally, then its ZKFC.
fn bootstrap(p: &mut Planner, host: &str) -> Result<(), Refusal> {
    let s = &p.topo.settings;
    let id = p.nn_id(host);
    let sup = p.topo.supervisor(host);
    let nn = Planner::service("namenode");
    let run = format!(
        "rm -f {file}\n{hdfs} namenode -bootstrapStandby -force\n{start}\n",
        file = q(&startup_options_file(s, "namenode")),
        hdfs = p.hdfs(),
        start = nn.start_verified(s, sup),
    );
    let stage = step(
        &format!("rollback-bootstrap-{}", slug(&id)),
        &format!(
            "NameNode {id} ({host}): -bootstrapStandby -force from the rolled-back one, then start; gate: standby"
        ),
        HostSelector::hosts(&[host]),
        run,
    )
    .with_probe(p.nn_state_probe(host, "standby")?);
    p.out.push(stage, &[host.to_string()]);
    let listens = p.readiness("zkfc", host, super::stages::TIMEOUT)?;
    start_zkfc(p, host, "it listens", listens);
    Ok(())
}

/// Start `svc` once with `options`: the file that gives them is gone right
/// after the start (systemd and the launcher read it only then), so a later
/// restart starts it normally.
fn start_once_with(
    s: &crate::hadoop::Settings,
    svc: &crate::hadoop::services::Service,
    sup: crate::hadoop::settings::Supervisor,
    options: &str,
) -> String {
    format!(
        "{set}\n{start}\nrm -f {file}\n",
        set = set_startup_options(s, svc.role, options)
            .expect("only daemons that take startup options are started with some"),
        start = svc.start_verified(s, sup),
        file = q(&startup_options_file(s, svc.role)),
    )
}

/// The ZKFC on `host` started, gated on `probe` (`gate`: it, in words).
fn start_zkfc(p: &mut Planner, host: &str, gate: &str, probe: crate::model::Probe) {
    let s = &p.topo.settings;
    let zkfc = Planner::service("zkfc");
    let stage = step(
        &format!("rollback-zkfc-{}", slug(host)),
        &format!("start the ZKFC on {host}; gate: {gate}"),
        HostSelector::hosts(&[host]),
        zkfc.start_verified(s, p.topo.supervisor(host)),
    )
    .with_probe(probe);
    p.out.push(stage, &[host.to_string()]);
}

/// Every DataNode started with `-rollback`, gated on its registration with
/// every NameNode; then the active NameNode out of safe mode.
fn datanodes(p: &mut Planner, active: &str) -> Result<(), Refusal> {
    let s = &p.topo.settings;
    let hosts: Vec<String> = p
        .topo
        .hosts("datanode")
        .iter()
        .filter(|h| p.topo.worker_state(h).in_service())
        .cloned()
        .collect();
    let dn = Planner::service("datanode");
    let mut group = Vec::new();
    for (k, part) in p.by_command(&hosts, |_| ()).into_iter().enumerate() {
        let sup = p.topo.supervisor(&part[0]);
        let run = start_once_with(s, dn, sup, "-rollback");
        let name = part_name("rollback-datanodes", k);
        let stage = step(
            &name,
            &format!(
                "start the DataNode on {} with -rollback; gate: registered with every NameNode",
                part.join(", ")
            ),
            HostSelector::hosts(&part),
            run,
        )
        .with_probe(p.worker_probe("datanode", &part[0])?);
        group.push((stage, part));
    }
    p.out.push_group(group);
    let port = p.web_port(active, "namenode")?;
    let stage = gate(
        "rollback-hdfs-serving",
        &format!("gate: the active NameNode ({active}) out of safe mode (FSState Operational)"),
        HostSelector::hosts(&[active]),
        probe(
            http_equals(
                port,
                "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState",
                "/beans/0/FSState",
                "Operational",
            ),
            NN_TIMEOUT,
        ),
    );
    p.out.push(stage, &[]);
    Ok(())
}
