//! `herd status`: every service on every host, HA roles, worker counts and
//! stale configs in one table; `--json` for scripts, `--watch` to follow.

use std::io::Write;
use std::time::{Duration, Instant};

use super::common::InventoryArg;
use super::error::fail;
use super::{GlobalArgs, Output};
use crate::exit;
use crate::hadoop::observe::{self, Layout, Status};
use crate::session::Fleet;
use crate::transport::Pool;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// One JSON document (hosts, services, cluster, health) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Redraw every SECS seconds (default 2) until Ctrl-C.
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "2",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub watch: Option<u64>,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let ctx = match args.inventory.load(global) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let topo = match crate::hadoop::validate(&ctx.inventory) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let inv = &ctx.inventory;
    let layout = Layout::new(inv, &topo);
    let pool = match ctx.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let json = args.json || global.output == Output::Json;

    let code = match args.watch {
        None => {
            let (st, took) = once(&pool, &ctx, &layout).await;
            print(&st, json, global, took);
            if st.cluster.healthy {
                exit::OK
            } else {
                exit::FAILED
            }
        }
        Some(secs) => loop {
            let (st, took) = once(&pool, &ctx, &layout).await;
            if !json {
                // Clear and home, so the table redraws in place.
                print!("\x1b[2J\x1b[H");
                println!("herd status  every {secs}s  {}  (Ctrl-C to stop)\n", now());
            }
            print(&st, json, global, took);
            let _ = std::io::stdout().flush();
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(secs)) => {}
                _ = tokio::signal::ctrl_c() => break if st.cluster.healthy { exit::OK } else { exit::FAILED },
            }
        },
    };
    pool.close_all().await;
    code
}

/// Connect (reusing live connections) and read the cluster once.
async fn once(pool: &Pool, ctx: &Fleet, layout: &Layout) -> (Status, Duration) {
    let start = Instant::now();
    let readings = observe::connect_and_gather(pool, &ctx.targets, layout).await;
    (observe::assess(layout, &readings), start.elapsed())
}

fn print(st: &Status, json: bool, global: &GlobalArgs, took: Duration) {
    if json {
        println!("{}", serde_json::to_string_pretty(st).unwrap_or_default());
    } else if global.quiet {
        for p in &st.cluster.problems {
            println!("{p}");
        }
        for w in &st.cluster.warnings {
            println!("warning: {w}");
        }
    } else {
        print!("{}", observe::format(st));
    }
    if global.verbose {
        eprintln!("status gathered in {:.0} ms", took.as_secs_f64() * 1000.0);
    }
}

fn now() -> String {
    let fmt = time::macros::format_description!("[hour]:[minute]:[second]");
    let t = time::OffsetDateTime::now_utc()
        .format(&fmt)
        .unwrap_or_default();
    format!("{t} UTC")
}
