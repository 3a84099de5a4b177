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

/// How long each part of one pass took: at a thousand hosts the operator
/// (and the bench) must see whether connecting or reading costs the time.
#[derive(Debug, Clone, Copy, Default)]
struct Took {
    connect: Duration,
    gather: Duration,
    assess: Duration,
}

/// Connect (reusing live connections) and read the cluster once.
async fn once(pool: &Pool, ctx: &Fleet, layout: &Layout) -> (Status, Took) {
    let start = Instant::now();
    let conns = observe::connect(pool, &ctx.targets).await;
    let connected = Instant::now();
    let readings = observe::gather(layout, &conns).await;
    let gathered = Instant::now();
    let st = observe::assess(layout, &readings);
    let took = Took {
        connect: connected - start,
        gather: gathered - connected,
        assess: gathered.elapsed(),
    };
    (st, took)
}

fn print(st: &Status, json: bool, global: &GlobalArgs, took: Took) {
    let start = Instant::now();
    let text = if json {
        let mut t = serde_json::to_string_pretty(st).unwrap_or_default();
        t.push('\n');
        t
    } else if global.quiet {
        let mut t = String::new();
        for p in &st.cluster.problems {
            t.push_str(&format!("{p}\n"));
        }
        for w in &st.cluster.warnings {
            t.push_str(&format!("warning: {w}\n"));
        }
        t
    } else {
        observe::format(st)
    };
    let render = start.elapsed();
    // One write: a thousand-host table line by line through the
    // line-buffered stdout costs a write(2) per line.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if global.verbose {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let total = took.connect + took.gather + took.assess + render;
        eprintln!(
            "status gathered in {:.0} ms (connect {:.0} ms, gather {:.0} ms, assess {:.0} ms, render {:.0} ms; {} hosts)",
            ms(total),
            ms(took.connect),
            ms(took.gather),
            ms(took.assess),
            ms(render),
            st.hosts.len()
        );
    }
}

fn now() -> String {
    let fmt = time::macros::format_description!("[hour]:[minute]:[second]");
    let t = time::OffsetDateTime::now_utc()
        .format(&fmt)
        .unwrap_or_default();
    format!("{t} UTC")
}
