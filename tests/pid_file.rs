//! The pid-file race of hadoop-functions.sh, as herd handles it: a pid file
//! that names a dead process while exactly one process of the daemon runs is
//! made to name that process, and the daemon counts as running; with none or
//! several such processes nothing is touched. The commands herd generates run
//! here in a local shell against stand-in processes carrying `-Dproc_<name>`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use herd::hadoop::observe::{Proc, host_script, parse_host_output};
use herd::hadoop::settings::Supervisor;
use herd::hadoop::{self, Settings, services};
use herd::model::Inventory;

fn settings(pid_dir: &Path) -> Settings {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inv = Inventory::load(&root.join("tests/sandbox/inventory.yaml")).unwrap();
    let topo = hadoop::validate(&inv).unwrap_or_else(|e| panic!("{e}"));
    let mut s = topo.settings.clone();
    s.dirs.pid = pid_dir.display().to_string();
    // No launcher here: `--daemon status` fails, so herd's own check decides.
    s.install_dir = pid_dir.join("no-install").display().to_string();
    s
}

/// A process whose command line carries `-Dproc_<name>`, as a Hadoop JVM's does.
struct Fake(Child);

impl Fake {
    fn start(name: &str) -> Fake {
        let child = Command::new("bash")
            .args(["-c", "sleep 60; true", &format!("-Dproc_{name}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
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

fn sh(script: &str) -> (i32, String) {
    let out = Command::new("bash").args(["-c", script]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A daemon name no real process on this machine has.
fn name(tag: &str) -> String {
    format!("herdtest{tag}{}", std::process::id())
}

#[test]
fn a_pid_file_naming_a_dead_process_is_repaired_when_one_daemon_runs() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(dir.path());
    let svc = services::service("journalnode").unwrap();
    let pid_file = svc.pid_file(&s);
    // The stand-in's marker must be journalnode's; one machine may run a real
    // one (the sandbox tests), so this test is skipped there.
    let (found, _) = sh(&format!(
        "[ -z \"$({})\" ]",
        services::live_pids("journalnode")
    ));
    if found != 0 {
        eprintln!("a journalnode runs on this machine; skipped");
        return;
    }
    let fake = Fake::start("journalnode");
    std::fs::write(&pid_file, "999999\n").unwrap();

    let (code, err) = sh(&svc.running_command(&s, Supervisor::Daemon));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&pid_file).unwrap().trim(),
        fake.pid().to_string()
    );
    assert!(
        err.contains("pid file named 999999, not the running journalnode"),
        "{err}"
    );
    // Repaired once, then quiet.
    let (code, err) = sh(&svc.running_command(&s, Supervisor::Daemon));
    assert_eq!(code, 0);
    assert!(!err.contains("repaired"), "{err}");

    // Two of them: which one the pid file should name is not herd's guess.
    let second = Fake::start("journalnode");
    std::fs::write(&pid_file, "999999\n").unwrap();
    let (code, _) = sh(&svc.running_command(&s, Supervisor::Daemon));
    assert_ne!(code, 0);
    assert_eq!(std::fs::read_to_string(&pid_file).unwrap().trim(), "999999");
    drop(second);
    drop(fake);

    // None at all: not running, nothing written.
    std::thread::sleep(Duration::from_millis(200));
    let (code, _) = sh(&svc.running_command(&s, Supervisor::Daemon));
    assert_ne!(code, 0);
    assert_eq!(std::fs::read_to_string(&pid_file).unwrap().trim(), "999999");
}

#[test]
fn status_reads_a_misnamed_pid_file_as_running_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let proc_name = name("st");
    let fake = Fake::start(&proc_name);
    let pid_file = dir.path().join("x.pid");
    std::fs::write(&pid_file, "999999\n").unwrap();
    // host_script takes roles from the service table; its helper is what
    // matters, so call it with this test's own marker.
    let layout = hadoop::observe::HostLayout {
        name: "h".into(),
        services: vec![],
    };
    let script = format!(
        "{}p fake {} {proc_name}\np gone {} {proc_name}x\n",
        host_script(&layout, "/nonexistent"),
        pid_file.display(),
        pid_file.display()
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    let reading = parse_host_output(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        reading.procs.get("fake"),
        Some(&Proc::Misnamed {
            pid: fake.pid(),
            named: Some(999999)
        }),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        reading.procs.get("gone"),
        Some(&Proc::Dead { pid: Some(999999) })
    );
}
