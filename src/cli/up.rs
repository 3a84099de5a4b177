//! `herd up`: the HA bring-up. Validates the cluster topology, renders every
//! host's configuration, then runs the bundled playbook (or `--playbook`)
//! with those files and paths visible to its templates as `hadoop`.

use std::path::PathBuf;

use super::GlobalArgs;
use super::common::{InventoryArg, MaxFailuresArg};
use super::error::{CliError, fail};
use crate::engine::RunOptions;
use crate::events::RunKind;
use crate::hadoop;
use crate::hadoop::lifecycle::WorkerState;
use crate::model::ModelErrors;
use crate::plan;
use crate::report::runs;
use crate::session::{self, Fleet};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    #[command(flatten)]
    pub failures: MaxFailuresArg,
    /// A playbook to use instead of the bundled HA bring-up (it sees the same `hadoop` object).
    #[arg(long, value_name = "FILE")]
    pub playbook: Option<PathBuf>,
    /// Run the service checks of `herd smoke` once the bring-up succeeded;
    /// the exit status is theirs then.
    #[arg(long)]
    pub smoke: bool,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let prepared = match prepare(&fleet, RenderedTree::Write) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let up_fleet = prepared.fleet(&fleet);
    let (playbook, text) = match session::playbook::load(args.playbook.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let plan = match plan::build(&up_fleet.inventory, &playbook) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let opts = RunOptions {
        kind: RunKind::Up,
        max_failures: args.failures.max_failures,
        ..RunOptions::default()
    };
    let rc = super::run::execute(
        global,
        &up_fleet,
        &playbook,
        &text,
        &plan,
        opts,
        prepared.vars,
    )
    .await;
    if rc != crate::exit::OK || !args.smoke {
        return rc;
    }
    super::smoke::after_up(global, &fleet).await
}

/// Whether [`prepare`] writes the rendered files where the playbook's
/// uploads read them (`herd plan` only shows what a run would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderedTree {
    Write,
    Skip,
}

/// What a bring-up needs besides the playbook.
pub struct Prepared {
    /// The extra template names of the bring-up (`hadoop`).
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// Workers out of service, which the bring-up leaves alone: their
    /// daemons stay as they are, and no gate counts them.
    pub left_out: Vec<(String, WorkerState)>,
    /// The secrets `hadoop`'s commands refer to (secure mode).
    pub secrets: crate::model::Secrets,
}

impl Prepared {
    /// The hosts the bring-up runs on (said on stderr when some are left out).
    pub fn fleet(&self, fleet: &Fleet) -> Fleet {
        let mut out = self.hosts(fleet);
        out.inventory.secrets = out.inventory.secrets.merge(&self.secrets);
        out
    }

    fn hosts(&self, fleet: &Fleet) -> Fleet {
        if self.left_out.is_empty() {
            return fleet.without(&[]);
        }
        let words: Vec<String> = self
            .left_out
            .iter()
            .map(|(h, s)| format!("{h} ({})", s.word()))
            .collect();
        eprintln!(
            "leaving out the workers out of service: {}",
            words.join(", ")
        );
        let names: Vec<String> = self.left_out.iter().map(|(h, _)| h.clone()).collect();
        fleet.without(&names)
    }
}

/// Topology checks and rendered configs (of every host: the masters' lists
/// name the workers out of service too), before any connection; the
/// topology's warnings are printed.
pub fn prepare(fleet: &Fleet, tree: RenderedTree) -> Result<Prepared, CliError> {
    let inv = &fleet.inventory;
    let topo = hadoop::validate(inv)?;
    for w in &topo.warnings {
        eprintln!("warning: {w}");
    }
    let missing = topo.settings.missing_dist(inv);
    if !missing.is_empty() {
        return Err(ModelErrors(missing).into());
    }
    let files = hadoop::render(inv, &topo)?;
    // A fresh tree every time: a file no longer rendered must not be uploaded.
    let rendered = runs::state_dir().join("rendered").join(&inv.cluster);
    if tree == RenderedTree::Write {
        let _ = std::fs::remove_dir_all(&rendered);
        files.write_tree(&rendered).map_err(|e| {
            CliError::BadInput(format!(
                "cannot write rendered configs to {}: {e}",
                rendered.display()
            ))
        })?;
    }
    let rendered = std::fs::canonicalize(&rendered).unwrap_or(rendered);
    let left_out: Vec<(String, WorkerState)> = topo
        .out_of_service()
        .into_iter()
        .map(|h| {
            let s = topo.worker_state(&h);
            (h, s)
        })
        .collect();
    let mut vars = serde_json::Map::new();
    let mut object = hadoop::context::template_object(inv, &topo, &rendered);
    object["stale_marks"] = hadoop::stale_marks::template(&topo, &files);
    let in_run = |h: &str| !left_out.iter().any(|(l, _)| l == h);
    object["relay"] = hadoop::relay::template(inv, &topo, &in_run).map_err(CliError::BadInput)?;
    let (secure, secrets) = secure_template(inv, &topo, tree)?;
    object["secure"] = secure;
    vars.insert("hadoop".into(), object);
    Ok(Prepared {
        vars,
        left_out,
        secrets,
    })
}

/// `hadoop.secure` and its secrets. A run asks for the KDC admin's
/// password (when no file gives it) and issues what certificates are
/// missing; `herd plan` only shows the commands, with nothing asked or
/// issued.
fn secure_template(
    inv: &crate::model::Inventory,
    topo: &hadoop::topology::Topology,
    tree: RenderedTree,
) -> Result<(serde_json::Value, crate::model::Secrets), CliError> {
    use hadoop::secure::template as t;
    let Some(sec) = &topo.settings.security else {
        return t::template(inv, topo, None, None).map_err(CliError::BadInput);
    };
    let run = tree == RenderedTree::Write;
    let password = t::admin_password(sec, run).map_err(CliError::BadInput)?;
    let state = runs::state_dir();
    let ca = if run {
        Some(t::cluster_ca(sec, &state, &inv.cluster).map_err(CliError::BadInput)?)
    } else {
        None
    };
    let store = t::ca_dir(&state, &inv.cluster);
    t::template(
        inv,
        topo,
        password.as_deref(),
        ca.as_ref().map(|c| (c, store.as_path())),
    )
    .map_err(CliError::BadInput)
}
