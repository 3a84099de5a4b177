//! SIGINT, SIGTERM and SIGHUP stop herd alike: the token is cancelled (the
//! engine kills the remote process groups and journals the run as
//! interrupted), and which signal it was is kept for the exit status.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Watches the three signals until dropped.
pub struct Signals {
    got: Arc<AtomicI32>,
    task: JoinHandle<()>,
}

impl Signals {
    /// Cancels `cancel` on the first signal; `say` is printed then, if given.
    pub fn watch(cancel: CancellationToken, say: Option<&'static str>) -> Signals {
        let got = Arc::new(AtomicI32::new(0));
        let seen = got.clone();
        let task = tokio::spawn(async move {
            let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            let n = tokio::select! {
                _ = int.recv() => libc::SIGINT,
                _ = term.recv() => libc::SIGTERM,
                _ = hup.recv() => libc::SIGHUP,
            };
            seen.store(n, Ordering::SeqCst);
            if let Some(msg) = say {
                eprintln!("{msg}");
            }
            cancel.cancel();
        });
        Signals { got, task }
    }

    /// The signal that stopped herd, if one did.
    pub fn received(&self) -> Option<i32> {
        match self.got.load(Ordering::SeqCst) {
            0 => None,
            n => Some(n),
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.task.abort();
    }
}
