//! A journaled run of a plan and what leads up to it: the fleet loaded from
//! the inventory, the playbook, the run lock, the journal with its copies of
//! the inputs, the signals that stop the run, the engine, and how the run
//! ended. Shared by every sub-command that runs a plan (run, up, restart,
//! replay): the CLI parses arguments, calls it, prints and picks the exit
//! status. It knows no Hadoop: a caller's extra template names come as data.

pub mod error;
pub mod fleet;
pub mod in_flight;
pub mod playbook;
pub mod replay;
pub mod run;
pub mod signals;

pub use error::{InputError, SessionError};
pub use fleet::Fleet;
pub use run::{Finished, RunSpec, run};
