//! What the bring-up prepares on a host before any daemon starts: root
//! (the only one who can make the accounts and hand the directories over),
//! the host's supervisor as the inventory says, the service accounts, and
//! every directory with the owner and mode Hadoop expects; then the units
//! systemd runs the daemons from. And, once HDFS is writable, the HDFS
//! directories the MapReduce and YARN daemons expect to exist.

use serde_json::{Value, json};

use super::Topology;
use super::services;
use super::settings::{ACCOUNTS, Account, Supervisor};
use crate::model::Host;
use crate::shell::quote as q;

/// One directory: its owner account (None: root) and mode.
struct Dir<'a> {
    path: &'a str,
    owner: Option<Account>,
    mode: &'static str,
}

/// `hosts.<host>` of the template object: `prepare` (the preflight's
/// script), `units.current` (exits 0 when every unit is installed,
/// enabled and loaded as written) and `units.install`.
pub fn template(topo: &Topology, host: &Host) -> Value {
    let units = services::on_host(host)
        .iter()
        .map(|s| s.unit_file())
        .collect::<Vec<_>>();
    let systemd = topo.supervisor(&host.name) == Supervisor::Systemd && !units.is_empty();
    let (current, install) = if systemd {
        let list = units.iter().map(|u| q(u)).collect::<Vec<_>>().join(" ");
        (
            format!(
                "for u in {list}; do systemctl is-enabled --quiet \"$u\" || exit 1; \
                 [ \"$(systemctl show -p NeedDaemonReload --value \"$u\")\" != yes ] || exit 1; done"
            ),
            format!("systemctl daemon-reload && systemctl enable --quiet {list}"),
        )
    } else {
        ("true".to_string(), "true".to_string())
    };
    json!({
        "prepare": prepare(topo, host),
        "units": { "current": current, "install": install },
    })
}

/// The preflight: refuses a host where herd is not root or whose supervisor
/// is not there, then makes the accounts and directories. Directories that
/// exist keep their contents; one owned by another account (a cluster run
/// as root before) is handed over whole, since its daemon could not read
/// its own data otherwise.
fn prepare(topo: &Topology, host: &Host) -> String {
    let s = &topo.settings;
    let u = &s.users;
    let group = q(&u.group);
    let mut out = String::from("set -e\n");
    out.push_str(
        "if [ \"$(id -u)\" != 0 ]; then\n  \
           echo \"herd needs root on this host to create the service accounts and run each daemon as its own: it is $(id -un) here (log in as root, or set become: true in the inventory)\" >&2; exit 1\n\
         fi\n",
    );
    if topo.supervisor(&host.name) == Supervisor::Systemd {
        out.push_str(
            "if [ ! -d /run/systemd/system ]; then\n  \
               echo \"the inventory says supervisor: systemd, but this host runs $(cat /proc/1/comm 2>/dev/null || echo '?') as PID 1, not systemd (set supervisor: daemon for it)\" >&2; exit 1\n\
             fi\n",
        );
    }
    // The group first: every account has it as its primary group.
    let gid = u.gid.map(|g| format!(" --gid {g}")).unwrap_or_default();
    out.push_str(&format!(
        "if ! getent group {group} >/dev/null; then groupadd --system{gid} {group}\n"
    ));
    if let Some(g) = u.gid {
        out.push_str(&format!(
            "elif [ \"$(getent group {group} | cut -d: -f3)\" != {g} ]; then\n  \
               echo \"group {gr} has gid $(getent group {group} | cut -d: -f3) here, the inventory says {g}: not changing it (files on this host belong to the old gid)\" >&2; exit 1\n",
            gr = u.group,
        ));
    }
    out.push_str("fi\n");
    out.push_str(&format!(
        "account() {{\n  \
           if id -u \"$1\" >/dev/null 2>&1; then\n    \
             if [ -n \"$2\" ] && [ \"$(id -u \"$1\")\" != \"$2\" ]; then\n      \
               echo \"account $1 has uid $(id -u \"$1\") here, the inventory says $2: not changing it (files on this host belong to the old uid)\" >&2; return 1\n    \
             fi\n    \
             id -nG \"$1\" | tr ' ' '\\n' | grep -qx {group} || usermod -a -G {group} \"$1\"\n  \
           else\n    \
             useradd --system --gid {group} ${{2:+--uid \"$2\"}} --home-dir \"/var/lib/$1\" --create-home --shell /usr/sbin/nologin \"$1\"\n  \
           fi\n\
         }}\n"
    ));
    for (_, a) in ACCOUNTS {
        if !topo_needs(topo, *a) {
            continue;
        }
        let user = u.get(*a);
        let uid = user.uid.map(|n| n.to_string()).unwrap_or_default();
        out.push_str(&format!("account {} {}\n", q(&user.name), q(&uid)));
    }
    out.push_str(&format!(
        "dir() {{\n  \
           o=$1; m=$2; shift 2\n  \
           for d; do\n    \
             if [ -d \"$d\" ]; then\n      \
               [ \"$(stat -c %U \"$d\")\" = \"$o\" ] || chown -R \"$o:\"{group} \"$d\"\n      \
               chmod \"$m\" \"$d\"\n    \
             else\n      \
               install -d -o \"$o\" -g {group} -m \"$m\" \"$d\"\n    \
             fi\n  \
           done\n\
         }}\n"
    ));
    for d in dirs(topo, host) {
        let owner = d.owner.map(|a| u.name(a)).unwrap_or("root");
        out.push_str(&format!("dir {} {} {}\n", q(owner), d.mode, q(d.path)));
    }
    out
}

/// Whether some host of the cluster runs a daemon of account `a`.
fn topo_needs(topo: &Topology, a: Account) -> bool {
    services::SERVICES
        .iter()
        .any(|svc| svc.account == a && !topo.hosts(svc.role).is_empty())
}

/// The directories `host` needs, with owners and modes. Shared ones (logs,
/// pid files, hadoop.tmp.dir) belong to root and the group, so every
/// account writes its own files there; a daemon's data is its own
/// account's alone (dfs.*.dir.perm is 700).
fn dirs<'a>(topo: &'a Topology, host: &Host) -> Vec<Dir<'a>> {
    let s = &topo.settings;
    let d = &s.dirs;
    let has = |r: &str| host.roles.iter().any(|x| x == r);
    let mut out = vec![
        Dir {
            path: &s.install_dir,
            owner: None,
            mode: "755",
        },
        Dir {
            path: &d.pid,
            owner: None,
            mode: "775",
        },
    ];
    let own = |path: &'a str, a: Account, mode: &'static str| Dir {
        path,
        owner: Some(a),
        mode,
    };
    let hadoop = super::HADOOP_ROLES.iter().any(|r| has(r));
    if hadoop {
        out.push(Dir {
            path: &d.log,
            owner: None,
            mode: "775",
        });
        out.push(Dir {
            path: &d.tmp,
            owner: None,
            mode: "1777",
        });
    }
    if has("namenode") {
        out.extend(d.name.iter().map(|p| own(p, Account::Hdfs, "700")));
    }
    if has("datanode") {
        out.extend(d.data.iter().map(|p| own(p, Account::Hdfs, "700")));
    }
    if has("journalnode") {
        out.push(own(&d.journal, Account::Hdfs, "700"));
    }
    if has("nodemanager") {
        out.extend(d.yarn_local.iter().map(|p| own(p, Account::Yarn, "755")));
        out.extend(d.yarn_log.iter().map(|p| own(p, Account::Yarn, "755")));
        out.push(own(&d.nm_recovery, Account::Yarn, "700"));
    }
    if has("zookeeper") {
        out.push(own(&d.zookeeper, Account::ZooKeeper, "750"));
        out.push(own(&d.zookeeper_log, Account::ZooKeeper, "755"));
    }
    if has("mesos-master") {
        out.push(own(&d.mesos_master, Account::Mesos, "750"));
    }
    if has("mesos-agent") {
        out.push(own(&d.mesos_agent, Account::Mesos, "750"));
    }
    if has("mesos-master") || has("mesos-agent") {
        out.push(own(&d.mesos_log, Account::Mesos, "755"));
    }
    if has("spark-history") {
        out.push(own(&d.spark_log, Account::Spark, "755"));
    }
    out
}

/// One HDFS directory the daemons or their users expect.
struct HdfsDir {
    path: String,
    owner: Account,
    mode: &'static str,
}

/// The HDFS directories, as the Hadoop docs and Bigtop's `init-hcfs.json`
/// give them: `/tmp` and `/user` for everyone, the MapReduce staging root
/// (each user's `.staging` below it is made by the job client, the
/// JobHistory done dirs below `history` by the JobHistory server), and
/// YARN's aggregated-log root when log aggregation is on. `run` (as the
/// HDFS superuser; the mkdir, then chmod and chown side by side) and `marker`, a state file named
/// after what `run` does, so a changed list runs again.
pub fn hdfs_dirs(topo: &Topology) -> Value {
    let s = &topo.settings;
    let key = |file: &str, key: &str, default: &str| -> String {
        match s.override_of(file, key) {
            Some(Some(v)) => v.clone(),
            _ => default.to_string(),
        }
    };
    let staging = key(
        "mapred-site",
        "yarn.app.mapreduce.am.staging-dir",
        "/tmp/hadoop-yarn/staging",
    );
    let mut dirs = vec![
        HdfsDir {
            path: "/tmp".into(),
            owner: Account::Hdfs,
            mode: "1777",
        },
        HdfsDir {
            path: "/user".into(),
            owner: Account::Hdfs,
            mode: "755",
        },
        HdfsDir {
            path: staging.clone(),
            owner: Account::Mapred,
            mode: "1777",
        },
        HdfsDir {
            path: format!("{staging}/history"),
            owner: Account::Mapred,
            mode: "755",
        },
    ];
    // Spark's: every user's jobs write their event logs into one directory
    // (sticky, so none removes another's), the jars' archive is read by
    // every NodeManager (world-readable, so YARN caches it once per host).
    if !topo.hosts("spark-history").is_empty() {
        let sp = &s.spark;
        dirs.push(HdfsDir {
            path: sp.event_log_dir.clone(),
            owner: Account::Spark,
            mode: "1777",
        });
        dirs.push(HdfsDir {
            path: sp.archive_dir.clone(),
            owner: Account::Spark,
            mode: "755",
        });
        dirs.push(HdfsDir {
            path: format!("/user/{}", s.users.name(Account::Spark)),
            owner: Account::Spark,
            mode: "755",
        });
    }
    if key("yarn-site", "yarn.log-aggregation-enable", "false") == "true" {
        dirs.push(HdfsDir {
            path: key(
                "yarn-site",
                "yarn.nodemanager.remote-app-log-dir",
                "/tmp/logs",
            ),
            owner: Account::Yarn,
            mode: "1777",
        });
    }
    let hdfs = super::daemon_control::hdfs_admin(s);
    let words = |d: &[&HdfsDir]| d.iter().map(|d| q(&d.path)).collect::<Vec<_>>().join(" ");
    let all: Vec<&HdfsDir> = dirs.iter().collect();
    let mut run = format!("set -e\n{hdfs} dfs -mkdir -p {}\n", words(&all));
    // chmod and chown are independent once the directories exist.
    let mut parallel = Vec::new();
    for mode in ["1777", "755"] {
        let these: Vec<&HdfsDir> = dirs.iter().filter(|d| d.mode == mode).collect();
        if !these.is_empty() {
            parallel.push(format!("{hdfs} dfs -chmod {mode} {}", words(&these)));
        }
    }
    // Every directory gets the group too: HDFS would give it its supergroup.
    let mut owners: Vec<Account> = dirs.iter().map(|d| d.owner).collect();
    owners.sort();
    owners.dedup();
    for owner in owners {
        let these: Vec<&HdfsDir> = dirs.iter().filter(|d| d.owner == owner).collect();
        parallel.push(format!(
            "{hdfs} dfs -chown {} {}",
            q(&format!("{}:{}", s.users.name(owner), s.users.group)),
            words(&these)
        ));
    }
    let mut waits = Vec::new();
    for (i, cmd) in parallel.iter().enumerate() {
        run.push_str(&format!("{cmd} & p{i}=$!\n"));
        waits.push(format!("wait \"$p{i}\""));
    }
    run.push_str(&waits.join("\n"));
    run.push('\n');
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(run.as_bytes());
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "run": run,
        "marker": format!("{}/hdfs-dirs-{short}", s.state_dir()),
    })
}
