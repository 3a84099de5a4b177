//! `herd upgrade --downgrade`: back to the inventory's older software
//! while HDFS keeps serving and keeps what was written since `prepare`, in
//! the order of the HDFS Rolling Upgrade guide: the DataNodes first, then
//! the NameNodes started normally (no `-rollingUpgrade` option: the old
//! software reads the old layout the upgrade kept), the JournalNodes and
//! ZKFCs, `finalize`; then YARN and ZooKeeper as an upgrade moves them.
//!
//! Hadoop documents a downgrade only between releases whose NameNode and
//! DataNode layout versions are the same; the first stage asks both
//! installs for theirs and stops there, before any daemon moves, when they
//! differ (the way back is then `--rollback`).
//!
//! The old software's install comes back (or stays) beside the new one,
//! so both are on disk for the comparison.

use super::planner::Planner;
use super::request::Refusal;
use super::role_by_role;
use super::software::Install;
use super::stages::step;
use super::upgrade::{
    HDFS, UpgradeOptions, YARN, finalize, install_all, link, older, rolling_upgrade, targets,
};
use crate::hadoop::Topology;
use crate::hadoop::daemon_control::startup_options_file;
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
    let Some(active) = p.state.nn_active.first().cloned() else {
        return Err(Refusal::Unsafe(
            "refusing to downgrade: no NameNode is active".into(),
        ));
    };
    if rolling_upgrade(readings).is_none() {
        return Err(Refusal::Unsafe(
            "refusing to downgrade: the active NameNode reports no rolling upgrade in progress; a downgrade is possible only between prepare and finalize".into(),
        ));
    }
    let software = p.software.clone().unwrap_or_default();
    let Some(to) = software.hadoop.clone() else {
        return Err(Refusal::Unsafe(
            "refusing to downgrade: every Hadoop daemon already runs the version vars.dist.hadoop names; point it at the version to go back to".into(),
        ));
    };
    let nn_version = readings.version(&active, "namenode").unwrap_or("?");
    if !older(&to.version, nn_version) {
        return Err(Refusal::Unsafe(format!(
            "refusing to downgrade: vars.dist.hadoop names {}, not older than the {nn_version} the active NameNode runs; point it at the version to go back to",
            to.version
        )));
    }
    let targets = targets(inv, topo, readings, opts)?;
    install_all(p, &software);
    layout_check(p, &active, &to);
    role_by_role(p, &targets, opts.batch, &["datanode"])?;
    // The old software starts normally: -rollingUpgrade started is for the
    // newer one reading the old layout.
    let stage = step(
        "namenode-startup-options-cleared-for-downgrade",
        "the NameNodes start without -rollingUpgrade (the old software)",
        HostSelector::role("namenode"),
        format!("rm -f {}", q(&startup_options_file(s, "namenode"))),
    );
    p.out.push(stage, &[]);
    let rest: Vec<&str> = HDFS.iter().copied().filter(|r| *r != "datanode").collect();
    role_by_role(p, &targets, opts.batch, &rest)?;
    let active = p.state.nn_active.first().cloned().unwrap_or(active);
    finalize(p, &active);
    role_by_role(p, &targets, opts.batch, YARN)?;
    if software.zookeeper.is_some() {
        role_by_role(p, &targets, opts.batch, &["zookeeper"])?;
    }
    link(p, "hadoop-link", "on the hosts no daemon moved", &to);
    Ok(None)
}

/// Both installs' NameNode and DataNode layout versions, read from their
/// own jars with the host's JDK (a one-file Java program): equal, or the
/// downgrade stops here. The running install is where the link points.
fn layout_check(p: &mut Planner, host: &str, to: &Install) {
    let s = &p.topo.settings;
    let java = format!("{}/bin/java", s.java_home);
    // The NameNode's is a constant; the DataNode's a method in 3.4 and later.
    let program = "public class HerdLayout { \
                   static Object lv(String c) throws Exception { Class<?> k = Class.forName(c); \
                   try { return k.getField(\"CURRENT_LAYOUT_VERSION\").get(null); } \
                   catch (NoSuchFieldException e) { return k.getMethod(\"getCurrentLayoutVersion\").invoke(null); } } \
                   public static void main(String[] a) throws Exception { \
                   System.out.println(lv(\"org.apache.hadoop.hdfs.server.namenode.NameNodeLayoutVersion\") + \" \" + \
                   lv(\"org.apache.hadoop.hdfs.server.datanode.DataNodeLayoutVersion\")); } }";
    let run = format!(
        "set -e\n\
         t=$(mktemp -d); trap 'rm -rf \"$t\"' EXIT\n\
         printf '%s\\n' {program} > \"$t/HerdLayout.java\"\n\
         lv() {{ cp=\"$1/share/hadoop/hdfs/*:$1/share/hadoop/hdfs/lib/*:$1/share/hadoop/common/*:$1/share/hadoop/common/lib/*\"; {java} -cp \"$cp\" \"$t/HerdLayout.java\" 2>/dev/null | tail -n 1; }}\n\
         from=$(readlink -f {home}); to={to}\n\
         [ -d \"$to/share/hadoop/hdfs\" ] || {{ echo \"$to is not unpacked here: nothing to compare\" >&2; exit 1; }}\n\
         a=$(lv \"$from\"); b=$(lv \"$to\")\n\
         echo \"layout versions (NameNode DataNode): $from: $a; $to: $b\"\n\
         [ -n \"$a\" ] && [ -n \"$b\" ] || {{ echo 'could not read the layout versions' >&2; exit 1; }}\n\
         if [ \"$a\" != \"$b\" ]; then\n  \
           echo \"the layout versions differ ($from: $a, $to: $b): Hadoop documents a downgrade only where neither changed; go back with herd upgrade --rollback (to the prepare image)\" >&2\n  \
           exit 1\n\
         fi\n",
        program = q(program),
        java = q(&java),
        home = q(&s.hadoop_home()),
        to = q(&to.dir),
    );
    let stage = step(
        "downgrade-layout-check",
        &format!(
            "the NameNode and DataNode layout versions of the running install and of {} are the same",
            to.version
        ),
        HostSelector::hosts(&[host]),
        run,
    );
    p.out.push(stage, &[]);
}
