//! What the become tests need: a real sudo, and root running the tests
//! (the loopback sshd logs in as that user, and root's sudo asks nothing).

#![allow(dead_code)]

use std::path::Path;

/// True when sudo can be used as the tests use it. Without it the caller
/// skips, except under CI, where a missing sudo is a broken setup.
pub fn ready() -> bool {
    if !Path::new("/usr/bin/sudo").exists() {
        if std::env::var_os("CI").is_some() {
            panic!("/usr/bin/sudo is missing; install sudo");
        }
        eprintln!("skipping: sudo is not installed");
        return false;
    }
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: the become tests run as root");
        return false;
    }
    true
}
