//! The event bus: every event of a run, in order, first to the journal
//! (durable before `emit` returns: a replay trusts it), then to the display
//! subscribers. Secret values are masked here, once, for all of them.

use std::sync::{Arc, Mutex};

use super::journal::Journal;
use crate::events::{Event, Stamped, Subscriber};
use crate::model::Secrets;

/// Fans events out, in order, from any task: first to the journal (durable
/// before `emit` returns), then to the display subscribers.
#[derive(Default)]
pub struct EventBus {
    journal: Option<Arc<Journal>>,
    subscribers: Mutex<Vec<Box<dyn Subscriber>>>,
    secrets: Secrets,
}

impl EventBus {
    pub fn new(journal: Option<Arc<Journal>>, subscribers: Vec<Box<dyn Subscriber>>) -> EventBus {
        EventBus {
            journal,
            subscribers: Mutex::new(subscribers),
            secrets: Secrets::default(),
        }
    }

    /// This bus, masking `secrets` in every event and output it passes on.
    pub fn masking(mut self, secrets: Secrets) -> EventBus {
        self.secrets = secrets;
        self
    }

    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_deref()
    }

    /// Journal the event (durably), then show it. An error means the journal
    /// could not be written and the run must stop.
    pub fn emit(&self, event: Event) -> Result<(), String> {
        let stamped = Stamped::now(super::masking::mask_event(&self.secrets, event));
        let seq = {
            // Appending under the subscriber lock keeps journal order equal
            // to display order.
            let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
            let seq = self.journal.as_ref().map(|j| j.append(&stamped));
            for s in subs.iter_mut() {
                s.on_event(&stamped);
            }
            seq
        };
        match (seq, &self.journal) {
            (Some(Ok(seq)), Some(j)) => j.sync_to(seq),
            (Some(Err(e)), _) => Err(e),
            _ => Ok(()),
        }
    }

    /// Keep a task's output in the journal.
    pub fn output(
        &self,
        stage: &str,
        host: &str,
        stdout: &[u8],
        stderr: &[u8],
    ) -> Result<(), String> {
        match &self.journal {
            Some(j) if !self.secrets.is_empty() => j.output(
                stage,
                host,
                &self.secrets.mask_bytes(stdout),
                &self.secrets.mask_bytes(stderr),
            ),
            Some(j) => j.output(stage, host, stdout, stderr),
            None => Ok(()),
        }
    }

    pub fn finish(&self) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        for s in subs.iter_mut() {
            s.finish();
        }
    }
}
