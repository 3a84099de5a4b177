//! The open-file limit is raised for the host count before any connection,
//! and a hard limit too low for the fleet refuses the run. One test in its
//! own binary: it changes the process's limits, which no other test may see.

use herd::session::Fleet;

fn limits() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    (lim.rlim_cur, lim.rlim_max)
}

fn set_limits(soft: u64, hard: u64) {
    let lim = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
}

#[test]
fn the_soft_limit_grows_with_the_fleet_and_a_low_hard_limit_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(&known_hosts, "").unwrap();
    let mut inv = format!(
        "cluster: many\nssh:\n  known_hosts: {}\n  use_ssh_config: false\nhosts:\n",
        known_hosts.display()
    );
    for i in 0..300 {
        inv.push_str(&format!(
            "  - {{ name: h{i}, address: 127.0.{}.{}, roles: [w] }}\n",
            i / 200,
            10 + i % 200
        ));
    }
    let path = dir.path().join("inventory.yaml");
    std::fs::write(&path, inv).unwrap();
    let fleet = Fleet::load(&path, false).unwrap();

    let (_, hard) = limits();
    if hard < 1000 {
        eprintln!("hard open-file limit {hard}: too low to test raising");
        return;
    }
    set_limits(100, hard);
    fleet.pool().expect("the limit can be raised");
    let (soft, _) = limits();
    assert_eq!(soft, 300 * 2 + 256, "raised as far as 300 hosts need");

    // Already enough: left where it is.
    set_limits(900, hard);
    fleet.pool().unwrap();
    assert_eq!(limits().0, 900);

    set_limits(100, 500);
    let err = match fleet.pool() {
        Ok(_) => panic!("a hard limit of 500 cannot hold 300 hosts"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("300 hosts need 856 open files") && err.contains("hard limit is 500"),
        "{err}"
    );
    assert_eq!(limits(), (100, 500), "a refused run changes nothing");
}
