//! The one command a host runs for `herd status`, and reading back what it
//! printed.

use super::layout::HostLayout;
use super::readings::{HostReading, Proc, Supervision, UnitState};
use crate::hadoop::services;
use crate::shell::quote;

/// The one command a host runs: every pid file, the listening ports, the
/// stale file. Output is line-tagged so login-shell noise cannot confuse it.
pub fn host_script(host: &HostLayout, stale_file: &str) -> String {
    // p ROLE PIDFILE [PROC]: up when the pid file names a live process
    // (with -Dproc_PROC on its command line, where the daemon has one);
    // misnamed when it does not but exactly one such process runs.
    let mut s = format!("has() {{ {}; }}\n", services::proc_filter("\"$1\""));
    s.push_str(
        "p() { i=; [ -f \"$2\" ] && i=$(tr -dc 0-9 < \"$2\" 2>/dev/null)\n\
         if [ -n \"$i\" ] && { kill -0 \"$i\" 2>/dev/null || [ -d \"/proc/$i\" ]; } && \
         { [ -z \"${3-}\" ] || [ -n \"$(ps -o pid=,args= -p \"$i\" 2>/dev/null | has \"$3\")\" ]; }; then echo \"herd-proc $1 up $i\"; v \"$1\" \"$i\"\n\
         else l=; [ -z \"${3-}\" ] || l=$(ps -eo pid=,args= 2>/dev/null | has \"$3\"); r=$1; f=$2; set -- $l\n\
         if [ $# -eq 1 ]; then echo \"herd-proc $r misnamed $1 $i\"; v \"$r\" \"$1\"; elif [ -f \"$f\" ]; then echo \"herd-proc $r dead $i\"; else echo \"herd-proc $r none\"; fi; fi; }\n",
    );
    // v ROLE PID: the version the process was started from, from its
    // command line (world-readable, unlike its open files): Hadoop's
    // launchers resolve the install's symlink into -Dhadoop.home.dir
    // (`cd -P`), ZooKeeper's put each of its jars, named by version, on
    // the class path.
    s.push_str(
        "v() { [ -r \"/proc/$2/cmdline\" ] || return 0\n\
         x=$(tr '\\0:' '\\n\\n' < \"/proc/$2/cmdline\" 2>/dev/null | sed -n -e 's|^-Dhadoop.home.dir=.*/||p' -e 's|^.*/zookeeper-\\([0-9][0-9.]*[0-9]\\)\\.jar$|zookeeper-\\1|p' | head -n 1)\n\
         [ -z \"$x\" ] || echo \"herd-ver $1 $x\"; }\n",
    );
    // u ROLE UNIT: the unit's state, one line, whatever order systemctl
    // prints the properties in.
    s.push_str(
        "u() { systemctl show -p ActiveState,SubState,MainPID \"$2\" 2>/dev/null | \
         awk -v r=\"$1\" -F= '{v[$1]=$2} END {if (\"ActiveState\" in v) print \"herd-unit\", r, v[\"ActiveState\"], v[\"SubState\"], v[\"MainPID\"]}' | while read -r t r a b m; do echo \"$t $r $a $b $m\"; [ \"$m\" = 0 ] || v \"$r\" \"$m\"; done; }\n",
    );
    for svc in &host.services {
        if let Some(unit) = &svc.unit {
            s.push_str(&format!("u {} {}\n", svc.role, quote(unit)));
        }
        let marker = services::service(svc.role)
            .and_then(|s| s.proc_name())
            .map(|m| format!(" {}", quote(m)))
            .unwrap_or_default();
        s.push_str(&format!(
            "p {} {}{marker}\n",
            svc.role,
            quote(&svc.pid_file)
        ));
    }
    s.push_str(
        "if command -v ss >/dev/null 2>&1; then echo \"herd-ports $(ss -ltnH 2>/dev/null | awk '{n=split($4,a,\":\"); print a[n]}' | sort -un | tr '\\n' ' ')\"; fi\n",
    );
    s.push_str(&format!(
        "[ -f {f} ] && sed 's/^/herd-stale /' {f}\ntrue\n",
        f = quote(stale_file)
    ));
    s
}

/// Read back what [`host_script`] printed.
pub fn parse_host_output(text: &str) -> HostReading {
    let mut r = HostReading::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("herd-proc") => {
                let (Some(role), Some(state)) = (words.next(), words.next()) else {
                    continue;
                };
                let pid = words.next().and_then(|p| p.parse::<u32>().ok());
                let proc = match (state, pid) {
                    ("up", Some(pid)) => Proc::Running { pid },
                    ("misnamed", Some(pid)) => Proc::Misnamed {
                        pid,
                        named: words.next().and_then(|p| p.parse().ok()),
                    },
                    ("none", _) => Proc::NoPidFile,
                    _ => Proc::Dead { pid },
                };
                r.procs.insert(role.to_string(), proc);
            }
            Some("herd-unit") => {
                let mut w = words;
                if let (Some(role), Some(active), Some(sub), Some(pid)) =
                    (w.next(), w.next(), w.next(), w.next())
                {
                    r.units.insert(
                        role.to_string(),
                        UnitState {
                            active: active.to_string(),
                            sub: sub.to_string(),
                            main_pid: pid.parse().unwrap_or(0),
                        },
                    );
                }
            }
            Some("herd-ports") => {
                r.listening = Some(words.filter_map(|p| p.parse().ok()).collect());
            }
            Some("herd-ver") => {
                if let (Some(role), Some(from)) = (words.next(), words.next()) {
                    r.versions.insert(role.to_string(), version_of(from));
                }
            }
            Some("herd-stale") => {
                r.stale.extend(words.map(String::from));
            }
            _ => {}
        }
    }
    supervise(&mut r);
    r
}

/// The version in an install directory's or a jar's name
/// (`hadoop-3.5.0`, `zookeeper-3.8.6`, `apache-zookeeper-3.8.6-bin`): its
/// first dotted run of numbers; the name itself when it has none.
pub fn version_of(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
                j += 1;
            }
            let v = name[i..j].trim_end_matches('.');
            if v.contains('.') {
                return v.to_string();
            }
            i = j;
        } else {
            i += 1;
        }
    }
    name.to_string()
}

/// Under systemd the unit's main process is the daemon, whatever its pid
/// file says; a daemon running beside an idle unit was started outside it.
/// A host that printed no unit states has no systemd units to report.
fn supervise(r: &mut HostReading) {
    for (role, unit) in &r.units {
        if unit.main_pid > 0 {
            r.procs
                .insert(role.clone(), Proc::Running { pid: unit.main_pid });
        }
    }
    for (role, proc) in &r.procs {
        if !proc.runs() {
            continue;
        }
        let how = match r.units.get(role) {
            Some(u) if u.main_pid > 0 => Supervision::Systemd,
            Some(_) => Supervision::Outside,
            None => Supervision::Daemon,
        };
        r.supervision.insert(role.clone(), how);
    }
}
