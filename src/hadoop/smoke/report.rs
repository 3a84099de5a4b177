//! How `herd smoke` says what it found: a line per check as it finishes
//! (name, result, wall time, what was proven or why not), the log tails
//! under a failed one, and a closing count; or one JSON document.

use serde::Serialize;

use super::check::CheckResult;
use super::runner::Outcome;

/// Columns as wide as the longest check name, so lines printed as the
/// checks finish line up.
pub struct Lines {
    name_width: usize,
}

const RESULT_WIDTH: usize = 7;

impl Lines {
    pub fn new(names: &[&str]) -> Lines {
        Lines {
            name_width: names.iter().map(|n| n.len()).max().unwrap_or(5).max(5),
        }
    }

    pub fn header(&self) -> String {
        crate::report::columns::line(
            &["CHECK", "RESULT", "   TIME", "DETAIL"],
            &[self.name_width, RESULT_WIDTH, 7, 0],
        )
    }

    /// The check's line, and under a failure its log tails, indented.
    pub fn outcome(&self, o: &Outcome) -> String {
        let time = match o.result {
            CheckResult::Skipped => "      -".to_string(),
            _ => format!("{:>5.1} s", o.seconds),
        };
        let mut out = crate::report::columns::line(
            &[o.check, o.result.word(), &time, &o.detail],
            &[self.name_width, RESULT_WIDTH, 7, 0],
        );
        out.push('\n');
        let indent = " ".repeat(self.name_width + 2);
        for log in &o.logs {
            out.push_str(&format!(
                "{indent}{}:{} (last lines):\n",
                log.host, log.source
            ));
            for l in log.lines.lines() {
                out.push_str(&format!("{indent}  {l}\n"));
            }
        }
        out
    }
}

/// The closing line.
pub fn summary(outcomes: &[Outcome], seconds: f64) -> String {
    let count = |r: CheckResult| outcomes.iter().filter(|o| o.result == r).count();
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.result == CheckResult::Fail)
        .map(|o| o.check)
        .collect();
    let mut s = format!(
        "smoke: {} passed, {} failed, {} skipped in {seconds:.1} s",
        count(CheckResult::Pass),
        count(CheckResult::Fail),
        count(CheckResult::Skipped)
    );
    if !failed.is_empty() {
        s.push_str(&format!(" (failed: {})", failed.join(", ")));
    }
    s
}

/// The JSON document of `--json`.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    pub cluster: &'a str,
    /// What the checks' znode and files were named after.
    pub run: &'a str,
    /// Every check that ran passed.
    pub passed: bool,
    pub seconds: f64,
    pub checks: &'a [Outcome],
}

/// Whether the run passes: no check failed (skipped ones do not count).
pub fn passed(outcomes: &[Outcome]) -> bool {
    outcomes.iter().all(|o| o.result != CheckResult::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hadoop::smoke::log_tail::LogTail;

    fn outcome(check: &'static str, result: CheckResult, detail: &str) -> Outcome {
        Outcome {
            check,
            result,
            seconds: 12.34,
            detail: detail.into(),
            logs: Vec::new(),
        }
    }

    #[test]
    fn lines_align_and_a_failure_shows_its_logs() {
        let l = Lines::new(&["zookeeper", "hdfs"]);
        assert_eq!(l.header(), "CHECK      RESULT      TIME  DETAIL");
        assert_eq!(
            l.outcome(&outcome("hdfs", CheckResult::Pass, "written")),
            "hdfs       pass      12.3 s  written\n"
        );
        let mut o = outcome("yarn", CheckResult::Fail, "no NodeManager");
        o.logs.push(LogTail {
            host: "m1".into(),
            source: "/var/log/rm.log".into(),
            lines: "a\nb".into(),
        });
        assert_eq!(
            l.outcome(&o),
            "yarn       FAIL      12.3 s  no NodeManager\n           m1:/var/log/rm.log (last lines):\n             a\n             b\n"
        );
        assert_eq!(
            l.outcome(&outcome("mesos", CheckResult::Skipped, "no host")),
            "mesos      skipped        -  no host\n"
        );
        let all = [
            o,
            outcome("hdfs", CheckResult::Pass, ""),
            outcome("x", CheckResult::Skipped, ""),
        ];
        assert!(!passed(&all));
        assert!(passed(&all[1..]));
        assert_eq!(
            summary(&all, 3.0),
            "smoke: 1 passed, 1 failed, 1 skipped in 3.0 s (failed: yarn)"
        );
    }
}
