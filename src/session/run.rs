//! One journaled run of a plan: every template is checked before anything is
//! contacted, the run lock is taken, the run waits behind what earlier runs
//! left in flight on its hosts, the inputs are copied into the journal, and
//! the engine runs with SIGINT/SIGTERM/SIGHUP wired to its cancellation.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::signals::Signals;
use super::{Fleet, InputError, SessionError};
use crate::engine::{Engine, RunOptions, RunReport};
use crate::events::Subscriber;
use crate::model::Playbook;
use crate::plan::Plan;
use crate::report::bus::EventBus;
use crate::report::journal::Journal;
use crate::report::run_lock::RunLock;
use crate::report::runs;
use crate::transport::{BecomePassword, Pool};

/// Shown when a signal stops the run, before the hosts are cleaned up.
const INTERRUPT_NOTICE: &str = "\ninterrupted: stopping running commands on the hosts...";

/// A plan ready to run and what it was made from.
pub struct RunSpec<'a> {
    pub fleet: &'a Fleet,
    pub playbook: &'a Playbook,
    /// The playbook's text, copied into the journal for a replay.
    pub playbook_text: &'a str,
    pub plan: &'a Plan,
    /// Kind, forks, command line and what a replay carries; the run id and
    /// the tasks left in flight are filled in here.
    pub options: RunOptions,
    /// Extra top-level template names, such as an object of paths the
    /// sub-command prepared.
    pub template_vars: serde_json::Map<String, serde_json::Value>,
    /// The password for sudo (`--ask-become-pass`): given to the hosts on
    /// stdin, masked in everything the run writes, never journaled (a
    /// replay asks for it again).
    pub become_password: Option<BecomePassword>,
}

/// How a journaled run ended.
#[derive(Debug)]
pub struct Finished {
    pub report: RunReport,
    pub run_id: String,
    /// The run's journal directory.
    pub journal: PathBuf,
    /// The signal that interrupted the run, if one did.
    pub signal: Option<i32>,
}

/// Runs `spec` on connections from `pool` (which it closes), reporting to
/// `subscribers` after the journal.
pub async fn run(
    pool: &Pool,
    spec: RunSpec<'_>,
    subscribers: Vec<Box<dyn Subscriber>>,
) -> Result<Finished, SessionError> {
    let RunSpec {
        fleet,
        playbook,
        playbook_text,
        plan,
        options: mut opts,
        template_vars,
        become_password,
    } = spec;
    let problems =
        crate::engine::prerender::check(&fleet.inventory, playbook, plan, &template_vars);
    if !problems.is_empty() {
        return Err(InputError::Templates(problems).into());
    }
    opts.run_id = runs::new_run_id();
    let _lock = RunLock::acquire(&runs::state_dir(), &opts.run_id, &opts.command_line)
        .map_err(SessionError::Lock)?;
    let hosts = fleet
        .inventory
        .hosts
        .iter()
        .map(|h| h.name.clone())
        .collect();
    opts.in_flight = super::in_flight::left_in_flight(&runs::runs_dir(), &hosts, &opts.unseen);
    let journal =
        Journal::create(&runs::runs_dir(), &opts.run_id).map_err(SessionError::Journal)?;
    let mut secrets = fleet.inventory.secrets.merge(&playbook.secrets);
    if let Some(pw) = &become_password {
        secrets.also_mask(pw.expose());
    }
    // The copies are for reading and diffing: `!secret` values are masked
    // in them (the digests in the journal are of the files as they are).
    let inventory_text = std::fs::read(&fleet.inventory.path).unwrap_or_default();
    journal
        .save_file("playbook.yaml", secrets.mask(playbook_text).as_bytes())
        .and_then(|_| journal.save_file("inventory.yaml", &secrets.mask_bytes(&inventory_text)))
        .map_err(SessionError::Journal)?;
    let journal_dir = journal.dir().to_path_buf();
    let bus =
        Arc::new(EventBus::new(Some(Arc::new(journal)), subscribers).masking(secrets.clone()));
    let cancel = CancellationToken::new();
    let signals = Signals::watch(cancel.clone(), Some(INTERRUPT_NOTICE));
    let engine = Engine {
        inventory: &fleet.inventory,
        playbook,
        plan,
        pool,
        targets: &fleet.targets,
        bus,
        cancel,
        template_vars,
        become_password,
    };
    let mut report = engine.run(&opts).await;
    report.error = report.error.map(|e| secrets.mask(&e));
    pool.close_all().await;
    Ok(Finished {
        report,
        run_id: opts.run_id,
        journal: journal_dir,
        signal: signals.received(),
    })
}
