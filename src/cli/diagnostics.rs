//! herd's own diagnostics (`tracing`) on stderr, never stdout, so
//! `--output json` keeps stdout one event per line. By default only warnings
//! show; `-v` adds herd's debug detail (connections, commands, gate polls);
//! `-q` leaves errors only. Other crates stay at warnings whatever the flags:
//! their debug output is about their internals, not the cluster.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::GlobalArgs;

/// What is shown, by `-v/-q`.
pub fn filter(global: &GlobalArgs) -> Targets {
    let (herd, others) = if global.quiet {
        (LevelFilter::ERROR, LevelFilter::ERROR)
    } else if global.verbose {
        (LevelFilter::DEBUG, LevelFilter::WARN)
    } else {
        (LevelFilter::WARN, LevelFilter::WARN)
    };
    Targets::new()
        .with_default(others)
        .with_target("herd", herd)
}

/// Installs the stderr subscriber for the whole process.
pub fn install(global: &GlobalArgs) {
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    // Fails only when a subscriber is already set, which then stays.
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter(global))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use tracing::Level;

    fn filter_for(flags: &[&str]) -> Targets {
        let mut args = vec!["herd"];
        args.extend_from_slice(flags);
        args.push("runs");
        filter(&super::super::Cli::parse_from(args).global)
    }

    #[test]
    fn verbose_shows_herd_debug_detail_and_nothing_else_does() {
        let transport = "herd::transport::pool";
        let verbose = filter_for(&["-v"]);
        assert!(verbose.would_enable(transport, &Level::DEBUG));
        assert!(!verbose.would_enable(transport, &Level::TRACE));
        assert!(!verbose.would_enable("russh::client", &Level::DEBUG));
        assert!(verbose.would_enable("russh::client", &Level::WARN));

        let normal = filter_for(&[]);
        assert!(!normal.would_enable(transport, &Level::DEBUG));
        assert!(!normal.would_enable(transport, &Level::INFO));
        assert!(normal.would_enable(transport, &Level::WARN));

        let quiet = filter_for(&["-q"]);
        assert!(!quiet.would_enable(transport, &Level::WARN));
        assert!(quiet.would_enable(transport, &Level::ERROR));
        assert!(!quiet.would_enable("russh::client", &Level::WARN));
    }
}
