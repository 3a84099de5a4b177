//! The open-file limit a run needs. Every connection holds a socket, and a
//! stage that uploads holds a local file per host besides; at 2,000 hosts
//! that is past the soft limit most distributions start a shell with
//! (1,024), and the 1,025th host would fail with EMFILE in the middle of a
//! run. So the limit is raised before the first connection, as far as the
//! hard limit lets an unprivileged process, and a run the hard limit
//! cannot hold is refused before it starts.

/// Descriptors a run holds per host at most: its socket, and the local
/// file an upload reads.
const PER_HOST: u64 = 2;

/// Descriptors that are not any host's: the runtime's, the journal's, the
/// terminal's, known_hosts, the run lock, files a stage renders.
const RESERVE: u64 = 256;

/// What to do about a soft limit, given the hard one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The soft limit already holds the run.
    Enough,
    /// Raise the soft limit to this.
    Raise(u64),
    /// Not even the hard limit holds the run: it needs this many.
    TooLow { need: u64 },
}

/// Descriptors a run on `hosts` hosts needs.
pub fn needed(hosts: usize) -> u64 {
    (hosts as u64)
        .saturating_mul(PER_HOST)
        .saturating_add(RESERVE)
}

/// Only as far as needed: children the run starts (ProxyCommand, the
/// local side of a tunnel) inherit the limit, and some of them still
/// mishandle descriptors past 1,024 (select(2)).
pub fn decide(soft: u64, hard: u64, need: u64) -> Decision {
    if soft >= need {
        Decision::Enough
    } else if hard >= need {
        Decision::Raise(need)
    } else {
        Decision::TooLow { need }
    }
}

/// Makes the soft open-file limit hold a run on `hosts` hosts.
pub fn reserve(hosts: usize) -> Result<(), String> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        // Nothing to go on; the connections say so if they run out.
        return Ok(());
    }
    let (soft, hard): (u64, u64) = (lim.rlim_cur, lim.rlim_max);
    match decide(soft, hard, needed(hosts)) {
        Decision::Enough => Ok(()),
        Decision::Raise(to) => {
            lim.rlim_cur = to as libc::rlim_t;
            // SAFETY: setrlimit only reads the struct it is given.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
                let e = std::io::Error::last_os_error();
                return Err(format!(
                    "{hosts} hosts need {to} open files and the limit is {soft}; raising it failed: {e}"
                ));
            }
            tracing::debug!("open-file limit raised from {soft} to {to} for {hosts} hosts");
            Ok(())
        }
        Decision::TooLow { need } => Err(format!(
            "{hosts} hosts need {need} open files, but the hard limit is {hard} \
             (soft {soft}); raise it (`ulimit -Hn {need}` as root, or nofile in \
             /etc/security/limits.conf, or LimitNOFILE= for a systemd unit) or run on fewer hosts"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_raised_only_as_far_as_the_run_needs() {
        let need = needed(2000);
        assert_eq!(need, 4256);
        assert_eq!(decide(1024, 524288, need), Decision::Raise(need));
        assert_eq!(decide(65536, 65536, need), Decision::Enough);
        assert_eq!(decide(1024, 4096, need), Decision::TooLow { need });
        // A small run under the usual limit is left alone.
        assert_eq!(decide(1024, 4096, needed(50)), Decision::Enough);
    }
}
