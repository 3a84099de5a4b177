//! The engine end to end: the `herd` binary against real OpenSSH servers on
//! loopback addresses. Hosts all share this machine, so commands leave marker
//! files in the test's directory to show what ran where and when.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use herd::events::{Event, TaskOutcome};
use support::case::Case;

/// The fleet's own known_hosts unless a test passes another.
fn inventory(case: &Case, known_hosts: &Path, extra_host_vars: &str) -> PathBuf {
    case.inventory_with(known_hosts, "10s", extra_host_vars)
}

fn task_outcomes(events: &[Event], stage: &str) -> Vec<(String, TaskOutcome)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::TaskFinished {
                stage: s,
                host,
                outcome,
                ..
            } if s == stage => Some((host.clone(), *outcome)),
            _ => None,
        })
        .collect()
}

fn finished_run(events: &[Event]) -> &Event {
    events
        .iter()
        .rev()
        .find(|e| matches!(e, Event::RunFinished { .. }))
        .expect("RunFinished journaled")
}

#[test]
fn stages_run_in_order_behind_their_probe_gates() {
    let Some(case) = Case::new(3, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    // `start` makes each host "ready" only a second later, in the background:
    // `use` must not begin before the gate sees every ready file.
    let pb = case.playbook(
        r#"
name: gated
stages:
  - name: start
    hosts: all
    run: "(sleep 1; touch {{ vars.work }}/ready-{{ host.name }}) >/dev/null 2>&1 &"
    probe:
      command: { run: "test -f {{ vars.work }}/ready-{{ host.name }} && echo ready" , stdout: ready }
      timeout: 30s
  - name: use
    hosts: all
    run: "ls {{ vars.work }} | grep -c '^ready-' > {{ vars.work }}/seen-{{ host.name }}"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    for h in &case.fleet.hosts {
        let seen = std::fs::read_to_string(case.path(&format!("seen-{}", h.name))).unwrap();
        assert_eq!(
            seen.trim(),
            "3",
            "host {} ran `use` before every host was ready",
            h.name
        );
    }
    let events = case.last_journal();
    let gate = events
        .iter()
        .position(|e| matches!(e, Event::GatePassed { stage, .. } if stage == "start"))
        .unwrap();
    let first_use = events
        .iter()
        .position(|e| matches!(e, Event::TaskStarted { stage, .. } if stage == "use"))
        .expect("use started");
    assert!(gate < first_use, "use started before the start gate passed");
    assert!(matches!(
        finished_run(&events),
        Event::RunFinished {
            outcome: herd::events::RunOutcome::Succeeded,
            ..
        }
    ));
}

#[test]
fn http_and_tcp_probes_go_through_the_ssh_connection() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let port = 30000 + (std::process::id() % 20000) as u16;
    std::fs::write(
        case.path("index.html"),
        "{\"beans\":[{\"State\":\"active\"}]}",
    )
    .unwrap();
    let pb = case.playbook(&format!(
        r#"
name: web
stages:
  - name: serve
    hosts: all
    run: "cd {{{{ vars.work }}}} && (setsid python3 -m http.server {port} --bind {{{{ host.address }}}} >/dev/null 2>&1 &)"
    probe:
      http: {{ port: {port}, path: /index.html, status: 200, json: {{ pointer: /beans/0/State, equals: active }} }}
      address: "{{{{ host.address }}}}"
      timeout: 30s
  - name: port-open
    hosts: all
    probe:
      tcp: {{ port: {port} }}
      address: "{{{{ host.address }}}}"
  - name: stop
    hosts: all
    run: "pkill -f 'http[.]server {port} --bind {{{{ host.address }}}}' || true"
"#
    ));
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    let events = case.last_journal();
    let passed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::GatePassed {
                stage, readings, ..
            } if stage == "serve" => Some(readings.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(passed.len(), 1);
    assert!(
        passed[0].iter().all(|r| r.pass && r.value == "active"),
        "{:?}",
        passed[0]
    );
}

#[test]
fn once_runs_on_the_first_host_only_and_creates_skips() {
    let Some(case) = Case::new(3, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    std::fs::write(case.path("exists-node1"), "").unwrap();
    let pb = case.playbook(
        r#"
name: guards
stages:
  - name: format
    hosts: all
    once: true
    run: "touch {{ vars.work }}/formatted-{{ host.name }}"
  - name: setup
    hosts: all
    creates: "{{ vars.work }}/exists-{{ host.name }}"
    run: "touch {{ vars.work }}/setup-{{ host.name }}"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert!(case.path("formatted-node0").exists());
    assert!(!case.path("formatted-node1").exists() && !case.path("formatted-node2").exists());
    assert!(case.path("setup-node0").exists() && case.path("setup-node2").exists());
    assert!(
        !case.path("setup-node1").exists(),
        "creates: guard did not skip node1"
    );
    let events = case.last_journal();
    let setup = task_outcomes(&events, "setup");
    assert!(
        setup.contains(&("node1".to_string(), TaskOutcome::Skipped)),
        "{setup:?}"
    );
    assert_eq!(task_outcomes(&events, "format").len(), 1);
}

#[test]
fn when_narrows_a_stage_to_its_hosts_and_a_non_boolean_stops_the_run_first() {
    let Some(case) = Case::new(3, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let pb = case.playbook(
        r#"
name: when
stages:
  - name: some
    hosts: all
    when: "{{ host.name != 'node1' }}"
    run: "touch {{ vars.work }}/ran-{{ host.name }}"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert!(case.path("ran-node0").exists() && case.path("ran-node2").exists());
    assert!(!case.path("ran-node1").exists(), "when: false still ran");
    let skipped: Vec<_> = case
        .last_journal()
        .into_iter()
        .filter_map(|e| match e {
            Event::TaskFinished { host, skip, .. } => skip.map(|s| (host, s)),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped,
        vec![("node1".to_string(), herd::events::SkipReason::When)]
    );

    // A `when` that is no boolean is the playbook's mistake, found before
    // any host runs anything.
    let pb = case.playbook(
        r#"
name: when-bad
stages:
  - name: first
    hosts: all
    run: "touch {{ vars.work }}/first-{{ host.name }}"
  - name: second
    hosts: all
    when: "{{ host.name }}"
    run: "true"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 2, "stderr:\n{}", out.stderr);
    assert!(
        out.stderr
            .contains("stages[1].when: host node0: renders 'node0', not true or false"),
        "{}",
        out.stderr
    );
    assert!(!case.path("first-node0").exists());
}

#[test]
fn a_failing_command_stops_dependents_and_names_host_stage_and_command() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let pb = case.playbook(
        r#"
name: failing
stages:
  - name: prepare
    hosts: all
    run: "if [ {{ host.name }} = node1 ]; then echo 'disk /data01 is read-only' >&2; exit 3; fi"
  - name: after
    hosts: all
    run: "touch {{ vars.work }}/after-{{ host.name }}"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains("stage 'prepare' failed on host node1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("exited with status 3"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("disk /data01 is read-only"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("if [ node1 = node1 ]"),
        "command not shown: {}",
        out.stderr
    );
    assert!(
        !case.path("after-node0").exists() && !case.path("after-node1").exists(),
        "a dependent ran"
    );
    let events = case.last_journal();
    assert!(task_outcomes(&events, "after").is_empty());
    match finished_run(&events) {
        Event::RunFinished { failed_stage, .. } => {
            assert_eq!(failed_stage.as_deref(), Some("prepare"))
        }
        _ => unreachable!(),
    }
    // `herd runs` shows it failed at that stage.
    let runs = case.herd(&["runs"]);
    assert!(
        runs.stdout.contains("failed") && runs.stdout.contains("prepare"),
        "{}",
        runs.stdout
    );
}

#[test]
fn a_probe_that_never_passes_times_out_showing_the_last_value() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let pb = case.playbook(
        r#"
name: stuck
stages:
  - name: wait
    hosts: all
    probe:
      command: { run: "echo 'Mode: follower'", stdout: "Mode: leader" }
      expect: one
      timeout: 2s
"#,
    );
    let started = Instant::now();
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        out.stderr.contains("stage 'wait' gate failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("exactly one host passing"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("node0: Mode: follower"),
        "{}",
        out.stderr
    );
    let events = case.last_journal();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::GateFailed { stage, .. } if stage == "wait"))
    );
}

#[test]
fn host_keys_unknown_and_changed_are_refused_and_accept_new_records() {
    let Some(case) = Case::new(1, "herd-engine-") else {
        return;
    };
    let empty = case.fleet.write_known_hosts("empty_known_hosts", "");
    let inv = inventory(&case, &empty, "");
    let out = case.herd(&["check", "-i", inv.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("UNKNOWN"), "{}", out.stdout);
    assert!(
        out.stdout.contains("node0: host key is not known"),
        "{}",
        out.stdout
    );

    // A different key recorded for the host: always refused, naming file and line.
    let other = case.path("other_key");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(st.success());
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let h = &case.fleet.hosts[0];
    let changed = case.fleet.write_known_hosts(
        "changed_known_hosts",
        &format!(
            "# comment\n[{}]:{} {}",
            h.address,
            h.port,
            other_pub
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    let inv = inventory(&case, &changed, "");
    for args in [vec!["check"], vec!["check", "--accept-new"]] {
        let mut a = args.clone();
        a.extend(["-i", inv.to_str().unwrap()]);
        let out = case.herd(&a);
        assert_eq!(out.code, 1);
        assert!(out.stdout.contains("HOST KEY CHANGED"), "{}", out.stdout);
        assert!(
            out.stdout.contains(&format!("{}:2", changed.display())),
            "line not named: {}",
            out.stdout
        );
    }

    // --accept-new records an unknown key; afterwards strict checking passes.
    let inv = inventory(&case, &empty, "");
    let out = case.herd(&["check", "--accept-new", "-i", inv.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("recorded"), "{}", out.stdout);
    let recorded = std::fs::read_to_string(&empty).unwrap();
    assert!(
        recorded.contains(&case.fleet.host_public_key(0)),
        "{recorded}"
    );
    let out = case.herd(&["check", "-i", inv.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("known"), "{}", out.stdout);
}

#[test]
fn sshd_killed_mid_run_gives_a_clear_error_and_a_complete_journal() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let pb = case.playbook(
        r#"
name: long
stages:
  - name: work
    hosts: all
    run: "touch {{ vars.work }}/started-{{ host.name }}; sleep 20"
  - name: never
    hosts: all
    run: "touch {{ vars.work }}/never-{{ host.name }}"
"#,
    );
    let inv_s = inv.to_str().unwrap().to_string();
    let pb_s = pb.to_str().unwrap().to_string();
    let state = case.path("state");
    let home = case.dir.path().to_path_buf();
    let child = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_herd"))
            .args(["run", &pb_s, "-i", &inv_s])
            .env("HERD_STATE_DIR", state)
            .env("HOME", home)
            .output()
            .unwrap()
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !case.path("started-node1").exists() {
        assert!(Instant::now() < deadline, "work never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Instant::now();
    case.fleet.kill_host(1);
    let out = child.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        killed.elapsed() < Duration::from_secs(30),
        "took {:?} after sshd died",
        killed.elapsed()
    );
    assert!(
        stderr.contains("stage 'work' failed on host node1"),
        "{stderr}"
    );
    assert!(stderr.contains("connection lost"), "{stderr}");
    let events = case.last_journal();
    assert!(matches!(finished_run(&events), Event::RunFinished { .. }));
    assert!(task_outcomes(&events, "never").is_empty());
    assert!(!case.path("never-node0").exists());
}

#[test]
fn more_than_ten_concurrent_tasks_on_one_host_all_succeed() {
    let Some(case) = Case::new(1, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let mut pb = String::from("name: wide\nstages:\n");
    for i in 0..24 {
        pb.push_str(&format!(
            "  - name: s{i}\n    hosts: all\n    depends_on: []\n    run: \"sleep 1; touch {{{{ vars.work }}}}/wide-{i}\"\n"
        ));
    }
    let pb = case.playbook(&pb);
    let started = Instant::now();
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert!(!out.stderr.contains("ChannelOpenFailure"), "{}", out.stderr);
    for i in 0..24 {
        assert!(
            case.path(&format!("wide-{i}")).exists(),
            "task s{i} did not run"
        );
    }
    // 24 one-second tasks through 8 channels: three rounds, not 24 in a row.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_inventory_value_cannot_inject_shell() {
    let Some(case) = Case::new(1, "herd-engine-") else {
        return;
    };
    let inv = inventory(
        &case,
        &case.fleet.known_hosts,
        r#"evil: "'; touch /tmp/herd-pwned-$PPID #""#,
    );
    let pb = case.playbook(
        r#"
name: quoting
stages:
  - name: write
    hosts: all
    run: "printf '%s' {{ host.vars.evil }} > {{ vars.work }}/evil.txt"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    let written = std::fs::read_to_string(case.path("evil.txt")).unwrap();
    assert_eq!(written, "'; touch /tmp/herd-pwned-$PPID #");
}

#[test]
fn bad_input_exits_2_before_connecting() {
    let Some(case) = Case::new(1, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let pb = case.playbook("name: bad\nstages:\n  - name: a\n    hosts: role:datnode\n    run: \"touch {{ vars.work }}/ran\"\n");
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("datnode"), "{}", out.stderr);
    assert!(
        out.stderr.contains("playbook.yaml:4:"),
        "no location: {}",
        out.stderr
    );
    assert!(!case.path("ran").exists());
    assert!(
        !case.fleet.log(0).contains("Accepted publickey"),
        "herd connected despite bad input"
    );
    assert!(
        case.journals().is_empty(),
        "a run was journaled for bad input"
    );
}

#[test]
fn exec_folds_identical_outputs_and_plan_prints_waves() {
    let Some(case) = Case::new(3, "herd-engine-") else {
        return;
    };
    let inv = inventory(&case, &case.fleet.known_hosts, "");
    let out = case.herd(&[
        "exec",
        "-i",
        inv.to_str().unwrap(),
        "--",
        "echo same; test $(hostname) = never || true",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("node0,node1,node2 (3)\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("same").count(), 1, "{}", out.stdout);

    let out = case.herd(&[
        "exec",
        "-i",
        inv.to_str().unwrap(),
        "--role",
        "odd",
        "--",
        "exit 4",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("node1 (1)") && out.stdout.contains("exit status 4"),
        "{}",
        out.stdout
    );

    // As ssh(1): the words are one command line for the remote shell, so
    // 'a b' splits there and what must stay a word is quoted for it.
    let out = case.herd(&[
        "exec",
        "-i",
        inv.to_str().unwrap(),
        "--role",
        "odd",
        "--",
        "printf",
        "'[%s]\\n'",
        "a b",
        "'$(echo c d)'",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("[a]\n[b]\n[$(echo c d)]\n"),
        "{}",
        out.stdout
    );

    let pb = case.playbook(
        r#"
name: diamond
stages:
  - { name: a, hosts: all, run: "true" }
  - { name: b, hosts: even, run: "true", depends_on: [a] }
  - { name: c, hosts: odd, run: "true", depends_on: [a], probe: { tcp: { port: 22 } } }
  - { name: d, hosts: all, run: "true", depends_on: [b, c] }
"#,
    );
    let out = case.herd(&["plan", pb.to_str().unwrap(), "-i", inv.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let w2 = out.stdout.find("wave 2").expect("wave 2");
    let w3 = out.stdout.find("wave 3").expect("wave 3");
    let b = out.stdout.find("  b ").unwrap();
    let c = out.stdout.find("  c ").unwrap();
    let d = out.stdout.find("  d ").unwrap();
    assert!(
        w2 < b && w2 < c && b < w3 && c < w3 && w3 < d,
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("gate: tcp 127.0.0.1:22"),
        "{}",
        out.stdout
    );
    let dot = case.herd(&[
        "plan",
        pb.to_str().unwrap(),
        "-i",
        inv.to_str().unwrap(),
        "--dot",
    ]);
    assert!(dot.stdout.starts_with("digraph"), "{}", dot.stdout);

    // What each stage runs, rendered: for its first host, or with -v for each.
    let pb = case.playbook(
        r#"
name: commands
stages:
  - name: greet
    hosts: all
    run: "echo hello from {{ host.name }} in {{ vars.work }}"
"#,
    );
    let args = ["plan", pb.to_str().unwrap(), "-i", inv.to_str().unwrap()];
    let out = case.herd(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let work = case.path("");
    let line0 = format!("run on node0: echo hello from node0 in {}", work.display());
    assert!(
        out.stdout.contains(line0.trim_end_matches('/')),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("run on node1"), "{}", out.stdout);
    let verbose = case.herd(&[&args[..], &["-v"]].concat());
    assert!(
        verbose
            .stdout
            .contains("run on node1: echo hello from node1"),
        "{}",
        verbose.stdout
    );
}

#[test]
fn a_template_that_cannot_render_for_some_host_stops_the_run_before_anything_runs() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = case.inventory_with(&case.fleet.known_hosts, "5s", "");
    let pb = case.playbook(
        r#"
name: late-typo
stages:
  - name: first
    hosts: all
    run: "touch {{ vars.work }}/ran-{{ host.name }}"
  - name: later
    hosts: odd
    run: "echo {{ host.vars.missing }}"
  - name: filtered
    hosts: even
    run: "echo {{ host.name | nosuchfilter }}"
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stages[1].run: host node1: undefined variable 'host.vars.missing'"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("playbook.yaml:"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stages[2].run: host node0: unknown filter"),
        "{}",
        out.stderr
    );
    assert!(!case.path("ran-node0").exists(), "nothing may run");
    assert!(case.run_dirs().is_empty(), "nothing journaled");
}

#[test]
fn a_probe_port_may_be_a_template_rendered_for_each_probed_host() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    // Each host's sshd listens on its own port: only a per-host rendering
    // of the port lets the gate pass on both.
    let inv = case.inventory_with(&case.fleet.known_hosts, "5s", "");
    let pb = case.playbook(
        r#"
name: port-template
stages:
  - name: sshd-up
    hosts: all
    probe:
      tcp: { port: "{{ host.port }}" }
      address: "{{ host.address }}"
      timeout: 20s
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let bad = case.playbook(
        r#"
name: port-typo
stages:
  - name: first
    hosts: all
    run: "touch {{ vars.work }}/ran-{{ host.name }}"
  - name: gate
    hosts: all
    probe:
      http: { port: "{{ host.name }}", path: / }
"#,
    );
    let out = case.run(&bad, &inv);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("stages[1].probe: host node0:")
            && out.stderr.contains("rendered to 'node0', not a port"),
        "{}",
        out.stderr
    );
    assert!(!case.path("ran-node0").exists(), "nothing may run");
}

#[test]
fn journals_are_the_operators_alone() {
    use std::os::unix::fs::PermissionsExt;
    let Some(case) = Case::new(1, "herd-engine-") else {
        return;
    };
    let inv = case.inventory_with(&case.fleet.known_hosts, "5s", "");
    let pb = case.playbook(
        "name: p\nstages:\n  - { name: say, hosts: all, run: 'echo out; echo err >&2' }\n",
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = &case.run_dirs()[0];
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    assert_eq!(mode(&dir.join("tasks")), 0o700);
    let mut files = vec![dir.join("events.jsonl"), dir.join("inventory.yaml")];
    files.extend(
        std::fs::read_dir(dir.join("tasks"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn one_run_at_a_time_on_a_cluster_whichever_state_dir_or_machine_it_comes_from() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = case.inventory_with(&case.fleet.known_hosts, "5s", "");
    let slow = case.playbook(
        "name: slow\nstages:\n  - name: wait\n    hosts: all\n    run: \"touch {{ vars.work }}/began-{{ host.name }}; sleep 4\"\n",
    );
    let quick = case.path("quick.yaml");
    std::fs::write(
        &quick,
        "name: quick\nstages:\n  - name: mark\n    hosts: all\n    run: \"touch {{ vars.work }}/quick-{{ host.name }}\"\n",
    )
    .unwrap();
    let (inv_s, quick_s) = (inv.to_str().unwrap(), quick.to_str().unwrap());
    // Another state directory: the local run lock cannot see the first run,
    // only the lease on the hosts can.
    let elsewhere = |extra: &[&str]| {
        let mut args = vec!["run", quick_s, "-i", inv_s];
        args.extend_from_slice(extra);
        let out = case
            .command(&args)
            .env("HERD_STATE_DIR", case.path("other-state"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let mut first = case.spawn_run(&slow, &inv);
    let t0 = std::time::Instant::now();
    while !(case.path("began-node0").exists() && case.path("began-node1").exists()) {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{}",
            case.bg_stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, stderr) = elsewhere(&[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the cluster lease is held by run") && stderr.contains("--break-lease"),
        "{stderr}"
    );
    assert!(!case.path("quick-node0").exists() && !case.path("quick-node1").exists());
    // Breaking the lease of a live run on this machine is refused too.
    let (code, stderr) = elsewhere(&["--break-lease"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("is still running on this machine"),
        "{stderr}"
    );
    assert!(first.wait().unwrap().success(), "{}", case.bg_stderr());

    // The first run gave its lease back.
    let (code, stderr) = elsewhere(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(case.path("quick-node0").exists());

    // A lease left by a controller on another machine: refused, then taken
    // over with --break-lease, since no task of that run runs anywhere.
    let h = &case.fleet.hosts[0];
    let plant = format!(
        "mkdir -p ~/.herd/lease && printf 'run=r-gone\\ncluster=test\\ncontroller=another-machine\\npid=1\\npid_start=1\\nsince=1\\n' > ~/.herd/lease/{}_{}",
        h.address, h.port
    );
    let out = case.herd(&["exec", "-i", inv_s, "--hosts", "node0", "--", &plant]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (code, stderr) = elsewhere(&[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("node0: the cluster lease is held by run r-gone of cluster test (controller another-machine"),
        "{stderr}"
    );
    let (code, stderr) = elsewhere(&["--break-lease"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = elsewhere(&[]);
    assert_eq!(code, 0, "the broken lease is not left behind: {stderr}");
}

#[test]
fn two_runs_on_disjoint_hosts_of_one_cluster_still_exclude_each_other() {
    let Some(case) = Case::new(2, "herd-engine-") else {
        return;
    };
    let inv = case.inventory_with(&case.fleet.known_hosts, "5s", "");
    let slow = case.playbook(
        "name: slow-odd\nstages:\n  - name: wait\n    hosts: odd\n    run: \"touch {{ vars.work }}/began-{{ host.name }}; sleep 4\"\n",
    );
    let even = case.path("even.yaml");
    std::fs::write(
        &even,
        "name: even\nstages:\n  - name: mark\n    hosts: even\n    run: \"touch {{ vars.work }}/even-{{ host.name }}\"\n",
    )
    .unwrap();
    let mut first = case.spawn_run(&slow, &inv);
    let t0 = Instant::now();
    while !case.path("began-node1").exists() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{}",
            case.bg_stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = case
        .command(&["run", even.to_str().unwrap(), "-i", inv.to_str().unwrap()])
        .env("HERD_STATE_DIR", case.path("other-state"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("node0: the cluster lease is held by run"),
        "{stderr}"
    );
    assert!(!case.path("even-node0").exists());
    assert!(first.wait().unwrap().success(), "{}", case.bg_stderr());
}
