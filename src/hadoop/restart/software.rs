//! What an upgrade changes in each bounce: the daemon moves to the new
//! software as it restarts. The new install sits beside the old one; the
//! host's `hadoop` (or `zookeeper`) link switches just before the start,
//! so a host's daemons move one at a time and the ones not yet bounced
//! keep running the old jars from the old directory. A daemon already
//! running the new software is left alone: a replay of an upgrade cut off
//! in the middle bounces every daemon exactly once.

use super::planner::Planner;
use crate::hadoop::HADOOP_ROLES;
use crate::shell::quote as q;

/// One component's new install on the hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// The unpacked directory (`/opt/herd/hadoop-3.5.0`).
    pub dir: String,
    /// Its version (`3.5.0`), as `herd status` reports a daemon's.
    pub version: String,
}

impl Install {
    /// The install a `vars.dist` tarball unpacks to.
    pub fn of(s: &crate::hadoop::Settings, t: &crate::hadoop::settings::Tarball) -> Install {
        Install {
            dir: format!("{}/{}", s.install_dir, t.dir_name),
            version: crate::hadoop::observe::version_of(&t.dir_name),
        }
    }
}

/// The software an upgrade moves daemons to; None for a component that
/// stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Software {
    pub hadoop: Option<Install>,
    pub zookeeper: Option<Install>,
}

impl Software {
    /// The install `role`'s daemon moves to.
    pub fn for_role(&self, role: &str) -> Option<&Install> {
        if HADOOP_ROLES.contains(&role) {
            self.hadoop.as_ref()
        } else if role == "zookeeper" {
            self.zookeeper.as_ref()
        } else {
            None
        }
    }
}

impl Planner<'_> {
    /// The link `role`'s daemon starts through, and what it moves to.
    fn moving(&self, role: &str) -> Option<(String, &Install)> {
        let install = self.software.as_ref()?.for_role(role)?;
        let home = if role == "zookeeper" {
            self.topo.settings.zookeeper_home()
        } else {
            self.topo.settings.hadoop_home()
        };
        Some((home, install))
    }

    /// Exits the step when the daemon whose pid is `$old` already runs the
    /// new software (its command line says where it was started from).
    pub(super) fn already_moved(&self, role: &str) -> Option<String> {
        let (_, install) = self.moving(role)?;
        let test = if role == "zookeeper" {
            format!(
                "tr '\\0:' '\\n\\n' < \"/proc/$old/cmdline\" 2>/dev/null | grep -q {}",
                q(&format!(
                    "/zookeeper-{}\\.jar$",
                    install.version.replace('.', "\\.")
                ))
            )
        } else {
            format!(
                "tr '\\0' '\\n' < \"/proc/$old/cmdline\" 2>/dev/null | grep -qxF -- {}",
                q(&format!("-Dhadoop.home.dir={}", install.dir))
            )
        };
        Some(format!(
            "if [ -n \"$old\" ] && [ -d \"/proc/$old\" ] && {test}; then\n  \
               echo \"{role} (pid $old) already runs {v}\"; exit 0\n\
             fi\n",
            v = install.version
        ))
    }

    /// A DataNode told it is going down for an upgrade (`-shutdownDatanode
    /// ... upgrade`) lets its clients wait for it instead of failing over
    /// to other replicas and marking it bad; the shutdown returns before
    /// the DataNode has stopped, so wait for the process (bounded: the
    /// ordinary stop follows).
    pub(super) fn shutdown_for_upgrade(&self, role: &str, host: &str) -> Option<String> {
        if role != "datanode" {
            return None;
        }
        self.moving(role)?;
        let ipc = self
            .ports
            .host(host)
            .iter()
            .find(|p| p.service == "datanode" && p.name == "ipc")
            .map_or(crate::hadoop::default_ports::DATANODE_IPC, |p| p.port);
        Some(format!(
            "if [ -n \"$old\" ] && [ -d \"/proc/$old\" ]; then\n  \
               {hdfs} dfsadmin -shutdownDatanode {{{{ host.name }}}}:{ipc} upgrade || echo 'shutdownDatanode failed: stopping the DataNode' >&2\n  \
               i=0; while [ -d \"/proc/$old\" ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i+1)); done\n\
             fi\n",
            hdfs = self.hdfs()
        ))
    }

    /// Points the host's link at the new install, right before the start.
    pub(super) fn switch_link(&self, role: &str) -> Option<String> {
        let (home, install) = self.moving(role)?;
        Some(format!("ln -sfn {} {}\n", q(&install.dir), q(&home)))
    }
}
