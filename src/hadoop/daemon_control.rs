//! How herd starts, stops and checks each daemon, under the host's
//! supervisor, and as the daemon's own account.
//!
//! Every command here runs as root on the host (a root login, or `become`),
//! which the bring-up's preflight checks. Daemons never run as root: under
//! systemd their unit's `User=` says who they are; without it herd drops to
//! the account with `runuser -u`, which sets `$USER` as Hadoop's launchers
//! check it (`HDFS_NAMENODE_USER` and friends, see `render::env`). The
//! launchers' own switch (`su -l`, when run as root with those variables
//! set) would need a login shell on every service account.

use super::services::{Launcher, Service, live_pids};
use super::settings::{Account, Settings, Supervisor};
use crate::shell::quote as q;

/// `cmd` run as `user` by root, with `$USER`, `$HOME` and `$LOGNAME` set
/// as the account's; the environment is otherwise kept.
pub fn as_user(user: &str, cmd: &str) -> String {
    format!("runuser -u {} -- {cmd}", q(user))
}

/// A client command (hdfs, yarn, mapred tools) as `user`: on a secure
/// cluster through the host's `with-ticket`, which logs the account in
/// with its principal's keytab for that command only.
pub fn client_as(s: &Settings, user: &str, cmd: &str) -> String {
    match &s.security {
        Some(_) => as_user(
            user,
            &format!(
                "{} {cmd}",
                q(&crate::hadoop::render::kerberos::with_ticket(s))
            ),
        ),
        None => as_user(user, cmd),
    }
}

/// The hdfs tool as the HDFS superuser (the account the NameNode runs
/// as), for formats and admin commands.
pub fn hdfs_admin(s: &Settings) -> String {
    client_as(
        s,
        s.users.name(Account::Hdfs),
        &q(&format!("{}/bin/hdfs", s.hadoop_home())),
    )
}

/// The variable that carries a daemon's one-off startup options, for the
/// daemons an upgrade or a rollback starts with some: the NameNode
/// (`-rollingUpgrade started` while a rolling upgrade is under way,
/// `-rollingUpgrade rollback` once) and the DataNode (`-rollback`). It comes
/// from [`startup_options_file`]: the unit's `EnvironmentFile`, or read by
/// the start command without systemd. The NameNode's outlives the restart
/// that wrote it, so a NameNode that systemd or `herd up` starts again
/// mid-upgrade still accepts the newer software's layout.
pub fn startup_options_var(role: &str) -> Option<&'static str> {
    match role {
        "namenode" => Some("HERD_NAMENODE_OPTS"),
        "datanode" => Some("HERD_DATANODE_OPTS"),
        _ => None,
    }
}

/// The file that sets [`startup_options_var`]; absent when there are none.
pub fn startup_options_file(s: &Settings, role: &str) -> String {
    format!("{}/{role}.env", s.state_dir())
}

/// A command that makes `role` start with `options` until the file goes.
pub fn set_startup_options(s: &Settings, role: &str, options: &str) -> Option<String> {
    let var = startup_options_var(role)?;
    let f = q(&startup_options_file(s, role));
    Some(format!(
        "mkdir -p \"$(dirname {f})\" && printf '%s\\n' {line} > {f}.tmp && mv {f}.tmp {f}",
        line = q(&format!("{var}=\"{options}\"")),
    ))
}

impl Service {
    /// The account the daemon runs as.
    pub fn user<'s>(&self, s: &'s Settings) -> &'s str {
        s.users.name(self.account)
    }

    /// The pid file the daemon's launcher writes (under systemd too: the
    /// Hadoop launchers write it in the foreground before they exec java).
    pub fn pid_file(&self, s: &Settings) -> String {
        let user = self.user(s);
        match self.launcher {
            Launcher::Hadoop { subcmd, .. } => format!("{}/hadoop-{user}-{subcmd}.pid", s.dirs.pid),
            Launcher::ZooKeeper => format!("{}/zookeeper_server.pid", s.dirs.pid),
            Launcher::Mesos { name } => format!("{}/{name}.pid", s.dirs.pid),
            Launcher::SparkHistory => format!(
                "{}/spark-{user}-org.apache.spark.deploy.history.HistoryServer-1.pid",
                s.dirs.pid
            ),
        }
    }

    /// The unit file's name.
    pub fn unit_file(&self) -> String {
        format!("{}.service", self.unit)
    }

    /// The daemon in the foreground, as a systemd unit's `ExecStart` runs
    /// it: (program, arguments). The process systemd starts becomes the
    /// daemon (every launcher here ends in `exec`), so `MainPID` is the JVM.
    pub fn foreground(&self, s: &Settings) -> (String, Vec<String>) {
        match self.launcher {
            Launcher::Hadoop { bin, subcmd } => (
                format!("{}/bin/{bin}", s.hadoop_home()),
                vec![subcmd.to_string()],
            ),
            Launcher::ZooKeeper => (
                format!("{}/bin/zkServer.sh", s.zookeeper_home()),
                vec!["start-foreground".into()],
            ),
            // The flags file is shell (values quoted), so a shell reads it.
            Launcher::Mesos { name } => {
                let home = s.mesos_home();
                (
                    "/bin/sh".into(),
                    vec![
                        "-c".into(),
                        format!(
                            "set -a; . {}; set +a; exec {}",
                            q(&format!("{home}/etc/{name}.env")),
                            q(&format!("{home}/bin/{name}.sh"))
                        ),
                    ],
                )
            }
            Launcher::SparkHistory => (
                format!("{}/bin/spark-class", s.spark_home()),
                vec!["org.apache.spark.deploy.history.HistoryServer".into()],
            ),
        }
    }

    /// The launcher's own `start`/`stop`/`status` as the daemon's account:
    /// `bin/<bin> --daemon <action> <subcmd>`, or `zkServer.sh <action>`
    /// (java.env, rendered, gives it JAVA_HOME, its log dir and pid file).
    /// None for the daemons herd starts itself.
    fn launcher_action(&self, s: &Settings, action: &str) -> Option<String> {
        let cmd = match self.launcher {
            Launcher::Hadoop { bin, subcmd } => format!(
                "{} --daemon {action} {subcmd}",
                q(&format!("{}/bin/{bin}", s.hadoop_home()))
            ),
            Launcher::ZooKeeper => format!(
                "{} {action}",
                q(&format!("{}/bin/zkServer.sh", s.zookeeper_home()))
            ),
            Launcher::Mesos { .. } | Launcher::SparkHistory => return None,
        };
        Some(as_user(self.user(s), &cmd))
    }

    /// Starts the daemon in the background, as its account.
    fn daemon_start(&self, s: &Settings) -> String {
        let user = self.user(s);
        if let (Some(var), Some(start)) = (
            startup_options_var(self.role),
            self.launcher_action(s, "start"),
        ) {
            // The options word-split on purpose: they are herd's own words.
            let file = q(&startup_options_file(s, self.role));
            return format!("{{ {var}=; [ ! -f {file} ] || . {file}; {start} ${var}; }}");
        }
        match (self.launcher, self.launcher_action(s, "start")) {
            (_, Some(start)) => start,
            (Launcher::Mesos { name }, None) => {
                let home = s.mesos_home();
                let out = q(&format!("{}/{name}.out", s.dirs.mesos_log));
                let pid = q(&self.pid_file(s));
                let inner = format!(
                    "set -a; . {env}; set +a; nohup setsid {bin} >> {out} 2>&1 < /dev/null & echo $! > {pid}",
                    env = q(&format!("{home}/etc/{name}.env")),
                    bin = q(&format!("{home}/bin/{name}.sh")),
                );
                format!(
                    "{start} || exit $?; sleep 1; p=$(cat {pid} 2>/dev/null); kill -0 \"$p\" 2>/dev/null || {{ echo \"{name} exited at start; last lines of \"{out}\":\" >&2; tail -n 20 {out} >&2; exit 1; }}",
                    start = as_user(user, &format!("/bin/sh -c {}", q(&inner))),
                )
            }
            // spark-env.sh gives it the pid directory, the log directory and its heap.
            (_, None) => as_user(
                user,
                &q(&format!("{}/sbin/start-history-server.sh", s.spark_home())),
            ),
        }
    }

    /// Stops the daemon; succeeds when it was not running.
    fn daemon_stop(&self, s: &Settings) -> String {
        if let Some(stop) = self.launcher_action(s, "stop") {
            return stop;
        }
        // The same patience as Hadoop's launcher: TERM, 5 s, then KILL. A
        // subshell, so its early exit stays its own wherever it is spliced
        // in (`a && STOP`, a restart that starts the daemon after it).
        let pid = q(&self.pid_file(s));
        format!(
            "( [ -f {pid} ] || exit 0; p=$(cat {pid}); kill \"$p\" 2>/dev/null; i=0; while kill -0 \"$p\" 2>/dev/null && [ $i -lt 5 ]; do sleep 1; i=$((i+1)); done; kill -9 \"$p\" 2>/dev/null; rm -f {pid}; true )"
        )
    }

    /// Exits 0 exactly when the daemon runs (started without systemd).
    /// (zkServer.sh's `status` asks the server, not its pid file.)
    fn daemon_status(&self, s: &Settings) -> String {
        if let Launcher::Hadoop { .. } = self.launcher
            && let Some(status) = self.launcher_action(s, "status")
        {
            return status;
        }
        let pid = q(&self.pid_file(s));
        format!("test -f {pid} && kill -0 \"$(cat {pid})\" 2>/dev/null")
    }

    /// A shell command that stops the daemon; succeeds when it was not running.
    /// Under systemd, an instance started outside the unit (before the
    /// host moved to systemd) is stopped too.
    pub fn stop_command(&self, s: &Settings, sup: Supervisor) -> String {
        match sup {
            Supervisor::Systemd => format!(
                "systemctl stop {} && {{ {} >/dev/null 2>&1 && {}; true; }}",
                q(&self.unit_file()),
                self.daemon_status(s),
                self.daemon_stop(s)
            ),
            Supervisor::Daemon => self.daemon_stop(s),
        }
    }

    /// Prints the pid of the running daemon, or nothing: systemd's main
    /// pid of the unit, or the pid file's.
    pub fn pid_command(&self, s: &Settings, sup: Supervisor) -> String {
        match sup {
            Supervisor::Systemd => format!(
                "systemctl show -p MainPID --value {} 2>/dev/null | grep -v '^0$' || tr -dc 0-9 < {} 2>/dev/null",
                q(&self.unit_file()),
                q(&self.pid_file(s))
            ),
            Supervisor::Daemon => {
                format!("tr -dc 0-9 < {} 2>/dev/null", q(&self.pid_file(s)))
            }
        }
    }

    /// Exits 0 when the daemon runs. Without systemd, hadoop-functions.sh
    /// can leave the launcher's own short-lived pid in the pid file while
    /// the daemon runs (its background child writes `$$` after the parent
    /// wrote `$!`); then `--daemon status` says not running and a second
    /// daemon would be started beside the first, to die on its lock. So
    /// where the status says no and exactly one process of this daemon
    /// runs, the pid file is made to name it, and the daemon counts as
    /// running.
    pub fn running_command(&self, s: &Settings, sup: Supervisor) -> String {
        if sup == Supervisor::Systemd {
            return format!("systemctl is-active --quiet {}", q(&self.unit_file()));
        }
        match self.repair_pid_file(s) {
            Some(repair) => format!("{} || {{ {repair}; }}", self.daemon_status(s)),
            None => self.daemon_status(s),
        }
    }

    /// Starts the daemon and waits until its JVM runs. Without systemd,
    /// the pid file is then made to name it (after which nothing in the
    /// launcher writes it again). Under systemd, a unit file changed since
    /// systemd read it (`herd config push`) is read again first, or the
    /// start would use the old one; and a daemon that dies at once
    /// (bad configuration) is told now, with its journal, rather than by a
    /// probe that times out while systemd restarts it again and again.
    pub fn start_verified(&self, s: &Settings, sup: Supervisor) -> String {
        match sup {
            Supervisor::Systemd => {
                let unit = q(&self.unit_file());
                let wait = match self.proc_name() {
                    Some(name) => format!(
                        "i=0; while [ $i -lt 50 ] && [ -z \"$({live})\" ]; do\n  \
                           case \"$(systemctl show -p SubState --value {unit})\" in auto-restart|failed|dead) break;; esac\n  \
                           sleep 0.2; i=$((i+1))\ndone\n",
                        live = live_pids(name),
                    ),
                    None => "sleep 1\n".to_string(),
                };
                // One started outside the unit would hold the ports.
                format!(
                    "if {status} >/dev/null 2>&1; then\n  \
                       echo \"herd: {role} runs outside its systemd unit: stopping it to start it under {unit}\" >&2\n  \
                       {stop}\n\
                     fi\n\
                     [ \"$(systemctl show -p NeedDaemonReload --value {unit})\" != yes ] || systemctl daemon-reload\n\
                     systemctl start {unit} || exit $?\n{wait}\
                     if ! systemctl is-active --quiet {unit}; then\n  \
                       echo \"{unit} did not stay up ($(systemctl show -p SubState --value {unit})); its journal:\" >&2\n  \
                       journalctl -u {unit} -n 20 --no-pager >&2 2>/dev/null\n  \
                       exit 1\n\
                     fi",
                    status = self.daemon_status(s),
                    stop = self.daemon_stop(s),
                    role = self.role,
                )
            }
            Supervisor::Daemon => {
                let start = self.daemon_start(s);
                let (Some(name), Some(repair)) = (self.proc_name(), self.repair_pid_file(s)) else {
                    return start;
                };
                format!(
                    "{start} || exit $?\n\
                     i=0; while [ $i -lt 50 ] && [ -z \"$({live})\" ]; do sleep 0.2; i=$((i+1)); done\n\
                     {status} >/dev/null 2>&1 || {{ {repair}; }} || echo \"herd: no single running {role} process to put in its pid file\" >&2\n\
                     true",
                    live = live_pids(name),
                    status = self.daemon_status(s),
                    role = self.role,
                )
            }
        }
    }

    /// Exits 0 after pointing the pid file at the one running process of
    /// this daemon; 1 when none or several run (then nothing is touched).
    fn repair_pid_file(&self, s: &Settings) -> Option<String> {
        let name = self.proc_name()?;
        let pid_file = q(&self.pid_file(s));
        Some(format!(
            "set -- $({live}); [ $# -eq 1 ] && {{ o=$(cat {pid_file} 2>/dev/null); [ \"$o\" = \"$1\" ] || {{ echo \"$1\" > {pid_file} && echo \"herd: the {role} pid file named ${{o:-nothing}}, not the running {role} (pid $1): repaired\" >&2; }}; }}",
            live = live_pids(name),
            role = self.role,
        ))
    }
}
