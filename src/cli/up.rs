//! `herd up`: the HA bring-up. Validates the cluster topology, renders every
//! host's configuration, then runs the bundled playbook (or `--playbook`)
//! with those files and paths visible to its templates as `hadoop`.

use std::path::PathBuf;

use super::GlobalArgs;
use super::common::{Context, InventoryArg, load_playbook};
use crate::engine::RunOptions;
use crate::exit;
use crate::hadoop;
use crate::model::ModelErrors;
use crate::plan;
use crate::report::runs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// A playbook to use instead of the bundled HA bring-up (it sees the same `hadoop` object).
    #[arg(long, value_name = "FILE")]
    pub playbook: Option<PathBuf>,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let ctx = match Context::load(global, &args.inventory) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(prepared) = prepare(&ctx, RenderedTree::Write) else {
        return exit::BAD_INPUT;
    };
    let (playbook, text) = match load_playbook(args.playbook.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plan = match plan::build(&ctx.inventory, &playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let opts = RunOptions {
        kind: "up".into(),
        ..RunOptions::default()
    };
    super::run::execute(global, &ctx, &playbook, &text, &plan, opts, prepared).await
}

/// Whether [`prepare`] writes the rendered files where the playbook's
/// uploads read them (`herd plan` only shows what a run would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderedTree {
    Write,
    Skip,
}

/// Topology checks and rendered configs, before any connection. On bad
/// input, prints every problem and returns None. Otherwise returns the
/// extra template context of the bring-up.
pub fn prepare(
    ctx: &Context,
    tree: RenderedTree,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let inv = &ctx.inventory;
    let topo = match hadoop::validate(inv) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    for w in &topo.warnings {
        eprintln!("warning: {w}");
    }
    let missing = topo.settings.missing_dist(inv);
    if !missing.is_empty() {
        eprintln!("{}", ModelErrors(missing));
        return None;
    }
    let files = match hadoop::render(inv, &topo) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    // A fresh tree every time: a file no longer rendered must not be uploaded.
    let rendered = runs::state_dir().join("rendered").join(&inv.cluster);
    if tree == RenderedTree::Write {
        let _ = std::fs::remove_dir_all(&rendered);
    }
    if tree == RenderedTree::Write
        && let Err(e) = files.write_tree(&rendered)
    {
        eprintln!(
            "error: cannot write rendered configs to {}: {e}",
            rendered.display()
        );
        return None;
    }
    let rendered = std::fs::canonicalize(&rendered).unwrap_or(rendered);
    let mut users: Vec<String> = inv.hosts.iter().map(|h| h.user.clone()).collect();
    users.sort();
    users.dedup();
    let mut context = serde_json::Map::new();
    context.insert(
        "hadoop".into(),
        hadoop::context::template_object(inv, &topo, &users, &rendered),
    );
    Some(context)
}
