//! `herd check`: validate the inventory and reach every host in parallel.

use crate::report::columns;
use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::common::InventoryArg;
use super::error::fail;
use super::{GlobalArgs, Output};
use crate::exit;
use crate::transport::{ExecRequest, HostKeyStatus, TransportError};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
}

/// One host's result.
#[derive(Debug, Serialize)]
struct HostCheck {
    host: String,
    address: String,
    reachable: bool,
    auth: String,
    host_key: String,
    user: Option<String>,
    rtt_ms: Option<f64>,
    error: Option<String>,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let pool = match fleet.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let outcomes = pool.connect_all(&fleet.targets).await;
    let checks = futures::future::join_all(fleet.targets.iter().zip(outcomes).map(
        |(t, outcome)| async move {
            let address = format!("{}:{}", t.address, t.port);
            match outcome {
                Ok(conn) => {
                    let rtt = conn
                        .ping()
                        .await
                        .ok()
                        .map(|d: Duration| d.as_secs_f64() * 1000.0);
                    let req = ExecRequest {
                        command: "id -un".into(),
                        stdin: None,
                        secrets: Vec::new(),
                        timeout: Some(Duration::from_secs(20)),
                        record: None,
                    };
                    let (user, error) = match conn.exec(&req, &CancellationToken::new()).await {
                        Ok(o) if o.success() => (Some(o.stdout_str().trim().to_string()), None),
                        Ok(o) => (
                            None,
                            Some(format!(
                                "`id -un` exited {:?}: {}",
                                o.exit_status,
                                o.stderr_tail(2)
                            )),
                        ),
                        Err(e) => (None, Some(e.to_string())),
                    };
                    HostCheck {
                        host: t.name.clone(),
                        address,
                        reachable: true,
                        auth: "ok".into(),
                        host_key: match conn.host_key_status() {
                            HostKeyStatus::Known => "known".into(),
                            HostKeyStatus::Recorded => "recorded (new)".into(),
                        },
                        user,
                        rtt_ms: rtt,
                        error,
                    }
                }
                Err(e) => {
                    let (reachable, auth, host_key) = match &e {
                        TransportError::UnknownHostKey { .. } => (true, "-", "UNKNOWN"),
                        TransportError::HostKeyChanged { .. } => (true, "-", "CHANGED"),
                        TransportError::RevokedHostKey { .. } => (true, "-", "REVOKED"),
                        TransportError::Auth { .. } => (true, "FAILED", "known"),
                        _ => (false, "-", "-"),
                    };
                    HostCheck {
                        host: t.name.clone(),
                        address,
                        reachable,
                        auth: auth.into(),
                        host_key: host_key.into(),
                        user: None,
                        rtt_ms: None,
                        error: Some(e.to_string()),
                    }
                }
            }
        },
    ))
    .await;
    pool.close_all().await;

    let failed = checks.iter().filter(|c| c.error.is_some()).count();
    match global.output {
        Output::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&checks).unwrap_or_default()
            );
        }
        Output::Human => print_table(&checks),
    }
    if failed > 0 {
        if global.output == Output::Human {
            println!("\n{failed} of {} host(s) failed", checks.len());
        }
        exit::FAILED
    } else {
        if global.output == Output::Human && !global.quiet {
            println!("\nall {} host(s) reachable", checks.len());
        }
        exit::OK
    }
}

fn print_table(checks: &[HostCheck]) {
    let rows: Vec<[String; 6]> = checks
        .iter()
        .map(|c| {
            [
                c.host.clone(),
                c.address.clone(),
                if c.reachable {
                    "yes".into()
                } else {
                    "NO".into()
                },
                c.auth.clone(),
                c.host_key.clone(),
                match (&c.user, c.rtt_ms) {
                    (Some(u), Some(r)) => format!("{u}  {r:.1} ms"),
                    (Some(u), None) => u.clone(),
                    _ => "-".into(),
                },
            ]
        })
        .collect();
    let header = [
        "HOST",
        "ADDRESS",
        "REACHABLE",
        "AUTH",
        "HOST KEY",
        "USER  RTT",
    ];
    let widths = columns::widths(&header, &rows);
    let line = |cells: &[String]| columns::line(cells, &widths);
    println!("{}", line(&header.map(String::from)));
    for (r, c) in rows.iter().zip(checks) {
        println!("{}", line(r));
        if let Some(e) = &c.error {
            println!("    {e}");
        }
    }
}
