//! `--max-failures`: a run goes on without the expendable hosts it lost,
//! within the budget, against real OpenSSH servers on loopback. Host 0 is
//! the `master`, the others `worker`s; a host is "down" when its sshd is
//! killed, and back when it is started again on the same port and key.

mod support;

use std::path::PathBuf;

use herd::events::{CountedOut, Event, RunOutcome, SkipReason, TaskOutcome};
use support::case::{Case, Outcome};

fn inventory(case: &Case) -> PathBuf {
    let mut text = format!(
        "cluster: test\nssh:\n  identity_files: [{}]\n  known_hosts: {}\n  use_ssh_config: false\n  connect_timeout: 5s\nvars:\n  work: {}\nhosts:\n",
        case.fleet.client_key.display(),
        case.fleet.known_hosts.display(),
        case.dir.path().display()
    );
    for (i, h) in case.fleet.hosts.iter().enumerate() {
        let role = if i == 0 { "master" } else { "worker" };
        text.push_str(&format!(
            "  - {{ name: {}, address: {}, port: {}, user: {}, roles: [{role}] }}\n",
            h.name, h.address, h.port, case.fleet.user
        ));
    }
    let p = case.path("inventory.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Every host prepares, the workers start, the master's gate counts the
/// started workers against `roles.worker | length`, then every host ends.
const FLEET: &str = r#"
name: fleet
expendable_roles: [worker]
stages:
  - name: prepare
    hosts: all
    run: "touch {{ vars.work }}/prepare-{{ host.name }}"
  - name: start
    hosts: role:worker
    run: "touch {{ vars.work }}/up-{{ host.name }}"
  - name: count
    hosts: role:master
    probe:
      command: { run: "n=$(ls {{ vars.work }} | grep -c '^up-'); echo \"$n of {{ roles.worker | length }}\"; test \"$n\" -eq {{ roles.worker | length }}" }
      timeout: 10s
      interval: 200ms
  - name: after
    hosts: all
    run: "touch {{ vars.work }}/after-{{ host.name }}"
"#;

fn run(case: &Case, extra: &[&str]) -> Outcome {
    let pb = case.path("playbook.yaml");
    let inv = case.path("inventory.yaml");
    let mut args = vec!["run", pb.to_str().unwrap(), "-i", inv.to_str().unwrap()];
    args.extend_from_slice(extra);
    case.herd(&args)
}

fn counted_out(events: &[Event]) -> Vec<CountedOut> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HostCountedOut(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn outcome_of(
    events: &[Event],
    stage: &str,
    host: &str,
) -> Option<(TaskOutcome, Option<SkipReason>)> {
    events.iter().rev().find_map(|e| match e {
        Event::TaskFinished {
            stage: s,
            host: h,
            outcome,
            skip,
            ..
        } if s == stage && h == host => Some((*outcome, skip.clone())),
        _ => None,
    })
}

fn run_finished(events: &[Event]) -> (RunOutcome, Vec<CountedOut>) {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::RunFinished {
                outcome,
                counted_out,
                ..
            } => Some((*outcome, counted_out.clone())),
            _ => None,
        })
        .expect("run_finished journaled")
}

fn gate_values(events: &[Event], stage: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::GatePassed {
                stage: s, readings, ..
            } if s == stage => Some(readings.iter().map(|r| r.value.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn exists(case: &Case, name: &str) -> bool {
    case.path(name).exists()
}

#[test]
fn one_dead_worker_within_the_budget_is_counted_out_and_a_replay_finishes_its_part() {
    let Some(case) = Case::new(3, "herd-maxfail-") else {
        return;
    };
    inventory(&case);
    case.playbook(FLEET);
    case.fleet.kill_host(2);
    let t0 = std::time::Instant::now();
    let out = run(&case, &["--max-failures", "1", "--output", "json"]);
    let took = t0.elapsed();
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    // Everything ran elsewhere, the gate passed counting one worker.
    for f in [
        "prepare-node0",
        "prepare-node1",
        "up-node1",
        "after-node0",
        "after-node1",
    ] {
        assert!(exists(&case, f), "{f} missing; stderr:\n{}", out.stderr);
    }
    let events = case.last_journal();
    assert_eq!(gate_values(&events, "count"), vec!["1 of 1".to_string()]);
    // The summary names the host, where and why.
    assert!(
        out.stderr
            .contains("the run went on without 1 host (--max-failures allowed 1)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("node2 at connect: unreachable"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("herd replay"), "{}", out.stderr);
    // The journal and the JSON output say it with typed events.
    let out_hosts = counted_out(&events);
    assert_eq!(out_hosts.len(), 1, "{out_hosts:?}");
    assert_eq!(
        (out_hosts[0].host.as_str(), out_hosts[0].stage.as_deref()),
        ("node2", None)
    );
    let (outcome, listed) = run_finished(&events);
    assert_eq!(outcome, RunOutcome::Failed);
    assert_eq!(listed, out_hosts);
    for stage in ["prepare", "start", "after"] {
        assert_eq!(
            outcome_of(&events, stage, "node2"),
            Some((TaskOutcome::Skipped, Some(SkipReason::CountedOut))),
            "{stage} on node2"
        );
    }
    let json_end = out
        .stdout
        .lines()
        .find(|l| l.contains("\"event\":\"run_finished\""))
        .expect("run_finished on stdout");
    assert!(
        json_end.contains("\"counted_out\":[{\"host\":\"node2\""),
        "{json_end}"
    );
    assert!(
        out.stdout.contains("\"event\":\"host_counted_out\""),
        "{}",
        out.stdout
    );
    eprintln!("degraded run took {took:?}");

    // The host back, the replay runs only its tasks and checks the gate
    // with the full count.
    case.fleet.restart_host(2);
    let inv = case.path("inventory.yaml");
    let replay = case.herd(&["replay", "-i", inv.to_str().unwrap()]);
    assert_eq!(
        replay.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        replay.stdout, replay.stderr
    );
    let events = case.last_journal();
    for stage in ["prepare", "start", "after"] {
        assert_eq!(
            outcome_of(&events, stage, "node2").map(|o| o.0),
            Some(TaskOutcome::Ok),
            "{stage}"
        );
    }
    for (stage, host) in [
        ("prepare", "node0"),
        ("prepare", "node1"),
        ("start", "node1"),
        ("after", "node0"),
    ] {
        assert_eq!(
            outcome_of(&events, stage, host),
            Some((TaskOutcome::Skipped, Some(SkipReason::Replayed))),
            "{stage} on {host} ran again"
        );
    }
    assert_eq!(gate_values(&events, "count"), vec!["2 of 2".to_string()]);
    assert!(exists(&case, "up-node2") && exists(&case, "after-node2"));
    assert_eq!(run_finished(&events).0, RunOutcome::Succeeded);
}

#[test]
fn without_a_budget_a_dead_worker_stops_the_run_as_before_and_bad_values_exit_2() {
    let Some(case) = Case::new(3, "herd-maxfail-") else {
        return;
    };
    inventory(&case);
    case.playbook(FLEET);
    for bad in ["two", "-1", "150%", "1.5"] {
        let flag = format!("--max-failures={bad}");
        let out = run(&case, &[&flag]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("--max-failures"),
            "{bad}: {}",
            out.stderr
        );
    }
    assert!(case.run_dirs().is_empty(), "a bad flag ran something");
    case.fleet.kill_host(2);
    let out = run(&case, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stage 'prepare' failed on host node2: host unreachable"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("went on without"), "{}", out.stderr);
    let events = case.last_journal();
    assert!(counted_out(&events).is_empty());
    assert!(
        !exists(&case, "up-node1") && !exists(&case, "after-node0"),
        "dependents ran"
    );
    assert_eq!(run_finished(&events).0, RunOutcome::Failed);
}

#[test]
fn a_dead_host_with_a_role_not_listed_expendable_stops_the_run_whatever_the_budget() {
    let Some(case) = Case::new(3, "herd-maxfail-") else {
        return;
    };
    inventory(&case);
    case.playbook(FLEET);
    case.fleet.kill_host(0);
    let out = run(&case, &["--max-failures", "2"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stage 'prepare' failed on host node0: host unreachable"),
        "{}",
        out.stderr
    );
    assert!(counted_out(&case.last_journal()).is_empty());
    assert!(
        !exists(&case, "after-node1"),
        "the run went on without the master"
    );

    // Without `expendable_roles`, any host may be counted out.
    case.playbook(&FLEET.replace("expendable_roles: [worker]\n", ""));
    let out = run(&case, &["--max-failures", "1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("node0 at connect: unreachable"),
        "{}",
        out.stderr
    );
    assert!(exists(&case, "after-node1") && exists(&case, "after-node2"));
}

#[test]
fn more_dead_workers_than_the_budget_stop_the_run_and_a_percentage_rounds_down() {
    let Some(case) = Case::new(4, "herd-maxfail-") else {
        return;
    };
    inventory(&case);
    case.playbook(FLEET);
    case.fleet.kill_host(2);
    case.fleet.kill_host(3);
    // Budget 1, two down: the first is counted out, the second stops the run.
    let out = run(&case, &["--max-failures", "1"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stage 'prepare' failed on host node3: host unreachable"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("node2 at connect"), "{}", out.stderr);
    assert!(
        !exists(&case, "up-node1"),
        "the run went on beyond its budget"
    );
    // 40% of 4 hosts is 1 (rounded down): the same.
    let out = run(&case, &["--max-failures", "40%"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("failed on host node3"),
        "{}",
        out.stderr
    );
    assert!(!exists(&case, "up-node1"));
    // 50% of 4 is 2: the run goes on without both.
    let out = run(&case, &["--max-failures", "50%"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("went on without 2 hosts (--max-failures allowed 2)"),
        "{}",
        out.stderr
    );
    assert!(exists(&case, "after-node1") && exists(&case, "after-node0"));
    let events = case.last_journal();
    assert_eq!(gate_values(&events, "count"), vec!["1 of 1".to_string()]);
    let hosts: Vec<String> = counted_out(&events).into_iter().map(|c| c.host).collect();
    assert_eq!(hosts, vec!["node2".to_string(), "node3".to_string()]);
}

#[test]
fn a_failed_task_or_a_failed_own_probe_counts_its_host_out_but_a_cluster_gate_does_not() {
    let Some(case) = Case::new(4, "herd-maxfail-") else {
        return;
    };
    inventory(&case);
    // node1's start fails (after its retry); node2 starts but never passes
    // its own probe; node3 is fine. The count gate sees one worker left.
    case.playbook(
        r#"
name: fleet
expendable_roles: [worker]
stages:
  - name: start
    hosts: role:worker
    retries: 1
    run: "if [ {{ host.name }} = node1 ]; then echo 'disk full' >&2; exit 3; fi; touch {{ vars.work }}/up-{{ host.name }}"
    probe:
      command: { run: "test {{ host.name }} != node2" }
      timeout: 2s
      interval: 200ms
  - name: count
    hosts: role:master
    probe:
      command: { run: "echo {{ roles.worker | length }}; test {{ roles.worker | length }} -eq 1" }
      timeout: 5s
  - name: after
    hosts: all
    run: "touch {{ vars.work }}/after-{{ host.name }}"
"#,
    );
    let out = run(&case, &["--max-failures", "2"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("node1 at stage 'start': stage 'start' failed on host node1: command"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("node2 at stage 'start': stage 'start' gate: probe did not pass"),
        "{}",
        out.stderr
    );
    assert!(exists(&case, "after-node3") && exists(&case, "after-node0"));
    assert!(!exists(&case, "after-node1") && !exists(&case, "after-node2"));
    let events = case.last_journal();
    assert_eq!(gate_values(&events, "count"), vec!["1".to_string()]);
    let failed_attempts = events
        .iter()
        .filter(|e| matches!(e, Event::TaskStarted { stage, host, .. } if stage == "start" && host == "node1"))
        .count();
    assert_eq!(failed_attempts, 2, "counted out only after its retries");

    // A gate reading a count from another host is the cluster's: no host
    // is counted out for it, whatever the budget.
    case.playbook(
        r#"
name: fleet
expendable_roles: [worker]
stages:
  - name: start
    hosts: role:worker
    run: "true"
    probe:
      hosts: role:master
      command: { run: "false" }
      timeout: 1s
  - name: after
    hosts: all
    run: "touch {{ vars.work }}/late-{{ host.name }}"
"#,
    );
    let out = run(&case, &["--max-failures", "3"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("stage 'start' gate failed"),
        "{}",
        out.stderr
    );
    assert!(counted_out(&case.last_journal()).is_empty());
    assert!(!exists(&case, "late-node1"));
}

#[test]
fn exec_runs_everywhere_but_the_dead_host_and_with_a_budget_stops_starting_beyond_it() {
    let Some(case) = Case::new(3, "herd-maxfail-") else {
        return;
    };
    let inv = inventory(&case);
    let inv = inv.to_str().unwrap();
    case.fleet.kill_host(2);
    let log = case.path("exec.log");
    let cmd = format!("echo $SSH_CONNECTION >> {}", log.display());
    let out = case.herd(&["exec", "-i", inv, "--", &cmd]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("1 of 3 host(s) failed: node2"),
        "{}",
        out.stderr
    );
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(ran.lines().count(), 2, "{ran}");

    // One at a time, none tolerated: node2's connect failure is in before
    // node1's turn, so node1 does not start.
    std::fs::remove_file(&log).unwrap();
    let out = case.herd(&[
        "exec",
        "--forks",
        "1",
        "--max-failures",
        "0",
        "-i",
        inv,
        "--",
        &cmd,
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("not run: more than 0 host(s) failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("2 of 3 host(s) failed: node1, node2"),
        "{}",
        out.stderr
    );
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(ran.lines().count(), 1, "{ran}");

    let out = case.herd(&["exec", "--max-failures", "many", "-i", inv, "--", "true"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--max-failures"), "{}", out.stderr);
}
