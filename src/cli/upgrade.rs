//! `herd upgrade`: read the cluster, then move every daemon to the
//! inventory's distributions with the HDFS rolling-upgrade protocol (see
//! [`crate::hadoop::restart::upgrade`]), journaled as kind `upgrade` so
//! `herd replay` resumes it; `--finalize` ends the HDFS rolling upgrade.

use super::GlobalArgs;
use super::common::{InventoryArg, MaxFailuresArg};
use super::error::fail;
use crate::events::RunKind;
use crate::exit;
use crate::hadoop::observe::{self, Layout};
use crate::hadoop::restart::{self, Batch, Refusal, UpgradeAction, UpgradeOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Worker hosts upgraded at once: a number, or `rack`. DataNode
    /// batches that may hold every replica of a block are refused.
    #[arg(long, default_value = "1", value_name = "N|rack")]
    pub batch: Batch,
    /// End the HDFS rolling upgrade: refused until every HDFS daemon runs
    /// the new version. After it there is no way back to the old software.
    #[arg(long, conflicts_with_all = ["downgrade", "rollback"])]
    pub finalize: bool,
    /// Back to the software vars.dist names (point it at the old release
    /// first), rolling, keeping what was written since the upgrade began;
    /// ends with finalize. Only before finalize, and only between releases
    /// with the same HDFS layout versions (checked before any daemon moves).
    #[arg(long, conflicts_with = "rollback")]
    pub downgrade: bool,
    /// Back to the image the upgrade's prepare saved, on the software
    /// vars.dist names: every NameNode and DataNode stops, and what was
    /// written since prepare is gone. Only before finalize or a downgrade.
    #[arg(long)]
    pub rollback: bool,
    #[command(flatten)]
    pub failures: MaxFailuresArg,
    /// Print the generated steps and exit.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let ctx = match args.inventory.load(global) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let inv = &ctx.inventory;
    let topo = match crate::hadoop::validate(inv) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let missing = topo.settings.missing_dist(inv);
    if !missing.is_empty() {
        for e in &missing {
            eprintln!("{e}");
        }
        return exit::BAD_INPUT;
    }
    let layout = Layout::new(inv, &topo);
    let opts = UpgradeOptions {
        action: match (args.finalize, args.downgrade, args.rollback) {
            (true, _, _) => UpgradeAction::Finalize,
            (_, true, _) => UpgradeAction::Downgrade,
            (_, _, true) => UpgradeAction::Rollback,
            _ => UpgradeAction::Upgrade,
        },
        batch: args.batch,
        tolerate_unreachable: args.failures.max_failures.tolerates_any(),
    };
    let pool = match ctx.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let readings = observe::connect_and_gather(&pool, &ctx.targets, &layout).await;
    pool.close_all().await;

    let generated = match restart::upgrade(inv, &topo, &layout, &readings, &opts) {
        Ok(g) => g,
        Err(Refusal::BadInput(m)) => {
            eprintln!("error: {m}");
            return exit::BAD_INPUT;
        }
        Err(Refusal::Unsafe(m)) => {
            eprintln!("{m}");
            return exit::FAILED;
        }
    };
    let Some(playbook) = &generated.playbook else {
        eprintln!("{}", generated.note.as_deref().unwrap_or("nothing to do"));
        return exit::OK;
    };
    let mut to = Vec::new();
    if let Some(h) = &generated.software.hadoop {
        to.push(format!("Hadoop {}", h.version));
    }
    if let Some(z) = &generated.software.zookeeper {
        to.push(format!("ZooKeeper {}", z.version));
    }
    let what = match opts.action {
        UpgradeAction::Finalize => "upgrade --finalize".to_string(),
        UpgradeAction::Upgrade => format!("upgrade to {}", to.join(" and ")),
        UpgradeAction::Downgrade => format!("downgrade to {}", to.join(" and ")),
        UpgradeAction::Rollback => format!(
            "rollback to the prepare image on Hadoop {}",
            topo.settings
                .dist
                .hadoop
                .as_ref()
                .map(|t| observe::version_of(&t.dir_name))
                .unwrap_or_default()
        ),
    };
    super::generated::run(
        global,
        &ctx,
        super::generated::Generated {
            what,
            steps: generated.describe(),
            step_count: generated.steps.len(),
            playbook,
            text: &generated.text,
            kind: RunKind::Upgrade,
        },
        args.failures.max_failures,
        args.dry_run,
    )
    .await
}
