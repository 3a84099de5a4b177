//! The validated model: inventory and playbook as plain Rust values. Every
//! error names file, line, column and field; nothing downstream re-validates.

mod dependencies;
mod duration;
mod error;
mod generated;
mod inventory;
mod playbook;
mod playbook_read;
mod privilege;
mod range;
pub(crate) mod reader;
mod secrets;
mod spans;
mod tree;

pub(crate) use dependencies::stage_dependencies;
pub use duration::parse_duration;
pub use error::{Location, ModelError, ModelErrors};
pub use inventory::{Host, Inventory, SshSettings};
pub use playbook::{
    Expectation, HostSelector, JsonCheck, Playbook, Probe, ProbeCheck, SelectorItem, Stage, Upload,
};
pub use privilege::{Become, DEFAULT_BECOME_USER, bad_user_name, is_user_name};
pub use range::expand_range;
pub use secrets::{MASK, Secret, Secrets, holds_marker, marker_var, reference};
pub use spans::Spans;
