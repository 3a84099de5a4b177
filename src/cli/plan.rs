//! `herd plan`: the DAG as ordered waves of (stage x hosts), or Graphviz.

use std::path::PathBuf;

use super::GlobalArgs;
use super::common::InventoryArg;
use super::error::fail;
use crate::engine::preview::Preview;
use crate::exit;
use crate::model::{Expectation, ProbeCheck, Stage};
use crate::plan;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Playbook file; the bundled HA bring-up when omitted.
    pub playbook: Option<PathBuf>,
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Print Graphviz (pipe into `dot -Tsvg`).
    #[arg(long)]
    pub dot: bool,
}

pub fn main(global: &GlobalArgs, args: Args) -> i32 {
    let ctx = match args.inventory.load(global) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    // The bundled bring-up sees the `hadoop` object `herd up` gives it,
    // and runs on the hosts it runs on.
    let (extra, ctx) = match &args.playbook {
        None => match super::up::prepare(&ctx, super::up::RenderedTree::Skip) {
            Ok(p) => {
                let fleet = p.fleet(&ctx);
                (p.vars, fleet)
            }
            Err(e) => return fail(e),
        },
        Some(_) => (serde_json::Map::new(), ctx),
    };
    let playbook = match crate::session::playbook::load(args.playbook.as_deref()) {
        Ok((p, _)) => p,
        Err(e) => return fail(e),
    };
    let plan = match plan::build(&ctx.inventory, &playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    if args.dot {
        print!("{}", plan::to_dot(&plan, &ctx.inventory, &playbook));
        return exit::OK;
    }
    let problems = crate::engine::prerender::check(&ctx.inventory, &playbook, &plan, &extra);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        return exit::BAD_INPUT;
    }
    let preview = Preview::new(&ctx.inventory, &playbook, &extra);
    let every_host = global.verbose;
    let waves = plan::waves(&plan);
    println!(
        "plan {}: {} stage(s) on {} host(s), {} wave(s)",
        playbook.name,
        plan.stages.len(),
        ctx.inventory.hosts.len(),
        waves.len()
    );
    for (i, wave) in waves.iter().enumerate() {
        println!("wave {}", i + 1);
        for ws in &wave.stages {
            let planned = &plan.stages[ws.stage];
            let stage = &playbook.stages[planned.stage];
            let names: Vec<&str> = ws
                .hosts
                .iter()
                .map(|&h| ctx.inventory.hosts[h].name.as_str())
                .collect();
            let deps: Vec<&str> = planned
                .deps
                .iter()
                .map(|&d| plan.stages[d].name.as_str())
                .collect();
            if names.is_empty() && planned.probe_hosts.is_empty() {
                // A selector of optional roles no host carries.
                println!("  {:<24} no host", planned.name);
            } else {
                println!(
                    "  {:<24} {} host(s): {}",
                    planned.name,
                    names.len(),
                    abbreviate(&names)
                );
            }
            if !deps.is_empty() {
                println!("  {:<24} after: {}", "", deps.join(", "));
            }
            let gate = planned
                .probe_hosts
                .first()
                .and_then(|&h| preview.gate(planned.stage, h))
                .and_then(Result::ok);
            let uploads = ws
                .hosts
                .first()
                .map(|&h| preview.uploads(planned.stage, h))
                .unwrap_or_default();
            for note in notes(stage, planned.batches.len(), gate.as_ref(), &uploads) {
                println!("  {:<24} {note}", "");
            }
            let users: Vec<Option<String>> = ws
                .hosts
                .iter()
                .map(|&h| preview.become_user(planned.stage, h))
                .collect();
            if stage.has_work()
                && let Some(note) = become_note(&users)
            {
                println!("  {:<24} {note}", "");
            }
            let shown = if every_host { ws.hosts.len() } else { 1 };
            for (&h, user) in ws.hosts.iter().zip(&users).take(shown) {
                if let Some(Ok(command)) = preview.command(planned.stage, h) {
                    print_command(&ctx.inventory.hosts[h].name, user.as_deref(), &command);
                }
            }
        }
    }
    exit::OK
}

/// `as hdfs (sudo)`: whom the stage's commands run as, over its hosts;
/// None when all run as the login user.
fn become_note(users: &[Option<String>]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for u in users.iter().flatten() {
        if !names.contains(&u.as_str()) {
            names.push(u);
        }
    }
    if names.is_empty() {
        return None;
    }
    let some = users.iter().filter(|u| u.is_some()).count();
    let part = if some < users.len() {
        format!(" on {some} of {} host(s)", users.len())
    } else {
        String::new()
    };
    Some(format!("as {} (sudo){part}", names.join(", ")))
}

/// A rendered command under its stage; a script keeps its lines.
fn print_command(host: &str, user: Option<&str>, command: &str) {
    let lines: Vec<&str> = command
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let host = match user {
        Some(u) => format!("{host} as {u}"),
        None => host.to_string(),
    };
    match lines.as_slice() {
        [] => {}
        [one] => println!("  {:<24} run on {host}: {}", "", one.trim()),
        many => {
            println!("  {:<24} run on {host}:", "");
            for l in many {
                println!("  {:<24}   {l}", "");
            }
        }
    }
}

/// A template on one line: multi-line scripts show their first line.
fn one_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        format!("{first} ...")
    } else {
        first
    }
}

/// Guards, batching and probe of a stage, one line each.
/// `gate` is the probe as rendered for its first host, when it renders.
/// `uploads` are the stage's uploads as rendered for its first host.
fn notes(
    stage: &Stage,
    batches: usize,
    gate: Option<&(String, ProbeCheck)>,
    uploads: &[(String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    if stage.once {
        out.push("once (first matching host)".into());
    }
    if let Some(c) = &stage.creates {
        out.push(format!("skip where exists: {}", one_line(c)));
    }
    if let Some(u) = &stage.unless {
        out.push(format!("skip unless: {}", one_line(u)));
    }
    if let Some(w) = &stage.when {
        out.push(format!("only when: {}", one_line(w)));
    }
    for (src, dest) in uploads {
        out.push(format!("upload {src} -> {dest} (only what differs)"));
    }
    if let Some(s) = stage.serial {
        out.push(format!(
            "serial: {s} host(s) per batch, {batches} batch(es)"
        ));
    }
    if let Some(p) = &stage.probe {
        let (address, check) = gate.map_or((&p.address, &p.check), |(a, c)| (a, c));
        let what = match check {
            ProbeCheck::Tcp { port } => format!("tcp {address}:{port}"),
            ProbeCheck::Http {
                port,
                path,
                status,
                json,
                ..
            } => {
                let j = json
                    .as_ref()
                    .map(|j| match &j.equals {
                        Some(v) => format!(" {} == {v}", j.pointer),
                        None => format!(
                            " {} ~ /{}/",
                            j.pointer,
                            j.matches.as_ref().map(|r| r.as_str()).unwrap_or("")
                        ),
                    })
                    .unwrap_or_default();
                format!("http {address}:{port}{path} -> {status}{j}")
            }
            ProbeCheck::Command { run, exit, .. } => {
                format!("command `{}` exits {exit}", one_line(run))
            }
            ProbeCheck::Zk { port, word, .. } => format!("zk {word} on {address}:{port}"),
        };
        let expect = match p.expect {
            Expectation::All => "all".to_string(),
            Expectation::Any => "any".to_string(),
            Expectation::ExactlyOne => "exactly one".to_string(),
            Expectation::Count(n) => format!("count {n}"),
        };
        out.push(format!(
            "gate: {what}, expect {expect}, timeout {}s",
            p.timeout.as_secs()
        ));
    }
    out
}

fn abbreviate(names: &[&str]) -> String {
    if names.len() <= 8 {
        names.join(" ")
    } else {
        format!(
            "{} ... {} ({} more)",
            names[..4].join(" "),
            names[names.len() - 2..].join(" "),
            names.len() - 6
        )
    }
}
