//! What a replay skips, re-checks and runs, from the journal of the run it
//! continues and the plan. Pure: no I/O, so every rule here is unit-tested.
//!
//! A task counts as done when its last journaled finish was ok or skipped
//! (a guard, an unchanged upload, or an earlier replay): a replay of a replay
//! therefore carries the whole chain forward. Done tasks are not run again,
//! but the gates the replay goes on from are re-checked (those of the
//! stages whose dependents run again, and the last ones): the cluster may
//! have changed since.
//! A task skipped because its host was counted out (`--max-failures`) is
//! not done, and a gate passed while hosts were out passed for fewer hosts
//! than the plan has: the replay checks it in full, not as a re-check.
//!
//! A task that started without its end being seen (herd was killed, or the
//! connection dropped mid-command) is `unseen`: before anything else, the
//! replay asks its host's record whether it still runs, ended, or never
//! started, so it is never run a second time beside the first.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::events::{Event, Recovery, SkipReason, TaskOutcome};
use crate::model::Playbook;
use crate::plan::Plan;

/// Which part of the plan the replay runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Everything that did not complete.
    Resume,
    /// This stage (plan index) and everything downstream; upstream is done.
    From(usize),
    /// Just this stage; upstream is done, everything else is left out.
    Only(usize),
}

/// One stage of the replay, for the summary printed before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageAction {
    pub name: String,
    /// Hosts whose task is skipped as done.
    pub skip: Vec<String>,
    /// Hosts whose task runs (guards still apply).
    pub run: Vec<String>,
    /// The stage has a probe gate.
    pub gated: bool,
    /// Its gate passed before and is only re-checked.
    pub recheck: bool,
    /// Its gate passed before, and every stage after it since: not checked.
    pub settled: bool,
    /// Left out of the replay (counts as passed).
    pub excluded: bool,
}

/// A task a run of the chain started and never saw end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unseen {
    /// The run whose record on the host holds it.
    pub run: String,
    pub attempt: u32,
    /// Its stage runs again in any case (`--from`/`--only`): a running task
    /// is waited for, then the task runs.
    pub rerun: bool,
}

/// The replay's inputs to the engine and its summary.
#[derive(Debug, Clone, Default)]
pub struct ReplayPlan {
    pub done_tasks: HashSet<(String, String)>,
    /// Tasks to ask their hosts about first, by (stage, host).
    pub unseen: BTreeMap<(String, String), Unseen>,
    /// What the hosts said of them before the replay (for the summary).
    pub asked: HashMap<(String, String), String>,
    pub excluded_stages: HashSet<usize>,
    /// Stages that completed before and run nothing now: a gate failure
    /// there means the cluster changed since.
    pub rechecked_stages: HashSet<usize>,
    /// Stages that completed before, run nothing now, and whose dependents
    /// all passed since: their gates are not checked again.
    pub settled_stages: HashSet<usize>,
    pub stages: Vec<StageAction>,
}

impl ReplayPlan {
    /// True when the replay would run no task at all (only gates).
    pub fn runs_nothing(&self) -> bool {
        self.stages.iter().all(|s| s.excluded || s.run.is_empty())
    }

    /// The summary printed before the replay starts.
    pub fn describe(&self) -> String {
        let width = self
            .stages
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let mut out = String::new();
        for s in &self.stages {
            let what = if s.excluded {
                "left out".to_string()
            } else {
                let mut parts = Vec::new();
                if !s.skip.is_empty() {
                    parts.push(format!("skip {} (done)", hosts(s.skip.len())));
                }
                if !s.run.is_empty() {
                    parts.push(format!("run {}", hosts(s.run.len())));
                }
                match (s.gated, s.recheck) {
                    _ if s.gated && s.settled => parts.push("gate passed".into()),
                    (true, true) => parts.push("re-check gate".into()),
                    (true, false) => parts.push("gate".into()),
                    (false, _) if parts.is_empty() => parts.push("nothing to do".into()),
                    (false, _) => {}
                }
                parts.join(", ")
            };
            out.push_str(&format!("  {:<width$}  {what}\n", s.name));
        }
        if !self.unseen.is_empty() {
            out.push_str(
                "tasks started before whose end was not seen (their hosts are asked first):\n",
            );
            for ((stage, host), u) in &self.unseen {
                let said = self
                    .asked
                    .get(&(stage.clone(), host.clone()))
                    .map(String::as_str)
                    .unwrap_or("not asked yet: the replay asks the host before running it");
                let rerun = if u.rerun {
                    " (stage re-run as asked)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "  {stage} @ {host} (run {}, attempt {}){rerun}: {said}\n",
                    u.run, u.attempt
                ));
            }
        }
        out
    }
}

/// A task some earlier run left without seeing its end, on a host this run
/// touches: before anything runs there, this run waits for it to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub stage: String,
    pub host: String,
    pub unseen: Unseen,
    /// Its stage's timeout, from the playbook that run kept.
    pub timeout: Option<std::time::Duration>,
}

/// Tasks whose last start in the chain has no end seen after it: none
/// journaled, or one the controller only saw the connection drop under.
pub fn unseen_in_journal(events: &[Event]) -> HashMap<(String, String), Unseen> {
    let mut run = String::new();
    let mut open: HashMap<(String, String), Unseen> = HashMap::new();
    for e in events {
        match e {
            Event::RunStarted { run_id, .. } => run = run_id.clone(),
            Event::TaskStarted {
                stage,
                host,
                attempt,
            } => {
                open.insert(
                    (stage.clone(), host.clone()),
                    Unseen {
                        run: run.clone(),
                        attempt: *attempt,
                        rerun: false,
                    },
                );
            }
            Event::TaskFinished {
                stage,
                host,
                unseen: false,
                ..
            } => {
                open.remove(&(stage.clone(), host.clone()));
            }
            // A later run heard from the host that it is over: settled,
            // whatever comes next (an adopted end, or a fresh start).
            Event::TaskRecovered {
                stage,
                host,
                run: started_by,
                recovery: Recovery::Finished | Recovery::NotStarted | Recovery::Lost,
                ..
            } => {
                let key = (stage.clone(), host.clone());
                if open.get(&key).is_some_and(|u| &u.run == started_by) {
                    open.remove(&key);
                }
            }
            _ => {}
        }
    }
    open
}

fn hosts(n: usize) -> String {
    if n == 1 {
        "1 host".into()
    } else {
        format!("{n} hosts")
    }
}

/// Tasks (stage, host) whose last journaled finish shows them done.
pub fn done_in_journal(events: &[Event]) -> HashSet<(String, String)> {
    let mut last: HashMap<(String, String), bool> = HashMap::new();
    for e in events {
        if let Event::TaskFinished {
            stage,
            host,
            outcome,
            skip,
            ..
        } = e
        {
            let done = match outcome {
                TaskOutcome::Ok => true,
                TaskOutcome::Skipped => *skip != Some(SkipReason::CountedOut),
                TaskOutcome::Failed | TaskOutcome::Cancelled => false,
            };
            last.insert((stage.clone(), host.clone()), done);
        }
    }
    last.into_iter()
        .filter(|(_, d)| *d)
        .map(|(k, _)| k)
        .collect()
}

/// Stages the journal shows finished well (after their final gate), with
/// every host of the run still in it.
fn finished_in_journal(events: &[Event]) -> HashSet<String> {
    let mut last: HashMap<&str, bool> = HashMap::new();
    let mut hosts_out = false;
    for e in events {
        match e {
            Event::RunStarted { .. } => hosts_out = false,
            Event::HostCountedOut(_) => hosts_out = true,
            Event::StageFinished { stage, outcome, .. } => {
                let well = matches!(outcome, TaskOutcome::Ok | TaskOutcome::Skipped);
                last.insert(stage, well && !hosts_out);
            }
            _ => {}
        }
    }
    last.into_iter()
        .filter(|(_, well)| *well)
        .map(|(s, _)| s.to_string())
        .collect()
}

/// Every stage `stage` depends on, directly or not.
fn upstream(plan: &Plan, stage: usize) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut stack = vec![stage];
    while let Some(s) = stack.pop() {
        for &d in &plan.stages[s].deps {
            if seen.insert(d) {
                stack.push(d);
            }
        }
    }
    seen
}

/// What the replay does, stage by stage. `host_names` are the inventory's,
/// by index.
pub fn compute(
    events: &[Event],
    plan: &Plan,
    playbook: &Playbook,
    host_names: &[String],
    selection: Selection,
) -> ReplayPlan {
    let journal_done = done_in_journal(events);
    let journal_unseen = unseen_in_journal(events);
    let finished = finished_in_journal(events);
    // Per stage: None = resume from the journal, Some(true) = treat as done,
    // Some(false) = run again in full.
    let n = plan.stages.len();
    let mut forced: Vec<Option<bool>> = vec![None; n];
    let mut excluded = HashSet::new();
    match selection {
        Selection::Resume => {}
        Selection::From(s) | Selection::Only(s) => {
            let mut rerun: Vec<usize> = vec![s];
            if matches!(selection, Selection::From(_)) {
                rerun.extend(plan.downstream(s));
            }
            let mut up = HashSet::new();
            for &r in &rerun {
                up.extend(upstream(plan, r));
            }
            for (i, f) in forced.iter_mut().enumerate() {
                if rerun.contains(&i) {
                    *f = Some(false);
                } else if up.contains(&i) {
                    *f = Some(true);
                } else {
                    // Neither what was asked for nor what it needs.
                    excluded.insert(i);
                }
            }
        }
    }

    let mut out = ReplayPlan {
        excluded_stages: excluded,
        ..ReplayPlan::default()
    };
    let mut passed = Vec::with_capacity(plan.stages.len());
    for (i, planned) in plan.stages.iter().enumerate() {
        let gated = playbook.stages[planned.stage].probe.is_some();
        let mut action = StageAction {
            name: planned.name.clone(),
            skip: Vec::new(),
            run: Vec::new(),
            gated,
            recheck: false,
            settled: false,
            excluded: out.excluded_stages.contains(&i),
        };
        if action.excluded {
            out.stages.push(action);
            passed.push(true);
            continue;
        }
        for &h in &planned.hosts {
            let host = host_names[h].clone();
            let key = (planned.name.clone(), host.clone());
            let done = match forced[i] {
                Some(d) => d,
                None => journal_done.contains(&key),
            };
            if done {
                out.done_tasks.insert(key);
                action.skip.push(host);
            } else {
                if let Some(u) = journal_unseen.get(&key) {
                    let rerun = forced[i] == Some(false);
                    out.unseen.insert(key, Unseen { rerun, ..u.clone() });
                }
                action.run.push(host);
            }
        }
        passed.push(match forced[i] {
            Some(d) => d,
            None => finished.contains(&planned.name),
        });
        out.stages.push(action);
    }
    // A stage starts only once every stage it depends on has passed its
    // gate: one that passed in the chain says its dependencies did, even
    // where a later replay was cut off while re-checking them.
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..plan.stages.len() {
            if !passed[i] {
                continue;
            }
            for &d in &plan.stages[i].deps {
                if !passed[d] && forced[d].is_none() {
                    passed[d] = true;
                    changed = true;
                }
            }
        }
    }
    let settled: Vec<bool> = (0..plan.stages.len())
        .map(|i| passed[i] && out.stages[i].run.is_empty())
        .collect();
    // A settled stage's gate is re-checked only where the replay goes on
    // from it: when a stage that depends on it runs again, or when nothing
    // does (the run's last gates, which say the whole is still there). The
    // gate of a step that later ones passed since is history: in a rolling
    // restart "nn2 active" held after its failover and stopped holding at
    // the next one, and re-checking it would stop the replay for nothing.
    let mut dependents = vec![Vec::new(); plan.stages.len()];
    for (i, planned) in plan.stages.iter().enumerate() {
        for &d in &planned.deps {
            dependents[d].push(i);
        }
    }
    for i in 0..plan.stages.len() {
        if out.stages[i].excluded || !settled[i] {
            continue;
        }
        let covered = !dependents[i].is_empty()
            && dependents[i]
                .iter()
                .all(|&d| settled[d] || out.stages[d].excluded);
        if covered {
            out.stages[i].settled = true;
            out.settled_stages.insert(i);
        } else {
            out.stages[i].recheck = true;
            out.rechecked_stages.insert(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Inventory, Playbook};

    const INV: &str = "cluster: t\nhosts:\n  - { name: a, address: 127.0.0.1 }\n  - { name: b, address: 127.0.0.2 }\n";
    const PB: &str = "name: p\nstages:\n  - name: one\n    hosts: all\n    run: 'true'\n    probe: { command: { run: 'true' } }\n  - name: two\n    hosts: all\n    run: 'true'\n    depends_on: [one]\n  - name: three\n    hosts: all\n    run: 'true'\n    depends_on: [two]\n  - name: side\n    hosts: all\n    run: 'true'\n    depends_on: []\n";

    fn setup() -> (Plan, Playbook, Vec<String>) {
        let inv = Inventory::parse(INV, std::path::Path::new("inv.yaml")).unwrap();
        let pb = Playbook::parse(PB, "pb.yaml").unwrap();
        let plan = crate::plan::build(&inv, &pb).unwrap();
        (plan, pb, inv.hosts.iter().map(|h| h.name.clone()).collect())
    }

    fn finished(stage: &str, host: &str, outcome: TaskOutcome, skip: Option<SkipReason>) -> Event {
        Event::TaskFinished {
            stage: stage.into(),
            host: host.into(),
            outcome,
            skip,
            exit_status: None,
            duration_ms: 1,
            error: None,
            unseen: false,
        }
    }

    fn stage_done(stage: &str) -> Event {
        Event::StageFinished {
            stage: stage.into(),
            outcome: TaskOutcome::Ok,
            duration_ms: 1,
        }
    }

    fn key(s: &str, h: &str) -> (String, String) {
        (s.into(), h.into())
    }

    #[test]
    fn only_the_gates_the_replay_goes_on_from_are_rechecked() {
        let (plan, pb, hosts) = setup();
        let both = |stage: &str| {
            vec![
                finished(stage, "a", TaskOutcome::Ok, None),
                finished(stage, "b", TaskOutcome::Ok, None),
                stage_done(stage),
            ]
        };
        // one and two passed, three did not start: two's gate is where the
        // replay goes on from; one's held when two started and is history.
        let mut events = both("one");
        events.extend(both("two"));
        events.extend(both("side"));
        let r = compute(&events, &plan, &pb, &hosts, Selection::Resume);
        assert_eq!(r.rechecked_stages, [1, 3].into_iter().collect());
        assert_eq!(r.settled_stages, [0].into_iter().collect());
        assert!(!r.stages[0].recheck && r.stages[1].recheck);
        assert!(
            r.describe()
                .contains("one    skip 2 hosts (done), gate passed"),
            "{}",
            r.describe()
        );
        // A replay cut off while re-checking one: two passed after it, so
        // one counts as passed, and is still not re-checked.
        events.push(Event::StageFinished {
            stage: "one".into(),
            outcome: TaskOutcome::Cancelled,
            duration_ms: 1,
        });
        let r = compute(&events, &plan, &pb, &hosts, Selection::Resume);
        assert_eq!(r.rechecked_stages, [1, 3].into_iter().collect());
        assert!(r.stages[0].run.is_empty());
    }

    #[test]
    fn resume_skips_done_and_guarded_tasks_and_reruns_failed_cancelled_and_unstarted() {
        let (plan, pb, hosts) = setup();
        let events = vec![
            finished("one", "a", TaskOutcome::Ok, None),
            finished("one", "b", TaskOutcome::Skipped, Some(SkipReason::Creates)),
            stage_done("one"),
            finished("two", "a", TaskOutcome::Failed, None),
            finished("two", "b", TaskOutcome::Ok, None),
            finished("side", "a", TaskOutcome::Cancelled, None),
        ];
        let r = compute(&events, &plan, &pb, &hosts, Selection::Resume);
        let want: HashSet<_> = [key("one", "a"), key("one", "b"), key("two", "b")]
            .into_iter()
            .collect();
        assert_eq!(r.done_tasks, want);
        assert!(r.excluded_stages.is_empty());
        assert_eq!(r.rechecked_stages, [0].into_iter().collect());
        assert_eq!(r.stages[1].run, vec!["a".to_string()]);
        assert_eq!(r.stages[2].run.len(), 2);
        assert!(!r.runs_nothing());
        let text = r.describe();
        assert!(
            text.contains("one    skip 2 hosts (done), re-check gate"),
            "{text}"
        );
        assert!(
            text.contains("two    skip 1 host (done), run 1 host"),
            "{text}"
        );
        assert!(text.contains("three  run 2 hosts"), "{text}");
    }

    fn run_started(id: &str) -> Event {
        Event::RunStarted {
            run_id: id.into(),
            command: String::new(),
            kind: crate::events::RunKind::Run,
            playbook: String::new(),
            playbook_digest: String::new(),
            inventory: String::new(),
            inventory_digest: String::new(),
            stages: vec![],
            hosts: vec![],
            continues: None,
        }
    }

    fn started(stage: &str, host: &str, attempt: u32) -> Event {
        Event::TaskStarted {
            stage: stage.into(),
            host: host.into(),
            attempt,
        }
    }

    fn recovered(stage: &str, host: &str, run: &str, recovery: Recovery) -> Event {
        Event::TaskRecovered {
            stage: stage.into(),
            host: host.into(),
            run: run.into(),
            recovery,
            elapsed_ms: None,
            exit_status: None,
        }
    }

    #[test]
    fn unseen_tasks_are_the_starts_no_seen_end_or_host_answer_closed() {
        let mut lost = finished("two", "a", TaskOutcome::Failed, None);
        if let Event::TaskFinished { unseen, .. } = &mut lost {
            *unseen = true;
        }
        let events = vec![
            run_started("r1"),
            started("one", "a", 1),
            started("one", "b", 1),
            finished("one", "b", TaskOutcome::Ok, None),
            started("two", "a", 2),
            lost,
            started("side", "a", 1),
            run_started("r2"),
            // The host said `side` on a is over: settled.
            recovered("side", "a", "r1", Recovery::Lost),
            // Still running when asked, and r2 died waiting: still open.
            recovered("one", "a", "r1", Recovery::Running),
            // An answer about another run's record closes nothing here.
            recovered("two", "a", "r0", Recovery::Finished),
        ];
        let u = unseen_in_journal(&events);
        let mut keys: Vec<_> = u.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, vec![key("one", "a"), key("two", "a")]);
        assert_eq!(
            u[&key("two", "a")],
            Unseen {
                run: "r1".into(),
                attempt: 2,
                rerun: false
            }
        );
        // A fresh start by a later run replaces the record asked about.
        let mut more = events.clone();
        more.push(run_started("r3"));
        more.push(started("one", "a", 1));
        assert_eq!(unseen_in_journal(&more)[&key("one", "a")].run, "r3");
        // In a replay's plan, each unseen task still to run is listed with
        // its run, and described before the replay starts.
        let (plan, pb, hosts) = setup();
        let r = compute(&events, &plan, &pb, &hosts, Selection::Resume);
        assert_eq!(r.unseen.len(), 2);
        assert!(
            r.describe()
                .contains("two @ a (run r1, attempt 2): not asked yet"),
            "{}",
            r.describe()
        );
    }

    #[test]
    fn counted_out_tasks_run_again_and_gates_passed_without_hosts_are_checked_in_full() {
        let (plan, pb, hosts) = setup();
        let events = vec![
            run_started("r1"),
            finished("one", "a", TaskOutcome::Ok, None),
            finished("one", "b", TaskOutcome::Ok, None),
            stage_done("one"),
            finished("two", "a", TaskOutcome::Ok, None),
            finished("two", "b", TaskOutcome::Failed, None),
            Event::HostCountedOut(crate::events::CountedOut {
                host: "b".into(),
                stage: Some("two".into()),
                error: "boom".into(),
            }),
            stage_done("two"),
            finished("three", "a", TaskOutcome::Ok, None),
            finished(
                "three",
                "b",
                TaskOutcome::Skipped,
                Some(SkipReason::CountedOut),
            ),
            stage_done("three"),
            finished("side", "a", TaskOutcome::Ok, None),
            finished("side", "b", TaskOutcome::Ok, None),
            stage_done("side"),
        ];
        let r = compute(&events, &plan, &pb, &hosts, Selection::Resume);
        assert_eq!(r.stages[1].run, vec!["b".to_string()]);
        assert_eq!(
            r.stages[2].run,
            vec!["b".to_string()],
            "a counted-out skip is not done"
        );
        assert_eq!(r.stages[2].skip, vec!["a".to_string()]);
        // `one` passed with every host; `side` ran nothing of b's but passed
        // while b was out: checked in full, not re-checked.
        assert_eq!(r.rechecked_stages, [0].into_iter().collect());
        // A later run that passes it with every host makes it passed again.
        let mut more = events.clone();
        more.push(run_started("r2"));
        more.push(stage_done("side"));
        let r = compute(&more, &plan, &pb, &hosts, Selection::Resume);
        assert_eq!(r.rechecked_stages, [0, 3].into_iter().collect());
    }

    #[test]
    fn the_last_finish_of_a_task_wins_and_replayed_skips_carry_over() {
        let (plan, pb, hosts) = setup();
        let events = vec![
            finished("one", "a", TaskOutcome::Failed, None),
            finished("one", "a", TaskOutcome::Ok, None),
            finished("two", "a", TaskOutcome::Skipped, Some(SkipReason::Replayed)),
            finished("two", "b", TaskOutcome::Ok, None),
            finished("two", "b", TaskOutcome::Cancelled, None),
        ];
        let done = done_in_journal(&events);
        assert!(done.contains(&key("one", "a")));
        assert!(done.contains(&key("two", "a")));
        assert!(!done.contains(&key("two", "b")));
        // A stage whose tasks are done but whose gate never passed is not a re-check.
        let r = compute(&events, &plan, &pb, &hosts, Selection::Resume);
        assert!(r.rechecked_stages.is_empty());
    }

    #[test]
    fn from_reruns_the_stage_and_downstream_with_upstream_done_and_unrelated_left_out() {
        let (plan, pb, hosts) = setup();
        let r = compute(&[], &plan, &pb, &hosts, Selection::From(1));
        let want: HashSet<_> = [key("one", "a"), key("one", "b")].into_iter().collect();
        assert_eq!(r.done_tasks, want);
        assert_eq!(r.excluded_stages, [3].into_iter().collect());
        assert_eq!(r.rechecked_stages, [0].into_iter().collect());
        assert_eq!(r.stages[1].run.len(), 2);
        assert_eq!(r.stages[2].run.len(), 2);
    }

    #[test]
    fn only_reruns_just_the_stage_even_when_the_journal_shows_it_done() {
        let (plan, pb, hosts) = setup();
        let events = vec![
            finished("two", "a", TaskOutcome::Ok, None),
            finished("two", "b", TaskOutcome::Ok, None),
        ];
        let r = compute(&events, &plan, &pb, &hosts, Selection::Only(1));
        assert_eq!(r.excluded_stages, [2, 3].into_iter().collect());
        assert_eq!(r.stages[1].run.len(), 2);
        assert!(r.stages[0].skip.len() == 2 && r.stages[0].recheck);
        assert!(r.describe().contains("three  left out"));
    }
}
