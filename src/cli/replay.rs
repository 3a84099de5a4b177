//! `herd replay [RUN]`: resume a failed, interrupted or incomplete run from
//! its journal, or re-run chosen stages of it. The replay is a run of its
//! own (kind `replay`, continuing the run it replays), with the playbook
//! text the journal kept, so a bundled playbook replays as it ran.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::common::{Context, InventoryArg};
use super::{GlobalArgs, Output};
use crate::engine::RunOptions;
use crate::engine::recover;
use crate::engine::resume::{self, Selection};
use crate::events::Event;
use crate::exit;
use crate::model::Playbook;
use crate::plan;
use crate::report::journal;
use crate::report::runs::{self, RunSummary};
use crate::transport::{Pool, record};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run id to replay (see `herd runs`); default: the last run that did not succeed.
    pub run: Option<String>,
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Re-run this stage and everything downstream of it; upstream stages count as done (gates re-checked).
    #[arg(long, value_name = "STAGE", conflicts_with = "only")]
    pub from: Option<String>,
    /// Re-run just this stage; upstream stages count as done (gates re-checked), the rest is left out.
    #[arg(long, value_name = "STAGE")]
    pub only: Option<String>,
    /// Print what the replay would skip, re-check and run, and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Replay even though the inventory or playbook changed since the run.
    #[arg(long)]
    pub allow_changed: bool,
}

/// What the replayed run's journal says about it.
struct Original {
    summary: RunSummary,
    events: Vec<Event>,
    playbook: String,
    playbook_digest: String,
    inventory: String,
    inventory_digest: String,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let ctx = match Context::load(global, &args.inventory) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (all, problems) = runs::list(&runs::runs_dir());
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let asks_stage = args.from.is_some() || args.only.is_some();
    let summary = match pick(&all, args.run.as_deref(), asks_stage) {
        Ok(s) => s,
        Err(Pick::Nothing(msg)) => {
            println!("{msg}");
            return exit::OK;
        }
        Err(Pick::Bad(msg)) => {
            eprintln!("error: {msg}");
            return exit::BAD_INPUT;
        }
    };
    let original = match load(summary) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let run_id = original.summary.id.clone();
    let run_dir = original.summary.dir.clone();

    let saved = run_dir.join("playbook.yaml");
    let text = match std::fs::read_to_string(&saved) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: cannot read the playbook the run used ({}): {e}",
                saved.display()
            );
            return exit::BAD_INPUT;
        }
    };
    let changes = changes(&original, &text, &ctx.inventory.path, &run_dir);
    if !changes.is_empty() {
        for c in &changes {
            eprintln!("{c}");
        }
        if !args.allow_changed {
            eprintln!(
                "error: refusing to replay run {run_id}: its inputs changed (pass --allow-changed to replay anyway)"
            );
            return exit::BAD_INPUT;
        }
        eprintln!("warning: replaying run {run_id} despite the changes (--allow-changed)");
    }
    let playbook = match Playbook::parse(&text, &original.playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let plan = match plan::build(&ctx.inventory, &playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let stage_index = |name: &str| plan.stages.iter().position(|s| s.name == name);
    let selection = match (&args.from, &args.only) {
        (Some(name), _) | (None, Some(name)) => match stage_index(name) {
            Some(i) if args.from.is_some() => Selection::From(i),
            Some(i) => Selection::Only(i),
            None => {
                let names: Vec<&str> = plan.stages.iter().map(|s| s.name.as_str()).collect();
                eprintln!(
                    "error: no stage '{name}' in playbook {}; its stages are: {}",
                    original.playbook,
                    names.join(", ")
                );
                return exit::BAD_INPUT;
            }
        },
        (None, None) => Selection::Resume,
    };
    let host_names: Vec<String> = ctx.inventory.hosts.iter().map(|h| h.name.clone()).collect();
    let history = chain_events(&all, &original);
    let mut replay = resume::compute(&history, &plan, &playbook, &host_names, selection);
    let pool = match ctx.pool() {
        Ok(p) => p,
        Err(code) => return code,
    };
    ask_hosts(&ctx, &pool, &mut replay).await;

    let kind = origin_kind(&all, &original.summary);
    let context = match kind.as_str() {
        "up" => match super::up::prepare(&ctx, super::up::RenderedTree::Write) {
            Some(c) => c,
            None => return exit::BAD_INPUT,
        },
        // The generated restart carries its paths resolved; it needs no context.
        "run" | "restart" => serde_json::Map::new(),
        other => {
            eprintln!(
                "error: cannot replay run {run_id}: runs of kind '{other}' cannot be replayed"
            );
            return exit::BAD_INPUT;
        }
    };

    let outcome = match &original.summary.failed_stage {
        Some(stage) => format!("{} at stage '{stage}'", original.summary.outcome),
        None => original.summary.outcome.clone(),
    };
    let header = format!(
        "replay of run {run_id} ({kind} {}, {outcome}):\n{}",
        original.playbook,
        replay.describe()
    );
    // Keep stdout pure JSON lines under --output json.
    if global.output == Output::Json {
        eprint!("{header}");
    } else {
        print!("{header}");
    }
    if args.dry_run {
        pool.close_all().await;
        return exit::OK;
    }

    let opts = RunOptions {
        kind: "replay".into(),
        continues: Some(run_id),
        done_tasks: replay.done_tasks,
        excluded_stages: replay.excluded_stages,
        rechecked_stages: replay.rechecked_stages,
        unseen: replay.unseen,
        ..RunOptions::default()
    };
    super::run::execute_on(&pool, global, &ctx, &playbook, &text, &plan, opts, context).await
}

/// Asks the hosts of the tasks whose end was never seen what became of
/// them, for the summary; the run asks again before it acts, since a
/// running task may end in between.
async fn ask_hosts(ctx: &Context, pool: &Pool, replay: &mut resume::ReplayPlan) {
    let cancel = CancellationToken::new();
    let asks = replay.unseen.iter().map(|((stage, host), u)| {
        let target = ctx.inventory.hosts.iter().position(|h| &h.name == host);
        let cancel = cancel.clone();
        async move {
            let said = match target {
                None => "its host is no longer in the inventory".to_string(),
                Some(i) => match pool.connect(&ctx.targets[i]).await {
                    Err(e) => format!("host unreachable ({e}): asked again when the replay runs"),
                    Ok(conn) => {
                        let key = record::key(host, stage, u.attempt);
                        match recover::ask(&conn, &u.run, &key, Duration::ZERO, &cancel).await {
                            Ok(rec) => recover::describe(&rec),
                            Err(e) => format!("{e}: asked again when the replay runs"),
                        }
                    }
                },
            };
            ((stage.clone(), host.clone()), said)
        }
    });
    let answers = futures::future::join_all(asks).await;
    replay.asked.extend(answers);
}

enum Pick {
    /// Nothing to do: say so and exit 0.
    Nothing(String),
    /// Exit 2.
    Bad(String),
}

/// The run to replay: the one named, or the newest that did not succeed and
/// that no later succeeded replay (directly or down a chain) finished. With
/// `--from`/`--only` and nothing unfinished, the newest run.
fn pick(all: &[RunSummary], named: Option<&str>, asks_stage: bool) -> Result<RunSummary, Pick> {
    if let Some(id) = named {
        let found: Vec<&RunSummary> = match all.iter().find(|r| r.id == id) {
            Some(r) => vec![r],
            None => all.iter().filter(|r| r.id.starts_with(id)).collect(),
        };
        return match found.as_slice() {
            [r] if r.outcome == "succeeded" && !asks_stage => Err(Pick::Nothing(format!(
                "nothing to replay: run {} succeeded (use --from STAGE or --only STAGE to re-run a stage)",
                r.id
            ))),
            [r] => Ok((*r).clone()),
            [] => Err(Pick::Bad(format!(
                "no run '{id}' in {} (see `herd runs`)",
                runs::runs_dir().display()
            ))),
            many => Err(Pick::Bad(format!(
                "run '{id}' is ambiguous: {}",
                many.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    let Some(newest) = all.last() else {
        return Err(Pick::Bad(format!(
            "no runs journaled in {}: nothing to replay",
            runs::runs_dir().display()
        )));
    };
    let mut resolved: HashSet<&str> = HashSet::new();
    for r in all.iter().filter(|r| r.outcome == "succeeded") {
        let mut next = r.continues.as_deref();
        while let Some(id) = next {
            if !resolved.insert(id) {
                break;
            }
            next = all
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| p.continues.as_deref());
        }
    }
    if let Some(r) = all
        .iter()
        .rev()
        .find(|r| r.outcome != "succeeded" && !resolved.contains(r.id.as_str()))
    {
        return Ok(r.clone());
    }
    if asks_stage {
        return Ok(newest.clone());
    }
    Err(Pick::Nothing(format!(
        "nothing to replay: the last run {} succeeded",
        newest.id
    )))
}

fn load(summary: RunSummary) -> Result<Original, String> {
    let record = journal::read(&summary.dir)?;
    if record.torn_tail {
        eprintln!(
            "note: the journal of run {} ends in a partly written line (herd was killed); it is ignored",
            summary.id
        );
    }
    let events: Vec<Event> = record.events.into_iter().map(|s| s.event).collect();
    let started = events.iter().find_map(|e| match e {
        Event::RunStarted {
            playbook,
            playbook_digest,
            inventory,
            inventory_digest,
            ..
        } => Some((
            playbook.clone(),
            playbook_digest.clone(),
            inventory.clone(),
            inventory_digest.clone(),
        )),
        _ => None,
    });
    let Some((playbook, playbook_digest, inventory, inventory_digest)) = started else {
        return Err(format!(
            "the journal of run {} does not record its start; it cannot be replayed",
            summary.id
        ));
    };
    Ok(Original {
        summary,
        events,
        playbook,
        playbook_digest,
        inventory,
        inventory_digest,
    })
}

/// The events of the run and of every run it continues, oldest first. A
/// replay that failed early never journals the tasks beyond its failure, so
/// what its predecessors completed must come from their journals.
fn chain_events(all: &[RunSummary], original: &Original) -> Vec<Event> {
    let mut chain: Vec<Vec<Event>> = vec![original.events.clone()];
    let mut seen: HashSet<&str> = HashSet::from([original.summary.id.as_str()]);
    let mut next = original.summary.continues.as_deref();
    while let Some(id) = next {
        if !seen.insert(id) {
            break;
        }
        let Some(prev) = all.iter().find(|r| r.id == id) else {
            eprintln!(
                "note: run {id}, which run {} continues, is gone; only the later journals are used",
                original.summary.id
            );
            break;
        };
        match journal::read(&prev.dir) {
            Ok(rec) => chain.push(rec.events.into_iter().map(|s| s.event).collect()),
            Err(e) => {
                eprintln!("warning: {e}; the runs before it are not used");
                break;
            }
        }
        next = prev.continues.as_deref();
    }
    chain.into_iter().rev().flatten().collect()
}

/// The kind of run a chain of replays started from (decides the template
/// context to rebuild).
fn origin_kind(all: &[RunSummary], run: &RunSummary) -> String {
    let mut current = run;
    for _ in 0..all.len() {
        if current.kind != "replay" {
            return current.kind.clone();
        }
        match current
            .continues
            .as_deref()
            .and_then(|id| all.iter().find(|r| r.id == id))
        {
            Some(prev) => current = prev,
            None => break,
        }
    }
    // The chain's start was removed: the bundled playbook only runs as `up`.
    if current.playbook.starts_with("bundled:") {
        "up".into()
    } else {
        "run".into()
    }
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// What differs between the run's inputs and the replay's, one message each.
fn changes(
    original: &Original,
    saved_playbook: &str,
    inventory: &Path,
    run_dir: &Path,
) -> Vec<String> {
    let mut out = Vec::new();
    let id = &original.summary.id;
    if sha256(saved_playbook.as_bytes()) != original.playbook_digest {
        out.push(format!(
            "playbook changed: the copy kept in {} differs from what run {id} ran",
            run_dir.join("playbook.yaml").display()
        ));
    } else {
        // The replay runs the kept copy; a playbook edited since would not apply.
        let current = match original.playbook.strip_prefix("bundled:") {
            Some(name) => crate::playbooks::bundled(name).map(|t| t.as_bytes().to_vec()),
            None => std::fs::read(&original.playbook).ok(),
        };
        if let Some(current) = current
            && sha256(&current) != original.playbook_digest
        {
            out.push(format!(
                "playbook changed: {} differs from the copy run {id} ran (the replay runs that copy, {})",
                original.playbook,
                run_dir.join("playbook.yaml").display()
            ));
        }
    }
    let now = std::fs::read(inventory).unwrap_or_default();
    if sha256(&now) != original.inventory_digest {
        let kept = run_dir.join("inventory.yaml");
        let before = std::fs::read(&kept)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let after = String::from_utf8_lossy(&now);
        let diff = similar::TextDiff::from_lines(before.as_str(), after.as_ref())
            .unified_diff()
            .context_radius(2)
            .header(
                &format!("{} (run {id})", original.inventory),
                &inventory.display().to_string(),
            )
            .to_string();
        out.push(format!(
            "inventory changed since run {id}:\n{}",
            shorten_diff(&diff, 40)
        ));
    }
    out
}

/// A diff cut to `max` lines, saying how much was left out.
fn shorten_diff(diff: &str, max: usize) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= max {
        return diff.trim_end().to_string();
    }
    format!(
        "{}\n... ({} more lines)",
        lines[..max].join("\n"),
        lines.len() - max
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, outcome: &str, continues: Option<&str>) -> RunSummary {
        RunSummary {
            id: id.into(),
            kind: if continues.is_some() {
                "replay".into()
            } else {
                "run".into()
            },
            playbook: "p.yaml".into(),
            started: 0.0,
            duration_ms: None,
            outcome: outcome.into(),
            failed_stage: None,
            continues: continues.map(Into::into),
            dir: std::path::PathBuf::from(id),
        }
    }

    fn picked(all: &[RunSummary], named: Option<&str>, stage: bool) -> String {
        match pick(all, named, stage) {
            Ok(r) => r.id,
            Err(Pick::Nothing(m)) => format!("nothing: {m}"),
            Err(Pick::Bad(m)) => format!("bad: {m}"),
        }
    }

    #[test]
    fn the_last_unfinished_run_is_replayed_unless_a_succeeded_replay_chain_finished_it() {
        let all = vec![
            run("1", "failed", None),
            run("2", "failed", Some("1")),
            run("3", "succeeded", Some("2")),
        ];
        assert!(
            picked(&all, None, false)
                .starts_with("nothing: nothing to replay: the last run 3 succeeded")
        );
        assert_eq!(picked(&all, None, true), "3");
        let all = vec![
            run("1", "failed", None),
            run("2", "incomplete", None),
            run("3", "succeeded", Some("2")),
        ];
        assert_eq!(picked(&all, None, false), "1");
        let all = vec![run("1", "interrupted", None), run("2", "failed", Some("1"))];
        assert_eq!(picked(&all, None, false), "2");
    }

    #[test]
    fn a_named_run_may_be_a_unique_prefix() {
        let all = vec![
            run("20250101-aa", "failed", None),
            run("20250101-ab", "succeeded", None),
        ];
        assert_eq!(picked(&all, Some("20250101-aa"), false), "20250101-aa");
        assert!(
            picked(&all, Some("20250101-a"), false)
                .starts_with("bad: run '20250101-a' is ambiguous")
        );
        assert!(
            picked(&all, Some("20250101-ab"), false)
                .starts_with("nothing: nothing to replay: run 20250101-ab succeeded")
        );
        assert_eq!(picked(&all, Some("20250101-ab"), true), "20250101-ab");
        assert!(picked(&all, Some("x"), false).starts_with("bad: no run 'x'"));
    }

    #[test]
    fn origin_kind_follows_the_continues_chain() {
        let mut first = run("1", "failed", None);
        first.kind = "up".into();
        let all = vec![
            first,
            run("2", "failed", Some("1")),
            run("3", "failed", Some("2")),
        ];
        assert_eq!(origin_kind(&all, &all[2]), "up");
        let orphan = run("9", "failed", Some("gone"));
        assert_eq!(origin_kind(&all, &orphan), "run");
    }
}
