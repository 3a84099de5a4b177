//! Faults on a loopback fleet of real sshd servers, each followed by
//! `herd replay`: the failed run must say what broke (host, stage, cause),
//! leave a journal the replay can use, and the replay must finish the run
//! running only what remained. Every task appends `stage-host` to a shared
//! log, so "ran exactly once" is checked on the hosts' side too; every
//! command carries a per-test marker so `pgrep` can tell whether anything
//! is still running on the hosts.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use herd::events::{Event, Recovery, RunOutcome, SkipReason, TaskOutcome};
use support::case::{Case, Outcome};

fn inventory(case: &Case) -> PathBuf {
    case.inventory_with(&case.fleet.known_hosts, "5s", "")
}

fn herd_replay(case: &Case, inventory: &Path, extra: &[&str]) -> Outcome {
    let mut args = vec!["replay", "-i", inventory.to_str().unwrap()];
    args.extend_from_slice(extra);
    case.herd(&args)
}

/// Lines the tasks appended to the shared log, sorted.
fn log(case: &Case) -> Vec<String> {
    let text = std::fs::read_to_string(case.path("log")).unwrap_or_default();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn touch(case: &Case, name: &str) {
    std::fs::write(case.path(name), "").unwrap();
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// (host, outcome, skip) of every task of `stage`, by host.
fn tasks(events: &[Event], stage: &str) -> Vec<(String, TaskOutcome, Option<SkipReason>)> {
    let mut v: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::TaskFinished {
                stage: s,
                host,
                outcome,
                skip,
                ..
            } if s == stage => Some((host.clone(), *outcome, skip.clone())),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn replayed(host: &str) -> (String, TaskOutcome, Option<SkipReason>) {
    (
        host.to_string(),
        TaskOutcome::Skipped,
        Some(SkipReason::Replayed),
    )
}

fn ran(host: &str) -> (String, TaskOutcome, Option<SkipReason>) {
    (host.to_string(), TaskOutcome::Ok, None)
}

fn run_finished(events: &[Event]) -> Option<(RunOutcome, Option<String>, Option<String>)> {
    events.iter().rev().find_map(|e| match e {
        Event::RunFinished {
            outcome,
            failed_stage,
            error,
            ..
        } => Some((*outcome, failed_stage.clone(), error.clone())),
        _ => None,
    })
}

fn continues(events: &[Event]) -> (String, Option<String>) {
    match &events[0] {
        Event::RunStarted {
            kind, continues, ..
        } => (kind.to_string(), continues.clone()),
        other => panic!("journal starts with {other:?}"),
    }
}

/// Is any process whose command line holds `marker` alive?
fn running(marker: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", marker])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn wait_gone(marker: &str, within: Duration) -> bool {
    wait_for(within, || !running(marker))
}

fn kill_marked(marker: &str) {
    let _ = Command::new("pkill").args(["-KILL", "-f", marker]).status();
    wait_gone(marker, Duration::from_secs(5));
}

fn wait_for(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

/// `herd run` in the background, returned once every one of `hosts` has
/// touched its `started-<host>` marker.
fn spawn_until_started(case: &Case, pb: &Path, inv: &Path, hosts: &[&str]) -> Child {
    let child = case.spawn_run(pb, inv);
    assert!(
        wait_for(Duration::from_secs(20), || hosts
            .iter()
            .all(|h| case.path(&format!("started-{h}")).exists())),
        "{}",
        case.bg_stderr()
    );
    child
}

/// Waits for a spawned herd, killing it if it outlives `within`.
fn wait_exit(child: &mut Child, within: Duration) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.code().unwrap_or(-1));
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

#[test]
fn a_host_down_at_the_start_fails_its_stage_and_replay_finishes_after_it_returns() {
    let Some(case) = Case::new(3, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: unreachable
stages:
  - name: prepare
    hosts: even
    run: ": herd_m_unreach; echo prepare-{{ host.name }} >> {{ vars.work }}/log"
  - name: deploy
    hosts: all
    run: ": herd_m_unreach; echo deploy-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    case.fleet.kill_host(1);
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains("stage 'deploy' failed on host node1"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("unreachable"), "{}", out.stderr);
    let first = case.journal(0);
    assert!(
        first
            .iter()
            .any(|e| matches!(e, Event::HostUnreachable { host, .. } if host == "node1"))
    );
    let connected = first
        .iter()
        .filter(|e| matches!(e, Event::HostConnected { .. }))
        .count();
    assert_eq!(connected, 2, "the other hosts connect");
    assert_eq!(run_finished(&first).unwrap().1.as_deref(), Some("deploy"));
    assert_eq!(
        tasks(&first, "deploy")[1],
        ("node1".to_string(), TaskOutcome::Failed, None)
    );

    case.fleet.restart_host(1);
    let dry = herd_replay(&case, &inv, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout.contains("prepare  skip 2 hosts (done)"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("deploy   skip 2 hosts (done), run 1 host"),
        "{}",
        dry.stdout
    );
    assert_eq!(case.run_dirs().len(), 1, "a dry run journals nothing");

    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let replay = case.journal(1);
    assert_eq!(
        continues(&replay),
        ("replay".to_string(), Some(case.run_id(0)))
    );
    assert_eq!(
        tasks(&replay, "prepare"),
        vec![replayed("node0"), replayed("node2")]
    );
    assert_eq!(
        tasks(&replay, "deploy"),
        vec![replayed("node0"), ran("node1"), replayed("node2")]
    );
    assert_eq!(
        log(&case),
        sorted(&[
            "prepare-node0",
            "prepare-node2",
            "deploy-node0",
            "deploy-node1",
            "deploy-node2"
        ])
    );
    let runs = case.herd(&["runs"]);
    assert!(
        runs.stdout
            .contains(&format!("continues {}", case.run_id(0))),
        "{}",
        runs.stdout
    );
    let again = herd_replay(&case, &inv, &[]);
    assert_eq!(again.code, 0);
    assert!(
        again.stdout.contains("nothing to replay: the last run"),
        "{}",
        again.stdout
    );
    assert_eq!(case.run_dirs().len(), 2);
}

#[test]
fn a_connection_dropped_mid_command_names_the_host_and_replay_reruns_only_it() {
    let Some(case) = Case::new(3, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: dropped
stages:
  - name: work
    hosts: all
    run: ": herd_m_drop; touch {{ vars.work }}/started-{{ host.name }}; sleep 4; echo work-{{ host.name }} >> {{ vars.work }}/log"
  - name: after
    hosts: all
    run: ": herd_m_drop; echo after-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    let mut child = spawn_until_started(&case, &pb, &inv, &["node1"]);
    case.fleet.kill_host(1);
    let code = wait_exit(&mut child, Duration::from_secs(60));
    let err = case.bg_stderr();
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("stage 'work' failed on host node1"), "{err}");
    assert!(err.contains("connection lost"), "{err}");
    let first = case.journal(0);
    assert_eq!(
        tasks(&first, "work"),
        vec![
            ran("node0"),
            ("node1".into(), TaskOutcome::Failed, None),
            ran("node2")
        ]
    );
    assert!(tasks(&first, "after").is_empty());

    case.fleet.restart_host(1);
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let replay = case.journal(1);
    assert_eq!(
        tasks(&replay, "work"),
        vec![replayed("node0"), ran("node1"), replayed("node2")]
    );
    assert_eq!(
        tasks(&replay, "after"),
        vec![ran("node0"), ran("node1"), ran("node2")]
    );
    assert_eq!(
        log(&case),
        sorted(&[
            "work-node0",
            "work-node1",
            "work-node2",
            "after-node0",
            "after-node1",
            "after-node2"
        ])
    );
}

#[test]
fn a_frozen_host_is_detected_by_keepalive_within_30s_not_a_hang() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: frozen
stages:
  - name: work
    hosts: all
    run: ": herd_m_pause; touch {{ vars.work }}/started-{{ host.name }}; sleep 3; echo work-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    let mut child = spawn_until_started(&case, &pb, &inv, &["node1"]);
    case.fleet.pause_host(1);
    let paused = Instant::now();
    let code = wait_exit(&mut child, Duration::from_secs(60));
    let took = paused.elapsed();
    let err = case.bg_stderr();
    // Thawed, the command goes on: herd lost sight of it, the host did not.
    case.fleet.resume_host(1);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        took < Duration::from_secs(30),
        "took {took:?} to notice the frozen host: {err}"
    );
    assert!(err.contains("stage 'work' failed on host node1"), "{err}");
    assert!(err.contains("keepalive"), "{err}");
    let first = case.journal(0);
    assert_eq!(
        tasks(&first, "work")[1],
        ("node1".into(), TaskOutcome::Failed, None)
    );
    assert!(
        first.iter().any(|e| matches!(
            e,
            Event::TaskFinished { host, unseen: true, .. } if host == "node1"
        )),
        "the journal says herd lost sight of the command"
    );

    // The replay asks the host: the thawed command ran on (or ended), so it
    // is adopted, not run a second time.
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let replay = case.journal(1);
    assert_eq!(tasks(&replay, "work")[1], ran("node1"));
    let node1 = recoveries(&replay, "work");
    assert!(
        matches!(
            node1.as_slice(),
            [.., (h, Recovery::Finished, Some(0))] if h == "node1"
        ) && node1.len() <= 2,
        "{node1:?}"
    );
    let ran_on_node1 = log(&case).iter().filter(|l| *l == "work-node1").count();
    assert_eq!(ran_on_node1, 1, "{:?}", log(&case));
}

#[test]
fn a_command_over_its_stage_timeout_is_terminated_on_the_host() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: slow
stages:
  - name: slow
    hosts: all
    timeout: 2s
    run: ": herd_m_timeout; if [ -f {{ vars.work }}/fast ]; then echo slow-{{ host.name }} >> {{ vars.work }}/log; else sleep 303; fi"
  - name: after
    hosts: all
    run: ": herd_m_timeout; echo after-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    let started = Instant::now();
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        out.stderr.contains("stage 'slow' failed on host node"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("timed out after 2s"), "{}", out.stderr);
    assert!(
        wait_gone("herd_m_timeout", Duration::from_secs(5)),
        "the timed-out command still runs on the host"
    );
    assert!(
        wait_gone("sleep 303", Duration::from_secs(5)),
        "the timed-out command's child still runs"
    );
    let first = case.journal(0);
    assert!(
        tasks(&first, "slow")
            .iter()
            .all(|t| t.1 == TaskOutcome::Failed)
    );

    touch(&case, "fast");
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert_eq!(
        log(&case),
        sorted(&["slow-node0", "slow-node1", "after-node0", "after-node1"])
    );
}

#[test]
fn a_gate_that_never_passes_shows_last_values_and_replay_rechecks_only_gates() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: gated
stages:
  - name: base
    hosts: all
    run: ": herd_m_gate; echo base-{{ host.name }} >> {{ vars.work }}/log"
    probe:
      command: { run: "test -f {{ vars.work }}/base-ok && echo base-up || echo base-down", stdout: base-up }
      timeout: 3s
  - name: start
    hosts: all
    run: ": herd_m_gate; echo start-{{ host.name }} >> {{ vars.work }}/log"
    probe:
      command: { run: "test -f {{ vars.work }}/ok-{{ host.name }} && echo ready || echo not-ready", stdout: "^ready" }
      timeout: 3s
  - name: use
    hosts: all
    run: ": herd_m_gate; echo use-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    touch(&case, "base-ok");
    touch(&case, "ok-node0");
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains("stage 'start' gate failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did not pass within 3s"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("node1: not-ready"), "{}", out.stderr);
    let first = case.journal(0);
    assert!(
        first
            .iter()
            .any(|e| matches!(e, Event::GateFailed { stage, .. } if stage == "start"))
    );

    // The cluster changed under a stage that had passed: the replay says so.
    std::fs::remove_file(case.path("base-ok")).unwrap();
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(
        out.stderr
            .contains("stage 'base' gate failed: the replay found the cluster changed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&case.run_id(0)), "{}", out.stderr);

    // Fixed: the replay of that replay runs only gates, then what remained.
    touch(&case, "base-ok");
    touch(&case, "ok-node1");
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("start  skip 2 hosts (done), gate"),
        "{}",
        out.stdout
    );
    let replay = case.journal(2);
    assert_eq!(continues(&replay).1, Some(case.run_id(1)));
    assert_eq!(
        tasks(&replay, "base"),
        vec![replayed("node0"), replayed("node1")]
    );
    assert_eq!(
        tasks(&replay, "start"),
        vec![replayed("node0"), replayed("node1")]
    );
    assert!(
        replay
            .iter()
            .any(|e| matches!(e, Event::GatePassed { stage, .. } if stage == "start"))
    );
    assert_eq!(tasks(&replay, "use"), vec![ran("node0"), ran("node1")]);
    assert_eq!(
        log(&case),
        sorted(&[
            "base-node0",
            "base-node1",
            "start-node0",
            "start-node1",
            "use-node0",
            "use-node1"
        ])
    );

    // --only re-runs one stage; what is downstream is left out.
    let out = herd_replay(&case, &inv, &["--only", "start", &case.run_id(2)]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("use    left out"), "{}", out.stdout);
    let only = case.journal(3);
    assert_eq!(tasks(&only, "start"), vec![ran("node0"), ran("node1")]);
    assert!(tasks(&only, "use").is_empty());
    let bad = herd_replay(&case, &inv, &["--from", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("no stage 'nope'") && bad.stderr.contains("base, start, use"),
        "{}",
        bad.stderr
    );
    // An edited inventory is shown and refused unless allowed.
    let text = std::fs::read_to_string(&inv).unwrap();
    std::fs::write(
        &inv,
        text.replace("connect_timeout: 5s", "connect_timeout: 6s"),
    )
    .unwrap();
    let changed = herd_replay(&case, &inv, &["--from", "use", &case.run_id(2)]);
    assert_eq!(changed.code, 2, "{}", changed.stderr);
    assert!(
        changed.stderr.contains("inventory changed"),
        "{}",
        changed.stderr
    );
    assert!(
        changed.stderr.contains("+  connect_timeout: 6s"),
        "{}",
        changed.stderr
    );
    let allowed = herd_replay(
        &case,
        &inv,
        &["--from", "use", "--allow-changed", &case.run_id(2)],
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
}

#[test]
fn ctrl_c_stops_commands_on_the_hosts_and_journals_an_interrupted_run() {
    stopped_by(libc::SIGINT, "herd_m_sigint");
}

#[test]
fn sigterm_stops_a_run_as_ctrl_c_does_and_exits_143() {
    stopped_by(libc::SIGTERM, "herd_m_sigterm");
}

#[test]
fn sighup_stops_a_run_as_ctrl_c_does_and_exits_129() {
    stopped_by(libc::SIGHUP, "herd_m_sighup");
}

/// `sig` mid-run: remote commands killed, the journal says interrupted,
/// exit 128 + `sig`; the replay then finishes the run.
fn stopped_by(sig: i32, marker: &str) {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: interrupted
stages:
  - name: first
    hosts: all
    run: ": MARKER; echo first-{{ host.name }} >> {{ vars.work }}/log"
  - name: long
    hosts: all
    run: ": MARKER; touch {{ vars.work }}/started-{{ host.name }}; if [ ! -f {{ vars.work }}/fast ]; then sleep SLEEP; fi; echo long-{{ host.name }} >> {{ vars.work }}/log"
"#
        .replace("MARKER", marker)
        .replace("SLEEP", &(311 + sig).to_string())
        .as_str(),
    );
    let mut child = spawn_until_started(&case, &pb, &inv, &["node0", "node1"]);
    signal(&child, sig);
    let code = wait_exit(&mut child, Duration::from_secs(30));
    let err = case.bg_stderr();
    assert_eq!(code, Some(128 + sig), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        wait_gone(marker, Duration::from_secs(5)),
        "commands still run on the hosts: {err}"
    );
    assert!(!running(&format!("sleep {}", 311 + sig)));
    let first = case.journal(0);
    assert_eq!(run_finished(&first).unwrap().0, RunOutcome::Interrupted);
    assert!(
        tasks(&first, "long")
            .iter()
            .all(|t| t.1 == TaskOutcome::Cancelled),
        "{:?}",
        tasks(&first, "long")
    );
    let runs = case.herd(&["runs"]);
    assert!(runs.stdout.contains("interrupted"), "{}", runs.stdout);

    touch(&case, "fast");
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let replay = case.journal(1);
    assert_eq!(
        tasks(&replay, "first"),
        vec![replayed("node0"), replayed("node1")]
    );
    assert_eq!(tasks(&replay, "long"), vec![ran("node0"), ran("node1")]);
    assert_eq!(
        log(&case),
        sorted(&["first-node0", "first-node1", "long-node0", "long-node1"])
    );
}

#[test]
fn herd_killed_mid_run_leaves_a_readable_journal_that_replay_resumes() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: killed
stages:
  - name: first
    hosts: all
    run: ": herd_m_sigkill; echo first-{{ host.name }} >> {{ vars.work }}/log"
  - name: long
    hosts: all
    run: ": herd_m_sigkill; touch {{ vars.work }}/started-{{ host.name }}; if [ ! -f {{ vars.work }}/fast ]; then sleep 306; fi; echo long-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    let mut child = spawn_until_started(&case, &pb, &inv, &["node0", "node1"]);
    signal(&child, libc::SIGKILL);
    assert_eq!(wait_exit(&mut child, Duration::from_secs(10)), Some(-1));
    // Nobody is left to stop the orphans; they would write to the log later.
    kill_marked("herd_m_sigkill");
    // The worst case: herd died in the middle of writing a line.
    let events = case.run_dirs()[0].join("events.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&events)
        .unwrap();
    std::io::Write::write_all(&mut f, br#"{"ts":1.5,"event":"task_fini"#).unwrap();
    drop(f);
    let rec =
        herd::report::journal::read(&case.run_dirs()[0]).expect("a torn last line is tolerated");
    assert!(rec.torn_tail);
    assert!(run_finished(&case.journal(0)).is_none());
    let runs = case.herd(&["runs"]);
    assert!(runs.stdout.contains("incomplete"), "{}", runs.stdout);

    touch(&case, "fast");
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let replay = case.journal(1);
    assert_eq!(continues(&replay).1, Some(case.run_id(0)));
    assert_eq!(
        tasks(&replay, "first"),
        vec![replayed("node0"), replayed("node1")]
    );
    assert_eq!(tasks(&replay, "long"), vec![ran("node0"), ran("node1")]);
    assert_eq!(
        log(&case),
        sorted(&["first-node0", "first-node1", "long-node0", "long-node1"])
    );
}

/// A tmpfs mounted on a directory, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(Tmpfs(dir.to_path_buf()));
        }
        if std::env::var_os("CI").is_some() {
            panic!(
                "cannot mount a tmpfs on {} (tests need root)",
                dir.display()
            );
        }
        eprintln!("skipping: cannot mount a tmpfs (not root?)");
        None
    }

    fn resize(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot resize the tmpfs");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_stops_the_run_before_anything_runs_unjournaled() {
    let Some(case) = Case::new(3, "herd-replay-") else {
        return;
    };
    let Some(tmpfs) = Tmpfs::mount(&case.state(), "64k") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: chatty
stages:
  - name: fill
    hosts: all
    run: ": herd_m_full; head -c 40000 /dev/zero | tr '\\0' x; echo fill-{{ host.name }} >> {{ vars.work }}/log"
  - name: after
    hosts: all
    run: ": herd_m_full; echo after-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(out.stderr.contains("disk full"), "{}", out.stderr);
    assert!(
        out.stderr.contains("not continued unjournaled"),
        "{}",
        out.stderr
    );
    let first = case.journal(0);
    assert!(
        !first
            .iter()
            .any(|e| matches!(e, Event::TaskStarted { stage, .. } if stage == "after")),
        "a task started after the journal failed"
    );
    assert!(!log(&case).iter().any(|l| l.starts_with("after-")));
    assert!(
        tasks(&first, "fill").iter().any(|t| t.1 == TaskOutcome::Ok),
        "{:?}",
        tasks(&first, "fill")
    );

    tmpfs.resize("16m");
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let replay = case.journal(1);
    let fill = tasks(&replay, "fill");
    assert!(
        fill.iter().any(|t| t.2 == Some(SkipReason::Replayed)),
        "{fill:?}"
    );
    assert_eq!(
        tasks(&replay, "after"),
        vec![ran("node0"), ran("node1"), ran("node2")]
    );
}

/// (recovery, exit status) the replay journaled for each host's task of `stage`.
fn recoveries(events: &[Event], stage: &str) -> Vec<(String, Recovery, Option<u32>)> {
    let mut v: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::TaskRecovered {
                stage: s,
                host,
                recovery,
                exit_status,
                ..
            } if s == stage => Some((host.clone(), *recovery, *exit_status)),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// A playbook whose `slow` stage logs its start, runs `body`, logs its end;
/// herd is SIGKILLed once both hosts logged the start.
fn killed_during_slow(case: &Case, marker: &str, body: &str, timeout: &str) -> PathBuf {
    let inv = inventory(case);
    let pb = case.playbook(&format!(
        r#"
name: inflight
stages:
  - name: slow
    hosts: all
    timeout: {timeout}
    run: ": {marker}; echo start-{{{{ host.name }}}} >> {{{{ vars.work }}}}/log; {body}; echo end-{{{{ host.name }}}} >> {{{{ vars.work }}}}/log"
  - name: after
    hosts: all
    run: ": {marker}; echo after-{{{{ host.name }}}} >> {{{{ vars.work }}}}/log"
"#
    ));
    let mut child = case.spawn_run(&pb, &inv);
    assert!(
        wait_for(Duration::from_secs(20), || log(case).len()
            >= case.fleet.hosts.len()),
        "{}",
        case.bg_stderr()
    );
    signal(&child, libc::SIGKILL);
    assert_eq!(wait_exit(&mut child, Duration::from_secs(10)), Some(-1));
    inv
}

/// Where the hosts (all this machine, as the test's user) keep run `run`'s
/// task records: the user's home from the password database, as sshd has it.
fn record_dir(run: &str) -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", "getent passwd \"$(id -u)\" | cut -d: -f6"])
        .output()
        .unwrap();
    let home = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Path::new(&home).join(".herd/tasks").join(run)
}

#[test]
fn a_task_still_running_when_herd_died_is_waited_for_and_adopted_not_run_twice() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let killed_at = Instant::now();
    let inv = killed_during_slow(&case, "herd_m_inflight_wait", "sleep 10", "60s");
    assert!(
        running("herd_m_inflight_wait"),
        "the command goes on without herd"
    );
    std::thread::sleep(Duration::from_secs(1));
    let dry = herd_replay(&case, &inv, &["--dry-run"]);
    assert!(
        dry.stdout.contains("slow @ node0") && dry.stdout.contains("still running on the host"),
        "{}",
        dry.stdout
    );
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        killed_at.elapsed() >= Duration::from_secs(4),
        "the replay waited for the running command"
    );
    let replay = case.journal(1);
    assert_eq!(
        recoveries(&replay, "slow"),
        vec![
            ("node0".into(), Recovery::Running, None),
            ("node0".into(), Recovery::Finished, Some(0)),
            ("node1".into(), Recovery::Running, None),
            ("node1".into(), Recovery::Finished, Some(0))
        ]
    );
    assert_eq!(tasks(&replay, "slow"), vec![ran("node0"), ran("node1")]);
    assert!(
        !replay
            .iter()
            .any(|e| matches!(e, Event::TaskStarted { stage, .. } if stage == "slow")),
        "the replay started no second copy"
    );
    assert_eq!(
        log(&case),
        sorted(&[
            "start-node0",
            "start-node1",
            "end-node0",
            "end-node1",
            "after-node0",
            "after-node1"
        ])
    );
    assert!(!running("herd_m_inflight_wait"));
    // Every outcome was seen: no record is left on the hosts, of either run.
    assert!(
        !record_dir(&case.run_id(0)).exists(),
        "{}",
        record_dir(&case.run_id(0)).display()
    );
    assert!(!record_dir(&case.run_id(1)).exists());
}

#[test]
fn a_task_that_fails_after_herd_died_gives_the_replay_its_real_exit_status() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = killed_during_slow(&case, "herd_m_inflight_fail", "sleep 3; exit 7", "60s");
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr.contains("exited with status 7") && out.stderr.contains("adopted from run"),
        "{}",
        out.stderr
    );
    let replay = case.journal(1);
    let slow = tasks(&replay, "slow");
    assert!(
        slow.iter().all(|(_, o, _)| *o == TaskOutcome::Failed),
        "{slow:?}"
    );
    assert!(replay.iter().any(|e| matches!(
        e,
        Event::TaskFinished { stage, exit_status: Some(7), .. } if stage == "slow"
    )));
    assert_eq!(log(&case), sorted(&["start-node0", "start-node1"]));
}

#[test]
fn a_task_that_ended_while_herd_was_dead_is_adopted_and_one_never_started_runs_once() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = killed_during_slow(&case, "herd_m_inflight_done", "sleep 1", "60s");
    assert!(wait_gone("herd_m_inflight_done", Duration::from_secs(10)));
    // herd died between journaling a start and sending the command: the
    // journal says started, the host has no record of it.
    let events = case.run_dirs()[0].join("events.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&events)
        .unwrap();
    std::io::Write::write_all(
        &mut f,
        b"{\"ts\":1.0,\"event\":\"task_started\",\"stage\":\"after\",\"host\":\"node1\",\"attempt\":1}\n",
    )
    .unwrap();
    drop(f);
    let out = herd_replay(&case, &inv, &[]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("ended on the host with exit status 0"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("after @ node1") && out.stdout.contains("never started on the host"),
        "{}",
        out.stdout
    );
    let replay = case.journal(1);
    assert_eq!(
        recoveries(&replay, "slow"),
        vec![
            ("node0".into(), Recovery::Finished, Some(0)),
            ("node1".into(), Recovery::Finished, Some(0))
        ]
    );
    assert_eq!(
        recoveries(&replay, "after"),
        vec![("node1".into(), Recovery::NotStarted, None)]
    );
    assert_eq!(tasks(&replay, "after"), vec![ran("node0"), ran("node1")]);
    assert_eq!(
        log(&case),
        sorted(&[
            "start-node0",
            "start-node1",
            "end-node0",
            "end-node1",
            "after-node0",
            "after-node1"
        ])
    );
}

#[test]
fn a_command_orphaned_by_a_dead_herd_does_not_outlive_its_timeout() {
    let Some(case) = Case::new(1, "herd-replay-") else {
        return;
    };
    let killed_at = Instant::now();
    killed_during_slow(&case, "herd_m_orphan", "sleep 306", "3s");
    assert!(running("herd_m_orphan"));
    // The host's watchdog ends it at its 3 s timeout (TERM, then KILL 5 s later).
    assert!(
        wait_gone("herd_m_orphan", Duration::from_secs(12)),
        "still running {} s after herd died",
        killed_at.elapsed().as_secs()
    );
    assert!(killed_at.elapsed() >= Duration::from_secs(2));
}

#[test]
fn a_new_run_waits_for_what_a_dead_run_left_running_on_its_hosts() {
    let Some(case) = Case::new(2, "herd-replay-") else {
        return;
    };
    let inv = killed_during_slow(&case, "herd_m_inflight_other", "sleep 4", "60s");
    // Another playbook, other stages, the same hosts.
    let other = case.path("other.yaml");
    std::fs::write(
        &other,
        "name: other\nstages:\n  - name: touch\n    hosts: all\n    run: \"echo other-{{ host.name }} >> {{ vars.work }}/log\"\n",
    )
    .unwrap();
    let out = case.run(&other, &inv);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(case.path("log")).unwrap();
    let at = |l: &str| text.lines().position(|x| x == l).unwrap_or(usize::MAX);
    for h in ["node0", "node1"] {
        assert!(
            at(&format!("end-{h}")) < at(&format!("other-{h}")),
            "the new run ran beside the old command on {h}:\n{text}"
        );
    }
    let events = case.journal(1);
    let slow = recoveries(&events, "slow");
    assert!(
        slow.iter()
            .filter(|(_, r, _)| *r == Recovery::Finished)
            .count()
            == 2,
        "{slow:?}"
    );
    // Settled: the run after that does not ask again.
    let again = case.run(&other, &inv);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(recoveries(&case.journal(2), "slow").is_empty());
}

#[test]
fn a_second_run_on_the_same_state_dir_is_refused_while_one_runs_and_a_killed_one_frees_it() {
    let Some(case) = Case::new(1, "herd-replay-") else {
        return;
    };
    let inv = inventory(&case);
    let pb = case.playbook(
        r#"
name: locked
stages:
  - name: hold
    hosts: all
    run: ": herd_m_lock; touch {{ vars.work }}/started-{{ host.name }}; sleep 20; echo hold-{{ host.name }} >> {{ vars.work }}/log"
"#,
    );
    let mut child = spawn_until_started(&case, &pb, &inv, &["node0"]);
    let second = case.run(&pb, &inv);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        second.stderr.contains("another herd run holds")
            && second.stderr.contains(&case.run_id(0))
            && second.stderr.contains(&format!("pid {}", child.id())),
        "{}",
        second.stderr
    );
    assert_eq!(case.run_dirs().len(), 1, "the refused run journals nothing");
    let replay = herd_replay(&case, &inv, &[]);
    assert_eq!(replay.code, 1, "{}", replay.stderr);
    assert!(
        replay.stderr.contains("another herd run holds"),
        "{}",
        replay.stderr
    );

    signal(&child, libc::SIGKILL);
    assert_eq!(wait_exit(&mut child, Duration::from_secs(10)), Some(-1));
    kill_marked("herd_m_lock");
    let other = case.path("other.yaml");
    std::fs::write(
        &other,
        "name: other\nstages:\n  - name: touch\n    hosts: all\n    run: 'true'\n",
    )
    .unwrap();
    let out = case.run(&other, &inv);
    assert_eq!(
        out.code, 0,
        "the kernel freed a killed run's lock: {}",
        out.stderr
    );
}
