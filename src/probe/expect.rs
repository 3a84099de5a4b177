//! How per-host readings add up to a gate.
use super::Reading;
use crate::model::Expectation;

/// Whether `readings` (one per probed host) satisfy `expect`.
pub fn satisfied(expect: Expectation, readings: &[Reading]) -> bool {
    let passed = readings.iter().filter(|r| r.pass).count();
    match expect {
        Expectation::All => !readings.is_empty() && passed == readings.len(),
        Expectation::Any => passed >= 1,
        Expectation::ExactlyOne => passed == 1,
        Expectation::Count(n) => passed == n,
    }
}

/// Words for messages: "all of 3 hosts", "exactly one".
pub fn describe(expect: Expectation, hosts: usize) -> String {
    match expect {
        Expectation::All => format!("all {hosts} host(s) passing"),
        Expectation::Any => "at least one host passing".into(),
        Expectation::ExactlyOne => "exactly one host passing".into(),
        Expectation::Count(n) => format!("exactly {n} host(s) passing"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(pass: bool) -> Reading {
        Reading {
            pass,
            value: String::new(),
        }
    }

    #[test]
    fn all_needs_every_host_and_at_least_one() {
        assert!(satisfied(Expectation::All, &[r(true), r(true)]));
        assert!(!satisfied(Expectation::All, &[r(true), r(false)]));
        assert!(!satisfied(Expectation::All, &[]));
    }

    #[test]
    fn exactly_one_rejects_two_actives() {
        assert!(satisfied(Expectation::ExactlyOne, &[r(true), r(false)]));
        assert!(!satisfied(Expectation::ExactlyOne, &[r(true), r(true)]));
        assert!(!satisfied(Expectation::ExactlyOne, &[r(false), r(false)]));
    }

    #[test]
    fn any_and_count() {
        assert!(satisfied(Expectation::Any, &[r(false), r(true)]));
        assert!(!satisfied(Expectation::Any, &[r(false)]));
        assert!(satisfied(
            Expectation::Count(2),
            &[r(true), r(true), r(false)]
        ));
        assert!(!satisfied(
            Expectation::Count(2),
            &[r(true), r(false), r(false)]
        ));
    }
}
