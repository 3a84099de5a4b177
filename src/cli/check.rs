//! `herd check`: validate the inventory and reach every host in parallel;
//! warn, offline, when the NameNode heap is below the rule for the objects
//! the inventory expects (`vars.health`).

use crate::report::columns;
use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::common::InventoryArg;
use super::error::fail;
use super::{GlobalArgs, Output};
use crate::exit;
use crate::model::{Become, Secrets};
use crate::transport::{ExecRequest, HostKeyStatus, TransportError, sudo_check};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Judge the inventory only (the NameNode heap against the objects
    /// vars.health expects); reach no host.
    #[arg(long)]
    pub offline: bool,
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
    /// For a host whose inventory entry becomes a user: sudo's verdict
    /// (`ok`, `needs a password`, `not allowed`, `wrong password`, `not
    /// installed`, `failed`) for that user.
    #[serde(skip_serializing_if = "Option::is_none")]
    sudo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sudo_user: Option<String>,
    /// On a secure inventory: what is wrong with the host's Kerberos and
    /// TLS (KDC, clock, keytabs, certificate), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    security: Vec<String>,
    error: Option<String>,
}

/// The secure-mode checks of a secure inventory (see `hadoop::secure::check`).
struct SecureCheck {
    settings: crate::hadoop::settings::Settings,
    ca_pem: Option<String>,
}

impl SecureCheck {
    fn new(inv: &crate::model::Inventory) -> Option<SecureCheck> {
        let mut errors = Vec::new();
        let settings = crate::hadoop::settings::read(inv, &mut errors);
        let sec = settings.security.as_ref()?;
        let ca_file = match &sec.tls.ca {
            Some((cert, _)) => cert.clone(),
            None => crate::hadoop::secure::template::ca_dir(
                &crate::report::runs::state_dir(),
                &inv.cluster,
            )
            .join("ca.pem"),
        };
        let ca_pem = std::fs::read_to_string(ca_file).ok();
        Some(SecureCheck { settings, ca_pem })
    }

    /// The host's problems; the check runs as root (the keytabs are the
    /// daemons' own), through sudo where the host's commands become root.
    async fn run(
        &self,
        conn: &crate::transport::Connection,
        host: &crate::model::Host,
        password: Option<&crate::transport::BecomePassword>,
    ) -> Vec<String> {
        use crate::hadoop::secure::{check, template, tls};
        let Some(sec) = &self.settings.security else {
            return Vec::new();
        };
        let k = &sec.kerberos;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let wanted = template::wanted(&self.settings, k, host);
        let req = ExecRequest {
            command: check::script(k, &wanted, &tls::host_pem(), now),
            stdin: None,
            secrets: Vec::new(),
            timeout: Some(Duration::from_secs(60)),
            record: None,
        };
        let sudo = match crate::engine::privilege::plain_become_user(&Become::default(), host) {
            Some(user) => match crate::transport::Sudo::new(&user, password.cloned()) {
                Ok(s) => Some(s),
                Err(e) => return vec![format!("the secure-mode check cannot run as {user}: {e}")],
            },
            None => None,
        };
        match conn
            .exec_as(&req, sudo.as_ref(), &CancellationToken::new())
            .await
        {
            Ok(out) => {
                let mut problems = check::problems(
                    &out.stdout_str(),
                    self.ca_pem.as_deref(),
                    &template::host_names(host),
                );
                if self.ca_pem.is_none() {
                    problems.push("no cluster CA on this machine yet to check the host's certificate against (herd up creates it)".into());
                }
                problems
            }
            Err(e) => vec![format!("the secure-mode check did not run: {e}")],
        }
    }
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    // On stderr, so that --output json stays the hosts' list.
    match crate::hadoop::settings::inventory_warnings(&fleet.inventory) {
        Ok(warnings) => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
        }
        Err(e) => return fail(e),
    }
    if args.offline {
        match global.output {
            Output::Json => println!("[]"),
            Output::Human if !global.quiet => println!(
                "inventory valid ({} host(s), not reached: --offline)",
                fleet.inventory.hosts.len()
            ),
            Output::Human => {}
        }
        return exit::OK;
    }
    let pool = match fleet.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let password = global.become_password.as_ref();
    let mut masking = Secrets::default();
    if let Some(pw) = password {
        masking.also_mask(pw.expose());
    }
    let masking = &masking;
    let secure = SecureCheck::new(&fleet.inventory);
    let secure = &secure;
    let outcomes = pool.connect_all(&fleet.targets).await;
    let hosts = &fleet.inventory.hosts;
    let checks = futures::future::join_all(fleet.targets.iter().zip(outcomes).zip(hosts).map(
        |((t, outcome), host)| async move {
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
                    // Only where the inventory says the host's commands become a user.
                    let become_user =
                        crate::engine::privilege::plain_become_user(&Become::default(), host);
                    let mut sudo = None;
                    let mut error = error;
                    if let Some(user) = &become_user {
                        let (label, problem) =
                            match sudo_check::check(&conn, &[user.as_str()], password).await {
                                Ok(answers) => match answers.first() {
                                    Some(a) if a.verdict.is_ok() => ("ok".to_string(), None),
                                    Some(a) => (a.verdict.label().to_string(), Some(a.explain())),
                                    None => ("failed".to_string(), Some("no answer".to_string())),
                                },
                                Err(e) => ("failed".to_string(), Some(e)),
                            };
                        sudo = Some(label);
                        if let Some(p) = problem {
                            let p = format!("sudo as {user}: {p}");
                            error = Some(match error {
                                Some(e) => format!("{e}; {p}"),
                                None => p,
                            });
                        }
                    }
                    let security = match secure {
                        Some(sc) => sc.run(&conn, host, password).await,
                        None => Vec::new(),
                    };
                    if !security.is_empty() {
                        let p = security.join("; ");
                        error = Some(match error {
                            Some(e) => format!("{e}; {p}"),
                            None => p,
                        });
                    }
                    HostCheck {
                        host: t.name.clone(),
                        address,
                        reachable: true,
                        security,
                        auth: "ok".into(),
                        host_key: match conn.host_key_status() {
                            HostKeyStatus::Known => "known".into(),
                            HostKeyStatus::Recorded => "recorded (new)".into(),
                        },
                        user,
                        rtt_ms: rtt,
                        sudo,
                        sudo_user: become_user,
                        error: error.map(|e| masking.mask(&e)),
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
                        security: Vec::new(),
                        auth: auth.into(),
                        host_key: host_key.into(),
                        user: None,
                        rtt_ms: None,
                        sudo: None,
                        sudo_user: None,
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
    // The SUDO column only for an inventory where some host becomes a user.
    let with_sudo = checks.iter().any(|c| c.sudo_user.is_some());
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            let mut row = vec![
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
            ];
            if with_sudo {
                row.push(match (&c.sudo, &c.sudo_user) {
                    (Some(v), Some(u)) => format!("{v} (as {u})"),
                    _ => "-".into(),
                });
            }
            row
        })
        .collect();
    let mut header = vec![
        "HOST",
        "ADDRESS",
        "REACHABLE",
        "AUTH",
        "HOST KEY",
        "USER  RTT",
    ];
    if with_sudo {
        header.push("SUDO");
    }
    let widths = columns::widths(&header, &rows);
    let line = |cells: &[String]| columns::line(cells, &widths);
    println!("{}", columns::line(&header, &widths));
    for (r, c) in rows.iter().zip(checks) {
        println!("{}", line(r));
        if let Some(e) = &c.error {
            println!("    {e}");
        }
    }
}
