//! `vars.supervisor`, per host or for all: what keeps a host's daemons
//! running. With systemd each daemon is a unit that restarts it when it
//! dies and starts it at boot; without it (containers, old hosts) the
//! launchers' `--daemon start` runs them and nothing brings them back.
//!
//! The choice is the inventory's, not probed on the host: the rendered
//! files depend on it (units, `yarn.nodemanager.recovery.supervised`), and
//! `herd config render` must give, offline, what `herd up` writes. A host
//! set to systemd that does not run it is refused by the bring-up's
//! preflight, naming what its PID 1 is.

use crate::model::reader::Reader;
use crate::model::{Host, Inventory, ModelError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Supervisor {
    /// One systemd unit per daemon, in the foreground, `Restart=on-failure`.
    #[default]
    Systemd,
    /// `--daemon start` (or nohup for Mesos); nothing restarts a dead daemon.
    Daemon,
}

impl Supervisor {
    pub fn name(self) -> &'static str {
        match self {
            Supervisor::Systemd => "systemd",
            Supervisor::Daemon => "daemon",
        }
    }
}

/// The supervisor of one host (`hosts[].vars.supervisor`, or `vars.supervisor`).
pub fn supervisor(
    inv: &Inventory,
    host: &Host,
    entry: Option<usize>,
    errors: &mut Vec<ModelError>,
) -> Supervisor {
    let Some(v) = host.vars.get("supervisor") else {
        return Supervisor::default();
    };
    let path = match entry {
        Some(k) if inv.spans.contains(&format!("hosts[{k}].vars.supervisor")) => {
            format!("hosts[{k}].vars.supervisor")
        }
        _ => "vars.supervisor".to_string(),
    };
    let mut r = Reader::new(&inv.spans);
    let got = match r.text(v, &path).as_deref() {
        Some("systemd") => Supervisor::Systemd,
        Some("daemon") => Supervisor::Daemon,
        Some(other) => {
            r.error(
                &path,
                format!("supervisor must be systemd or daemon, got '{other}'"),
            );
            Supervisor::default()
        }
        None => Supervisor::default(),
    };
    errors.append(&mut r.errors);
    got
}
