//! The cluster lease: one run at a time on a cluster's hosts, whichever
//! controller it comes from. The state directory's lock only excludes runs
//! that share a machine; two operators on two machines would otherwise both
//! pass the same `creates`/`once` guards.
//!
//! Each host holds `~/.herd/lease/<address>_<port>`, created with O_EXCL by
//! the run that takes it and naming that run, its cluster, its controller
//! machine and process. The lease is the host's, not the cluster name's:
//! two inventories that call one cluster differently still exclude each
//! other. A lease outlives a controller that crashed; whoever comes next
//! sees who held it and decides (see [`Holder::is_stale_here`]) whether it
//! may be taken over. Hosts sharing a home (loopback fleets, reached at
//! different ports) keep one file each.

use crate::shell::quote;

use super::output::ExecOutput;

/// Where leases live, below the login user's home on each host.
pub const LEASE_ROOT: &str = ".herd/lease";

/// Who holds a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub run: String,
    pub cluster: String,
    /// The controller machine's host name.
    pub controller: String,
    pub pid: u32,
    /// The process's start time in clock ticks since boot (`/proc/PID/stat`
    /// field 22), so a pid reused by another process is not taken for it.
    pub pid_start: u64,
    /// Unix time the lease was taken.
    pub since: u64,
}

/// What a host answered when asked for the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseAnswer {
    /// The lease is ours now (or already was).
    Taken,
    /// Another run holds it.
    Held(Holder),
}

impl Holder {
    /// This process, holding the lease for `run`.
    pub fn this_process(run: &str, cluster: &str) -> Holder {
        let pid = std::process::id();
        Holder {
            run: run.to_string(),
            cluster: cluster.to_string(),
            controller: controller_name(),
            pid,
            pid_start: process_start(pid).unwrap_or(0),
            since: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        }
    }

    /// The holder ran on this machine and its process is gone (or the pid
    /// now names another process): the run crashed or was killed, and its
    /// lease may be taken over. A holder on another machine cannot be
    /// checked from here.
    pub fn is_stale_here(&self) -> bool {
        self.controller == controller_name()
            && process_start(self.pid).is_none_or(|start| start != self.pid_start)
    }

    /// `run R (controller C, pid P, since T)`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "run {} of cluster {} (controller {}, pid {}, taken at unix time {})",
            self.run, self.cluster, self.controller, self.pid, self.since
        )
    }
}

/// This machine's host name, as leases name their controller.
pub fn controller_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Field 22 of `/proc/PID/stat`; None when no such process runs.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

fn lease_path(key: &str) -> String {
    format!("\"$HOME\"/{LEASE_ROOT}/{}", quote(&clean(key)))
}

/// Only `[A-Za-z0-9._-]` in a path part, and never `.` or `..` alone.
fn clean(s: &str) -> String {
    let c: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if c.chars().all(|c| c == '.') {
        c.replace('.', "_")
    } else {
        c
    }
}

/// Takes lease `key` for `me`, or prints who holds it. With `replacing`,
/// a lease held by that run is replaced: it was found stale, or the
/// operator broke it.
pub fn acquire_command(key: &str, me: &Holder, replacing: Option<&str>) -> String {
    let f = lease_path(key);
    let replace = match replacing {
        Some(run) => format!(
            "if {}; then rm -f \"$f\"; fi\n",
            holds(&format!("run={run}"))
        ),
        None => String::new(),
    };
    // noclobber is set and unset in this shell rather than in a subshell:
    // the lease is taken once per host and run, and a fork is most of what
    // a command costs the host.
    format!(
        r#"f={f}; d="${{f%/*}}"
{{ [ -d "$d" ] || mkdir -p "$d"; }} 2>/dev/null || {{ printf 'herd: cannot create the lease directory %s on this host\n' "$d" >&2; exit 125; }}
{replace}set -C; t=; {{ printf 'run=%s\ncluster=%s\ncontroller=%s\npid=%s\npid_start=%s\nsince=%s\n' {run} {cluster} {controller} {pid} {pid_start} {since} >"$f"; }} 2>/dev/null && t=1; set +C
if [ -n "$t" ]; then echo lease=taken; exit 0; fi
if {mine}; then echo lease=taken; exit 0; fi
echo lease=held; cat "$f" 2>/dev/null; exit 0"#,
        run = quote(&me.run),
        cluster = quote(&me.cluster),
        controller = quote(&me.controller),
        pid = me.pid,
        pid_start = me.pid_start,
        since = me.since,
        mine = holds(&format!("run={}", me.run)),
    )
}

/// Gives lease `key` back, if `run` still holds it. Ends without `exit`, so
/// it can run ahead of the run's other last words to the host.
pub fn release_command(key: &str, run: &str) -> String {
    format!(
        "f={}; if {}; then rm -f \"$f\"; fi; true",
        lease_path(key),
        holds(&format!("run={run}"))
    )
}

/// A test that lease file `$f` has the line `line`, with the shell's own
/// `read` rather than grep: one exec fewer per host at each end of a run.
fn holds(line: &str) -> String {
    format!(
        "{{ h=; while IFS= read -r l || [ -n \"$l\" ]; do [ \"$l\" != {} ] || {{ h=1; break; }}; done <\"$f\"; [ -n \"$h\" ]; }} 2>/dev/null",
        quote(line)
    )
}

/// Counts the tasks of `run` still running on this host: records started,
/// with no exit status, whose shell or process group is alive since the
/// same boot. Prints `busy=N`.
pub fn busy_command(run: &str, host_dir: &str) -> String {
    format!(
        r#"n=0; nb=; read -r nb </proc/sys/kernel/random/boot_id 2>/dev/null
for f in "$HOME"/{root}/{run}/{dir}/*.started; do
  [ -f "$f" ] || continue
  s=; c=; b=; rc=
  while IFS='=' read -r k v; do case "$k" in shell) s=$v;; pgid) c=$v;; boot) b=$v;; exit) rc=$v;; esac; done <"$f"
  [ -z "$rc" ] && [ "$b" = "$nb" ] && {{ {{ [ -n "$s" ] && kill -0 "$s"; }} || {{ [ -n "$c" ] && kill -0 "$c"; }}; }} 2>/dev/null && n=$((n+1))
done
echo "busy=$n"; exit 0"#,
        root = super::record::RECORD_ROOT,
        run = quote(run),
        dir = quote(host_dir),
    )
}

/// Reads what [`acquire_command`] printed.
pub fn parse_acquire(out: &ExecOutput) -> Result<LeaseAnswer, String> {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().map(str::trim);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name)?.strip_prefix('='))
            .map(str::to_string)
    };
    match lines.find(|l| l.starts_with("lease=")) {
        Some("lease=taken") => Ok(LeaseAnswer::Taken),
        Some("lease=held") => Ok(LeaseAnswer::Held(Holder {
            run: field("run").unwrap_or_else(|| "(unknown)".into()),
            cluster: field("cluster").unwrap_or_else(|| "(unknown)".into()),
            controller: field("controller").unwrap_or_else(|| "(unknown)".into()),
            pid: field("pid").and_then(|v| v.parse().ok()).unwrap_or(0),
            pid_start: field("pid_start").and_then(|v| v.parse().ok()).unwrap_or(0),
            since: field("since").and_then(|v| v.parse().ok()).unwrap_or(0),
        })),
        _ => Err(format!(
            "the host's answer about the cluster lease is incomplete: {}{}",
            text.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// Reads what [`busy_command`] printed.
pub fn parse_busy(out: &ExecOutput) -> Result<usize, String> {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("busy="))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no answer about running tasks: {}", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(home: &std::path::Path, script: &str) -> ExecOutput {
        super::super::output::run_locally("/bin/sh", home, script)
    }

    fn holder(run: &str, pid: u32) -> Holder {
        Holder {
            run: run.into(),
            cluster: "c1".into(),
            controller: "ctl".into(),
            pid,
            pid_start: 7,
            since: 100,
        }
    }

    #[test]
    fn a_lease_is_taken_once_names_its_holder_and_is_released_only_by_it() {
        let home = tempfile::tempdir().unwrap();
        let a = holder("run-a", 11);
        let b = holder("run-b", 22);
        let take = |h: &Holder, replacing| {
            parse_acquire(&sh(home.path(), &acquire_command("h1_22", h, replacing)))
        };
        assert_eq!(take(&a, None), Ok(LeaseAnswer::Taken));
        // Taking it again for the same run is fine (a reconnect).
        assert_eq!(take(&a, None), Ok(LeaseAnswer::Taken));
        assert_eq!(take(&b, None), Ok(LeaseAnswer::Held(a.clone())));
        // Another host of the same home is its own lease.
        let other = parse_acquire(&sh(home.path(), &acquire_command("h2_22", &b, None)));
        assert_eq!(other, Ok(LeaseAnswer::Taken));
        // Only the holder's release removes it.
        sh(home.path(), &release_command("h1_22", "run-b"));
        assert_eq!(take(&b, None), Ok(LeaseAnswer::Held(a.clone())));
        sh(home.path(), &release_command("h1_22", "run-a"));
        assert_eq!(take(&b, None), Ok(LeaseAnswer::Taken));
        // Replacing names the run whose lease goes; another's stays.
        assert_eq!(take(&a, Some("run-x")), Ok(LeaseAnswer::Held(b.clone())));
        assert_eq!(take(&a, Some("run-b")), Ok(LeaseAnswer::Taken));
    }

    #[test]
    fn hostile_keys_stay_inside_the_lease_directory() {
        let home = tempfile::tempdir().unwrap();
        let a = holder("run-a", 1);
        for key in ["../../x y;$(id)", ".."] {
            let out = sh(home.path(), &acquire_command(key, &a, None));
            assert_eq!(parse_acquire(&out), Ok(LeaseAnswer::Taken));
        }
        let dir = home.path().join(LEASE_ROOT);
        let made: Vec<_> = walk(&dir);
        assert_eq!(made.len(), 2, "{made:?}");
        assert!(
            made.iter().all(|m| m.parent() == Some(dir.as_path())),
            "{made:?}"
        );
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    #[test]
    fn a_holder_on_this_machine_whose_process_is_gone_is_stale() {
        let me = Holder::this_process("r", "c");
        assert!(!me.is_stale_here(), "{me:?}");
        let reused = Holder {
            pid_start: me.pid_start + 1,
            ..me.clone()
        };
        assert!(reused.is_stale_here());
        let elsewhere = Holder {
            controller: "another-machine".into(),
            pid_start: 0,
            ..me
        };
        assert!(!elsewhere.is_stale_here());
    }

    #[test]
    fn busy_counts_only_live_unfinished_tasks_of_the_run() {
        let home = tempfile::tempdir().unwrap();
        let dir = home
            .path()
            .join(super::super::record::RECORD_ROOT)
            .join("r1")
            .join("h1");
        std::fs::create_dir_all(&dir).unwrap();
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
        let boot = boot.trim();
        let me = std::process::id();
        std::fs::write(dir.join("a.started"), format!("shell={me}\nboot={boot}\n")).unwrap();
        std::fs::write(
            dir.join("b.started"),
            format!("shell={me}\nboot={boot}\nexit=0\n"),
        )
        .unwrap();
        std::fs::write(dir.join("c.started"), format!("shell={me}\nboot=other\n")).unwrap();
        let out = sh(home.path(), &busy_command("r1", "h1"));
        assert_eq!(parse_busy(&out), Ok(1), "{out:?}");
        let out = sh(home.path(), &busy_command("r2", "h1"));
        assert_eq!(parse_busy(&out), Ok(0));
    }
}
