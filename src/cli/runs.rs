//! `herd runs`: the journaled runs and how they ended.

use super::{GlobalArgs, Output};
use crate::exit;
use crate::report::runs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show at most this many of the newest runs.
    #[arg(long, default_value_t = 20)]
    pub last: usize,
}

pub fn main(global: &GlobalArgs, args: Args) -> i32 {
    let (all, problems) = runs::list(&runs::runs_dir());
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let shown = &all[all.len().saturating_sub(args.last)..];
    if global.output == Output::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(shown).unwrap_or_default()
        );
        return exit::OK;
    }
    if shown.is_empty() {
        println!("no runs journaled in {}", runs::runs_dir().display());
        return exit::OK;
    }
    println!(
        "{:<26} {:<8} {:<28} {:<20} {:>9} {:<12} FAILED STAGE / CONTINUES",
        "RUN", "KIND", "PLAYBOOK", "STARTED (UTC)", "DURATION", "OUTCOME"
    );
    for r in shown {
        let started = time::OffsetDateTime::from_unix_timestamp(r.started as i64)
            .ok()
            .and_then(|t| {
                t.format(&time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                ))
                .ok()
            })
            .unwrap_or_else(|| "-".into());
        let duration = r
            .duration_ms
            .map(|d| format!("{:.1}s", d as f64 / 1000.0))
            .unwrap_or_else(|| "-".into());
        let mut extra = r.failed_stage.clone().unwrap_or_default();
        if let Some(c) = &r.continues {
            if !extra.is_empty() {
                extra.push_str("; ");
            }
            extra.push_str(&format!("continues {c}"));
        }
        println!(
            "{:<26} {:<8} {:<28} {:<20} {:>9} {:<12} {}",
            r.id,
            r.kind_text(),
            r.playbook,
            started,
            duration,
            r.outcome_text(),
            extra
        );
    }
    exit::OK
}
