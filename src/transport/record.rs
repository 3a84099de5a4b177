//! Task records on the host. A recorded command runs detached from its SSH
//! session, and the host's own shell writes down that it started (run, task,
//! the process group it runs in), its output, and its exit status when it
//! ends. They survive the controller: when herd is killed, or its machine
//! loses power or network, the command goes on, and whoever comes next asks
//! the host what became of it instead of running it a second time beside
//! the first.
//!
//! Layout: `~/.herd/tasks/<run>/<host>/<stage>.<digest>.<attempt>.{started,out,err}`.
//! `started` is created with O_EXCL, so one task is never started twice
//! under one key whatever the controllers do; its `exit=` line is appended
//! only after the command has ended. A record is removed once the outcome it
//! holds has been seen. Two files created a task, in a directory per host:
//! hosts that share a home (loopback fleets) then do not queue on one
//! directory's lock.

use crate::shell::quote;
use std::time::Duration;

use super::output::ExecOutput;
use super::sudo::{Sudo, signal_group};

/// Where the records live, below the login user's home on each host.
pub const RECORD_ROOT: &str = ".herd/tasks";

/// Output tail kept when a record is read back: enough for an error message
/// and the journal, not a whole log.
const TAIL_BYTES: usize = 64 * 1024;

/// Marks the end of the header the query prints before the stdout tail.
const HEADER_END: &str = "herd-record:end";

/// Longest a single remote wait lasts; a longer wait is several of them, so a
/// controller that dies mid-wait leaves nothing waiting on the host for long.
pub const MAX_REMOTE_WAIT: Duration = Duration::from_secs(60);

/// The record a command leaves on its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// The run that starts the task.
    pub run: String,
    /// File name of the record within the run's directory (see [`key`]).
    pub key: String,
    /// Human-readable task name, written into the record.
    pub task: String,
    /// The host kills the command's process group after this long, so a
    /// command outlives neither its timeout nor a dead controller's.
    pub timeout: Option<Duration>,
}

/// What a host says of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRecord {
    /// No record: the command never started there.
    Absent,
    /// Started and still running, for `elapsed` so far.
    Running { elapsed: Duration },
    /// Ended with this exit status (128+N: killed by signal N).
    Finished {
        exit_status: u32,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// Started, but neither it nor the shell that ran it is alive, and no
    /// exit status was written: killed with the shell, or the host rebooted.
    Lost { rebooted: bool },
}

/// A record's path below its run: `<host>/<stage>.<digest>.<attempt>`, so
/// that loopback hosts sharing one home keep apart, and each retry is a
/// record of its own. Only `[A-Za-z0-9._-]` survive in the names; a digest
/// of the exact names keeps two stages that differ only in other characters
/// apart.
pub fn key(host: &str, stage: &str, attempt: u32) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{host}\0{stage}").as_bytes());
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}/{}.{short}.{attempt}", host_dir(host), clean(stage))
}

/// The directory of `host`'s records below a run's.
pub fn host_dir(host: &str) -> String {
    clean(host)
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect()
}

fn record_path(run: &str, key: &str) -> String {
    format!("\"$HOME\"/{RECORD_ROOT}/{}/{}", quote(run), quote(key))
}

/// The shell text that runs `command` detached and recorded. Runs in bash's
/// POSIX mode or in /bin/sh (see `exec::wrap_command`). It reports the
/// command's process group on stderr (`herd-pgid:`), waits for it, records
/// the exit status, then replays the output to the channel; the controller
/// sees what it would have seen without the record.
///
/// The record holds the command's output, which may show secrets: it is
/// made under umask 077 (directories 0700, files 0600), and the command
/// itself runs with the umask the login gave it, read from
/// `/proc/$$/status` rather than `$(umask)`, which would cost every task a
/// fork.
///
/// The command runs in a process group of its own, child of the session's
/// shell: killing that group (timeout, Ctrl-C) leaves the shell alive to
/// write the status down, and a dropped connection signals neither, since a
/// session without a terminal gets no hangup. bash makes the group with job
/// control for one fork; another shell needs `setsid`.
///
/// A command run through `sudo` has processes of the become user in that
/// group, which the login user may not signal: the watchdog kills through
/// sudo as that user too. The record itself stays the login user's.
pub(super) fn durable_command(rec: &TaskRecord, command: &str, sudo: Option<&Sudo>) -> String {
    let path = record_path(&rec.run, &rec.key);
    let cmd = quote(command);
    let timeout = rec.timeout.map(|t| t.as_secs().max(1)).unwrap_or(0);
    let watch_here = format!(
        "sleep {timeout}; {}; sleep 5; {}",
        signal_group(sudo, "TERM", "\"$c\""),
        signal_group(sudo, "KILL", "\"$c\"")
    );
    let watch_apart = quote(&format!(
        "sleep \"$1\"; {}; sleep 5; {}",
        signal_group(sudo, "TERM", "\"$2\""),
        signal_group(sudo, "KILL", "\"$2\"")
    ));
    format!(
        r#"f={path}; d="${{f%/*}}"; u=
while read -r k v; do [ "$k" != Umask: ] || {{ u=$v; break; }}; done </proc/$$/status 2>/dev/null; [ -n "$u" ] || u=$(umask); umask 077
{{ [ -d "$d" ] || mkdir -p "$d"; }} 2>/dev/null || {{ printf 'herd: cannot create the task record directory %s on this host\n' "$d" >&2; exit 125; }}
b=; read -r b </proc/sys/kernel/random/boot_id 2>/dev/null
set -C
if ! printf 'run=%s\ntask=%s\nshell=%s\nboot=%s\nstart=%s\n' {run} {task} "$$" "$b" "${{EPOCHSECONDS:-$(date +%s)}}" 2>/dev/null >"$f.started"; then
  printf 'herd: this task already started on this host (record %s): not starting it twice\n' "$f.started" >&2; exit 125
fi
set +C
if [ -n "${{BASH_VERSION-}}" ]; then set -m; (umask "$u"; eval {cmd}) </dev/null >"$f.out" 2>"$f.err" & c=$!; set +m
else setsid /bin/sh -c "umask $u; "{cmd} </dev/null >"$f.out" 2>"$f.err" & c=$!; fi
printf 'pgid=%s\n' "$c" >>"$f.started"
printf 'herd-pgid:%s\n' "$c" >&2
w=
if [ {timeout} -gt 0 ]; then
  if [ -n "${{BASH_VERSION-}}" ]; then set -m; ({watch_here}) >/dev/null 2>&1 </dev/null & w=$!; set +m
  else setsid /bin/sh -c {watch_apart} herd {timeout} "$c" >/dev/null 2>&1 </dev/null & w=$!; fi
fi
wait "$c"; rc=$?
[ -z "$w" ] || kill -KILL -"$w" 2>/dev/null
printf 'exit=%s\n' "$rc" >>"$f.started"
[ ! -s "$f.out" ] || cat "$f.out"
[ ! -s "$f.err" ] || cat "$f.err" >&2
exit "$rc""#,
        run = quote(&rec.run),
        task = quote(&rec.task.replace('\n', " ")),
    )
}

/// Asks the host about one record, first waiting up to `wait` for a running
/// command to end. Prints a `key=value` header, [`HEADER_END`], then the
/// stdout tail; the stderr tail goes to stderr.
pub fn query_command(run: &str, key: &str, wait: Duration) -> String {
    let path = record_path(run, key);
    let ticks = (wait.min(MAX_REMOTE_WAIT).as_millis() / 200) as u64;
    format!(
        r#"f={path}
[ -f "$f.started" ] || {{ echo state=absent; echo {HEADER_END}; exit 0; }}
s=; c=; b=; t=; rc=
ended() {{ while IFS='=' read -r k v; do case "$k" in shell) s=$v;; pgid) c=$v;; boot) b=$v;; start) t=$v;; exit) rc=$v;; esac; done <"$f.started"; [ -n "$rc" ]; }}
ended
nb=; read -r nb </proc/sys/kernel/random/boot_id 2>/dev/null
alive() {{ [ "$b" = "$nb" ] && {{ {{ [ -n "$s" ] && kill -0 "$s"; }} || {{ [ -n "$c" ] && kill -0 "$c"; }}; }} 2>/dev/null; }}
i=0
while ! ended && [ $i -lt {ticks} ] && alive; do sleep 0.2 2>/dev/null || sleep 1; i=$((i+1)); done
now=${{EPOCHSECONDS:-$(date +%s)}}
echo "start=$t"; echo "now=$now"
if ended; then
  echo state=finished; echo "exit=$rc"; echo {HEADER_END}
  tail -c {TAIL_BYTES} "$f.out" 2>/dev/null; tail -c {TAIL_BYTES} "$f.err" >&2 2>/dev/null
elif alive; then echo state=running; echo {HEADER_END}
elif [ "$b" != "$nb" ]; then echo state=lost; echo rebooted=yes; echo {HEADER_END}
else echo state=lost; echo {HEADER_END}
fi
exit 0"#
    )
}

/// Reads what [`query_command`] printed.
pub fn parse_query(out: &ExecOutput) -> Result<HostRecord, String> {
    let text = &out.stdout;
    let marker = format!("{HEADER_END}\n");
    let Some(at) = find(text, marker.as_bytes()) else {
        return Err(format!(
            "the host's answer about the task record is incomplete: {}",
            String::from_utf8_lossy(text).trim()
        ));
    };
    let header = String::from_utf8_lossy(&text[..at]);
    let body = text[at + marker.len()..].to_vec();
    let field = |name: &str| {
        header
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
            .map(str::to_string)
    };
    let number = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok());
    match field("state").as_deref() {
        Some("absent") => Ok(HostRecord::Absent),
        Some("running") => {
            let elapsed = match (number("start"), number("now")) {
                (Some(s), Some(n)) => Duration::from_secs(n.saturating_sub(s)),
                _ => Duration::ZERO,
            };
            Ok(HostRecord::Running { elapsed })
        }
        Some("finished") => {
            let exit_status = number("exit")
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("the task record holds no exit status: {header}"))?;
            Ok(HostRecord::Finished {
                exit_status,
                stdout: body,
                stderr: out.stderr.clone(),
            })
        }
        Some("lost") => Ok(HostRecord::Lost {
            rebooted: field("rebooted").is_some(),
        }),
        other => Err(format!(
            "the host's answer about the task record has no known state ({other:?})"
        )),
    }
}

/// Removes the records whose outcomes were seen, and their directories once
/// empty (each host's, then each run's). `records` holds (run, key) pairs.
pub fn cleanup_command(records: &[(String, String)]) -> String {
    let mut files = String::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut runs: Vec<String> = Vec::new();
    for (run, key) in records {
        files.push_str(&format!(" {}/{}.*", quote(run), quote(key)));
        if let Some((host, _)) = key.rsplit_once('/') {
            let dir = format!("{}/{}", quote(run), quote(host));
            if !hosts.contains(&dir) {
                hosts.push(dir);
            }
        }
        if !runs.contains(&quote(run)) {
            runs.push(quote(run));
        }
    }
    let dirs: String = hosts
        .iter()
        .chain(runs.iter())
        .map(|d| format!(" {d}"))
        .collect();
    format!(
        "cd \"$HOME\"/{RECORD_ROOT} 2>/dev/null || exit 0; rm -f --{files}; rmdir --{dirs} 2>/dev/null; exit 0"
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_only_safe_characters_and_differ_per_host_stage_and_attempt() {
        let k = key("web01", "start db; rm -rf /", 2);
        assert!(
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)),
            "{k}"
        );
        assert!(
            k.starts_with("web01/start_db__rm_-rf__.") && k.ends_with(".2"),
            "{k}"
        );
        assert_eq!(k.matches('/').count(), 1, "{k}");
        assert_ne!(key("a", "s", 1), key("b", "s", 1));
        assert_ne!(key("a", "s", 1), key("a", "s", 2));
        assert_ne!(key("a", "s:x", 1), key("a", "s;x", 1));
    }

    fn answer(stdout: &str, stderr: &str) -> ExecOutput {
        ExecOutput {
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
            exit_status: Some(0),
            signal: None,
        }
    }

    #[test]
    fn answers_parse_into_the_four_states() {
        assert_eq!(
            parse_query(&answer("state=absent\nherd-record:end\n", "")),
            Ok(HostRecord::Absent)
        );
        assert_eq!(
            parse_query(&answer(
                "start=100\nnow=103\nstate=running\nherd-record:end\n",
                ""
            )),
            Ok(HostRecord::Running {
                elapsed: Duration::from_secs(3)
            })
        );
        assert_eq!(
            parse_query(&answer(
                "start=1\nnow=2\nstate=finished\nexit=3\nherd-record:end\nout\nstate=absent\n",
                "err\n"
            )),
            Ok(HostRecord::Finished {
                exit_status: 3,
                stdout: b"out\nstate=absent\n".to_vec(),
                stderr: b"err\n".to_vec()
            })
        );
        assert_eq!(
            parse_query(&answer(
                "start=1\nnow=2\nstate=lost\nrebooted=yes\nherd-record:end\n",
                ""
            )),
            Ok(HostRecord::Lost { rebooted: true })
        );
        assert!(parse_query(&answer("state=finished\n", "")).is_err());
        assert!(parse_query(&answer("state=finished\nherd-record:end\n", "")).is_err());
    }

    /// The scripts run under dash too (a login shell other than bash), where
    /// `setsid` makes the process groups.
    #[test]
    fn the_record_scripts_work_under_bash_and_dash() {
        for shell in ["bash", "dash"] {
            if std::process::Command::new(shell)
                .arg("-c")
                .arg("true")
                .status()
                .is_err()
            {
                continue;
            }
            let home = tempfile::tempdir().unwrap();
            let sh = |script: &str| super::super::output::run_locally(shell, home.path(), script);
            let rec = TaskRecord {
                run: "r1".into(),
                key: key("h", "s", 1),
                task: "s on h".into(),
                timeout: None,
            };
            let q = query_command("r1", &rec.key, Duration::ZERO);
            assert_eq!(parse_query(&sh(&q)), Ok(HostRecord::Absent), "{shell}");
            let out = sh(&durable_command(
                &rec,
                r#"echo out; echo "it's" >&2; exit 3"#,
                None,
            ));
            assert_eq!(out.exit_status, Some(3), "{shell}: {out:?}");
            assert_eq!(out.stdout, b"out\n", "{shell}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("herd-pgid:") && err.ends_with("it's\n"),
                "{shell}: {err}"
            );
            assert_eq!(
                parse_query(&sh(&q)),
                Ok(HostRecord::Finished {
                    exit_status: 3,
                    stdout: b"out\n".to_vec(),
                    stderr: b"it's\n".to_vec()
                }),
                "{shell}"
            );
            // The record is the user's alone; the command keeps its umask.
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            let run_dir = home.path().join(RECORD_ROOT).join("r1");
            assert_eq!(mode(&run_dir), 0o700, "{shell}");
            assert_eq!(mode(&run_dir.join(host_dir("h"))), 0o700, "{shell}");
            let started = run_dir.join(format!("{}.started", rec.key));
            assert_eq!(mode(&started), 0o600, "{shell}");
            let umask = TaskRecord {
                key: key("h", "umask", 1),
                ..rec.clone()
            };
            let out = sh(&format!(
                "umask 022; {}",
                durable_command(&umask, "umask; : >\"$HOME/made\"", None)
            ));
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "0022",
                "{shell}"
            );
            assert_eq!(mode(&home.path().join("made")), 0o644, "{shell}");
            assert_eq!(
                mode(&run_dir.join(format!("{}.out", umask.key))),
                0o600,
                "{shell}"
            );
            // The same key again is refused, not run twice.
            let again = sh(&durable_command(&rec, "echo ran-twice", None));
            assert_eq!(again.exit_status, Some(125), "{shell}");
            assert!(!String::from_utf8_lossy(&again.stdout).contains("ran-twice"));
            // The host-side timeout kills the command's group and records it.
            let slow = TaskRecord {
                key: key("h", "slow", 1),
                timeout: Some(Duration::from_secs(1)),
                ..rec.clone()
            };
            let started = std::time::Instant::now();
            let out = sh(&durable_command(&slow, "sleep 30", None));
            assert!(started.elapsed() < Duration::from_secs(10), "{shell}");
            assert_eq!(out.exit_status, Some(143), "{shell}: {out:?}");
            sh(&cleanup_command(&[
                ("r1".into(), rec.key.clone()),
                ("r1".into(), slow.key.clone()),
                ("r1".into(), umask.key.clone()),
            ]));
            assert!(
                !home.path().join(RECORD_ROOT).join("r1").exists(),
                "{shell}"
            );
        }
    }
}
