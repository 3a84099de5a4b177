//! The one command a host runs for `herd status`, and reading back what it
//! printed.

use super::layout::HostLayout;
use super::readings::{HostReading, Proc, Supervision, UnitState};
use crate::hadoop::services;
use crate::shell::quote;

/// The one command a host runs: every pid file, the listening ports, the
/// stale file. Output is line-tagged so login-shell noise cannot confuse it.
///
/// It starts as few programs as it can: `herd status` runs it on every
/// host at once, and on a thousand hosts each program started is seconds
/// of the hosts' CPU. The process table is read once (and only when a pid
/// file does not name its daemon), the systemd units in one `systemctl`,
/// the ports in one `ss` that asks the kernel only for the expected ones.
pub fn host_script(host: &HostLayout, stale_file: &str) -> String {
    // scan: L holds "/proc/PID/cmdline:-Dproc_NAME" for every process
    // with a -Dproc_ argument (what Hadoop's launchers give their JVMs),
    // read once. pids NAME: o is the pids of NAME's processes.
    let mut s = String::from(
        "L=-\n\
         scan() { [ \"$L\" != - ] || L=$(grep -zH '^-Dproc_' /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n'); }\n\
         pids() { scan; o=; while read -r x; do case $x in /proc/*/cmdline:-Dproc_\"$1\") x=${x#/proc/}; o=\"$o ${x%%/*}\";; esac; done <<E\n$L\nE\n}\n",
    );
    // p ROLE PIDFILE [PROC]: up when the pid file names a live process
    // (with -Dproc_PROC on its command line, where the daemon has one);
    // misnamed when it does not but exactly one such process runs.
    s.push_str(
        "p() { i=; [ -f \"$2\" ] && { read -r i < \"$2\" 2>/dev/null; case $i in *[!0-9]*) i=$(tr -dc 0-9 < \"$2\" 2>/dev/null);; esac; }\n\
         if [ -n \"$i\" ] && { kill -0 \"$i\" 2>/dev/null || [ -d \"/proc/$i\" ]; } && \
         { [ -z \"${3-}\" ] || grep -qzxF -e \"-Dproc_$3\" \"/proc/$i/cmdline\" 2>/dev/null; }; then echo \"herd-proc $1 up $i\"; v \"$1\" \"$i\"\n\
         else o=; [ -z \"${3-}\" ] || pids \"$3\"; r=$1; f=$2; set -- $o\n\
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
    // Every unit's state in one systemctl, one line each, whatever order
    // systemctl prints the units and their properties in; then the
    // version of each unit's main process.
    let units: Vec<(&str, &str)> = host
        .services
        .iter()
        .filter_map(|svc| Some((svc.unit.as_deref()?, svc.role)))
        .collect();
    if !units.is_empty() {
        let names: Vec<String> = units.iter().map(|(u, _)| quote(u)).collect();
        let roles: String = units
            .iter()
            .map(|(u, r)| format!("{}) r={r};; ", quote(u)))
            .collect();
        // n: one unit's block read (they end at a blank line), its role
        // found by the unit's Id; read by the shell, so no awk starts.
        s.push_str(&format!(
            "n() {{ case $id in {roles}*) r=;; esac\n\
             [ -z \"$r\" ] || [ -z \"$a\" ] || {{ echo \"herd-unit $r $a $b $m\"; [ \"$m\" = 0 ] || v \"$r\" \"$m\"; }}; id=; a=; b=; m=; }}\n\
             id=; a=; b=; m=; while IFS== read -r k x; do case $k in Id) id=$x;; ActiveState) a=$x;; SubState) b=$x;; MainPID) m=$x;; '') n;; esac; done <<E\n\
             $(systemctl show -p Id,ActiveState,SubState,MainPID {} 2>/dev/null)\nE\nn\n",
            names.join(" "),
        ));
    }
    for svc in &host.services {
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
    // Only the ports the services should listen on: the kernel filters,
    // so a host with thousands of sockets prints a few lines.
    let mut ports: Vec<u16> = host
        .services
        .iter()
        .flat_map(|s| s.ports.iter().copied())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    if ports.is_empty() {
        s.push_str("echo herd-ports\n");
    } else {
        let filter: Vec<String> = ports.iter().map(|p| format!("sport = :{p}")).collect();
        s.push_str(&format!(
            "if command -v ss >/dev/null 2>&1; then l=; while read -r x x x a x; do [ -z \"$a\" ] || l=\"$l ${{a##*:}}\"; done <<E\n\
             $(ss -ltnH '( {} )' 2>/dev/null)\nE\n\
             echo \"herd-ports$l\"; fi\n",
            filter.join(" or ")
        ));
    }
    s.push_str(&format!(
        "[ -f {f} ] && while read -r x || [ -n \"$x\" ]; do echo \"herd-stale $x\"; done < {f}\ntrue\n",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hadoop::observe::layout::ExpectedService;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    /// A process whose command line carries `-Dproc_<name>`, as a Hadoop JVM's does.
    struct Fake(Child);

    impl Fake {
        fn start(name: &str) -> Fake {
            let child = Command::new("bash")
                .args(["-c", "sleep 60; true", &format!("-Dproc_{name}")])
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            Fake(child)
        }
        fn pid(&self) -> u32 {
            self.0.id()
        }
    }

    impl Drop for Fake {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn service(role: &'static str, pid_file: String, unit: Option<&str>) -> ExpectedService {
        ExpectedService {
            role,
            pid_file,
            unit: unit.map(String::from),
            ports: Vec::new(),
            web_port: None,
        }
    }

    /// As the transport runs it: under POSIX sh (a login shell other than
    /// bash), and eval'd by bash in POSIX mode; both must read the same.
    /// `path` first on PATH.
    fn run(script: &str, path: &str) -> (HostReading, String) {
        let path = format!("{path}:{}", std::env::var("PATH").unwrap());
        let sh = Command::new("sh")
            .args(["-c", script])
            .env("PATH", &path)
            .output()
            .unwrap();
        let bash = Command::new("bash")
            .args(["-c", "set -o posix; eval \"$1\"", "bash", script])
            .env("PATH", &path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&sh.stdout).into_owned();
        let by_bash = String::from_utf8_lossy(&bash.stdout).into_owned();
        assert_eq!(
            parse_host_output(&by_bash),
            parse_host_output(&text),
            "sh:\n{text}\nbash:\n{by_bash}"
        );
        (parse_host_output(&text), text)
    }

    #[test]
    fn pid_files_processes_ports_and_the_stale_file_read_in_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let tag = format!("herdscript{}", std::process::id());
        let up = Fake::start(&format!("{tag}up"));
        let stray = Fake::start(&format!("{tag}stray"));
        std::thread::sleep(Duration::from_millis(200));
        std::fs::write(format!("{d}/up.pid"), format!("{}\n", up.pid())).unwrap();
        std::fs::write(format!("{d}/gone.pid"), "2147483646\n").unwrap();
        // Names a live process, but not this daemon.
        std::fs::write(format!("{d}/wrong.pid"), format!("{}", up.pid())).unwrap();
        std::fs::write(format!("{d}/stale"), "namenode\nzkfc").unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut svc = service("datanode", format!("{d}/datanode.pid"), None);
        // Port 1 is not listened on by anything a test machine runs.
        svc.ports = vec![port, 1];
        let layout = HostLayout {
            name: "h".into(),
            services: vec![svc],
        };
        let script = format!(
            "{}p up {d}/up.pid {tag}up\np stray {d}/stray.pid {tag}stray\n\
             p gone {d}/gone.pid {tag}gone\np none {d}/none.pid {tag}none\n\
             p wrong {d}/wrong.pid {tag}wrong\n",
            host_script(&layout, &format!("{d}/stale"))
        );
        let (r, text) = run(&script, &d);
        assert_eq!(r.procs["up"], Proc::Running { pid: up.pid() }, "{text}");
        assert_eq!(
            r.procs["stray"],
            Proc::Misnamed {
                pid: stray.pid(),
                named: None
            },
            "{text}"
        );
        assert_eq!(
            r.procs["gone"],
            Proc::Dead {
                pid: Some(2147483646)
            },
            "{text}"
        );
        assert_eq!(r.procs["none"], Proc::NoPidFile, "{text}");
        assert_eq!(
            r.procs["wrong"],
            Proc::Dead {
                pid: Some(up.pid())
            },
            "{text}"
        );
        assert_eq!(r.listening, Some([port].into()), "{text}");
        assert_eq!(r.stale, ["namenode", "zkfc"], "{text}");
        drop(listener);
    }

    #[test]
    fn every_unit_is_read_in_one_systemctl_whatever_order_it_answers_in() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let calls = format!("{d}/calls");
        // systemctl prints the units in its own order, each unit's
        // properties in its own order too.
        let stub = format!(
            "#!/bin/sh\necho \"$*\" >> {calls}\n\
             printf 'MainPID=0\\nId=b.service\\nActiveState=inactive\\nSubState=dead\\n\\n\
             Id=a.service\\nSubState=running\\nMainPID=4100\\nActiveState=active\\n'\n"
        );
        let systemctl = format!("{d}/systemctl");
        std::fs::write(&systemctl, stub).unwrap();
        let mut perms = std::fs::metadata(&systemctl).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&systemctl, perms).unwrap();
        let layout = HostLayout {
            name: "h".into(),
            services: vec![
                service("namenode", format!("{d}/nn.pid"), Some("a.service")),
                service("zkfc", format!("{d}/zkfc.pid"), Some("b.service")),
            ],
        };
        let (r, text) = run(&host_script(&layout, "/nonexistent"), &d);
        // Once per run (sh, then bash).
        assert_eq!(
            std::fs::read_to_string(&calls).unwrap(),
            "show -p Id,ActiveState,SubState,MainPID a.service b.service\n".repeat(2)
        );
        let a = &r.units["namenode"];
        assert_eq!(
            (a.active.as_str(), a.sub.as_str(), a.main_pid),
            ("active", "running", 4100),
            "{text}"
        );
        let b = &r.units["zkfc"];
        assert_eq!(
            (b.active.as_str(), b.sub.as_str(), b.main_pid),
            ("inactive", "dead", 0),
            "{text}"
        );
        assert_eq!(r.procs["namenode"], Proc::Running { pid: 4100 });
        assert_eq!(r.supervision["namenode"], Supervision::Systemd);
    }
}
