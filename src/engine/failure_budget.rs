//! `--max-failures N|P%`: how many hosts a run may count out and go on
//! without. A percentage is of the hosts the run touches, rounded down (as
//! Ansible's `max_fail_percentage`), so 10% of 9 hosts tolerates none.

use std::fmt;
use std::str::FromStr;

/// The budget as given; [`MaxFailures::hosts`] resolves it for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxFailures {
    Hosts(usize),
    Percent(u8),
}

impl Default for MaxFailures {
    /// None tolerated: the first failure stops the run.
    fn default() -> Self {
        MaxFailures::Hosts(0)
    }
}

impl MaxFailures {
    /// Hosts that may be counted out of a run touching `touched` hosts.
    pub fn hosts(self, touched: usize) -> usize {
        match self {
            MaxFailures::Hosts(n) => n,
            MaxFailures::Percent(p) => touched * usize::from(p) / 100,
        }
    }

    /// Whether any host may be counted out at all, whatever the run touches.
    pub fn tolerates_any(self) -> bool {
        self != MaxFailures::Hosts(0) && self != MaxFailures::Percent(0)
    }
}

impl FromStr for MaxFailures {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let wanted = "expected a number of hosts (e.g. 2) or a percentage of the hosts the run touches (e.g. 10%)";
        if let Some(p) = t.strip_suffix('%') {
            return match p.trim().parse::<u8>() {
                Ok(n) if n <= 100 => Ok(MaxFailures::Percent(n)),
                _ => Err(format!("'{s}': a percentage runs from 0% to 100%")),
            };
        }
        t.parse::<usize>()
            .map(MaxFailures::Hosts)
            .map_err(|_| format!("'{s}': {wanted}"))
    }
}

impl fmt::Display for MaxFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxFailures::Hosts(n) => write!(f, "{n}"),
            MaxFailures::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_percentages_parse_and_percentages_round_down() {
        assert_eq!("0".parse(), Ok(MaxFailures::Hosts(0)));
        assert_eq!(" 3 ".parse(), Ok(MaxFailures::Hosts(3)));
        assert_eq!("25%".parse(), Ok(MaxFailures::Percent(25)));
        assert_eq!("100%".parse(), Ok(MaxFailures::Percent(100)));
        assert_eq!(MaxFailures::Percent(10).hosts(9), 0);
        assert_eq!(MaxFailures::Percent(10).hosts(10), 1);
        assert_eq!(MaxFailures::Percent(34).hosts(6), 2);
        assert_eq!(MaxFailures::Percent(100).hosts(6), 6);
        assert_eq!(MaxFailures::Hosts(2).hosts(1), 2);
        assert_eq!(MaxFailures::default().hosts(1000), 0);
        assert!(!MaxFailures::Percent(0).tolerates_any());
        assert!(MaxFailures::Percent(1).tolerates_any());
        assert_eq!(MaxFailures::Percent(20).to_string(), "20%");
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        for bad in ["", "-1", "two", "1.5", "3 hosts", "%"] {
            let e = bad.parse::<MaxFailures>().unwrap_err();
            assert!(
                e.contains("a number of hosts") || e.contains("percentage"),
                "{bad}: {e}"
            );
        }
        for bad in ["101%", "-5%", "x%"] {
            let e = bad.parse::<MaxFailures>().unwrap_err();
            assert!(e.contains("0% to 100%"), "{bad}: {e}");
        }
    }
}
