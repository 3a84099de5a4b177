//! Human progress: a bar per stage with host counts and a spinner while a
//! probe gate waits (elapsed time and the last value per host). When stdout is
//! not a terminal, plain timestamped lines instead.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::events::{Event, ProbeReading, Recovery, RunOutcome, Stamped, Subscriber, TaskOutcome};

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct Progress {
    verbosity: Verbosity,
    started: Instant,
    bars: Option<MultiProgress>,
    stage_bars: HashMap<String, ProgressBar>,
    last_probe_line: HashMap<String, Instant>,
}

impl Progress {
    /// Bars on a terminal (stderr), plain lines otherwise.
    pub fn new(verbosity: Verbosity) -> Progress {
        let tty = std::io::stderr().is_terminal() && verbosity != Verbosity::Quiet;
        let bars =
            tty.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8)));
        Progress {
            verbosity,
            started: Instant::now(),
            bars,
            stage_bars: HashMap::new(),
            last_probe_line: HashMap::new(),
        }
    }

    fn line(&self, text: &str) {
        self.say(text, false);
    }

    /// Failures are shown even with -q.
    fn alarm(&self, text: &str) {
        self.say(text, true);
    }

    fn say(&self, text: &str, important: bool) {
        if self.verbosity == Verbosity::Quiet && !important {
            return;
        }
        let el = self.started.elapsed().as_secs_f64();
        let msg = format!("[{el:7.1}s] {text}");
        match &self.bars {
            Some(mp) => {
                let _ = mp.println(msg);
            }
            None => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{msg}");
            }
        }
    }

    fn bar(&mut self, stage: &str, hosts: usize) -> Option<ProgressBar> {
        let mp = self.bars.as_ref()?;
        let pb = mp.add(ProgressBar::new(hosts as u64));
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner:.cyan} {prefix:24!} [{bar:20}] {pos}/{len} hosts {elapsed:>4} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        pb.set_prefix(stage.to_string());
        pb.enable_steady_tick(Duration::from_millis(120));
        self.stage_bars.insert(stage.to_string(), pb.clone());
        Some(pb)
    }
}

/// `master1=active master2=standby`, shortened for one line.
pub fn readings_summary(readings: &[ProbeReading]) -> String {
    let mut parts: Vec<String> = readings
        .iter()
        .map(|r| {
            let mut v: String = r.value.replace('\n', " ");
            if v.chars().count() > 60 {
                v = v.chars().take(57).collect::<String>() + "...";
            }
            format!("{}={}{}", r.host, if r.pass { "" } else { "!" }, v)
        })
        .collect();
    if parts.len() > 8 {
        let more = parts.len() - 8;
        parts.truncate(8);
        parts.push(format!("(+{more} more)"));
    }
    parts.join(" ")
}

impl Subscriber for Progress {
    fn on_event(&mut self, stamped: &Stamped) {
        match &stamped.event {
            Event::RunStarted {
                run_id,
                kind,
                playbook,
                hosts,
                stages,
                continues,
                ..
            } => {
                let cont = continues
                    .as_ref()
                    .map(|c| format!(", continuing {c}"))
                    .unwrap_or_default();
                self.line(&format!(
                    "{kind} {playbook}: {} stages on {} hosts (run {run_id}{cont})",
                    stages.len(),
                    hosts.len()
                ));
            }
            Event::HostUnreachable { host, error } => {
                self.alarm(&format!("UNREACHABLE {host}: {error}"))
            }
            Event::HostCountedOut(c) => {
                let at = c
                    .stage
                    .as_ref()
                    .map(|s| format!(" at stage {s}"))
                    .unwrap_or_default();
                let why = c.error.lines().next().unwrap_or_default();
                self.alarm(&format!(
                    "COUNTED OUT {}{at}: {why} (the run goes on without it)",
                    c.host
                ));
            }
            Event::HostConnected {
                host, handshake_ms, ..
            } if self.verbosity == Verbosity::Verbose => {
                self.line(&format!("connected {host} ({handshake_ms} ms)"));
            }
            Event::StageStarted { stage, hosts } => {
                let has_bar = self.bar(stage, *hosts).is_some();
                if !has_bar {
                    self.line(&format!("stage {stage}: started on {hosts} host(s)"));
                }
            }
            Event::TaskFinished {
                stage,
                host,
                outcome,
                skip,
                error,
                duration_ms,
                ..
            } => {
                if let Some(pb) = self.stage_bars.get(stage) {
                    pb.inc(1);
                }
                match outcome {
                    TaskOutcome::Failed => {
                        let msg = format!(
                            "FAILED {stage} @ {host}: {}",
                            error.clone().unwrap_or_default()
                        );
                        self.alarm(&msg);
                    }
                    _ if self.verbosity == Verbosity::Verbose => {
                        let how = match (outcome, skip) {
                            (TaskOutcome::Skipped, Some(r)) => {
                                format!("skipped ({r:?})").to_lowercase()
                            }
                            (o, _) => format!("{o:?}").to_lowercase(),
                        };
                        self.line(&format!("{stage} @ {host}: {how} in {duration_ms} ms"));
                    }
                    _ => {}
                }
            }
            Event::TaskRecovered {
                stage,
                host,
                run,
                recovery,
                elapsed_ms,
                exit_status,
            } => {
                let what = match recovery {
                    Recovery::Running => format!(
                        "still running on the host ({:.0} s so far): waiting for it to adopt its result",
                        elapsed_ms.unwrap_or(0) as f64 / 1000.0
                    ),
                    Recovery::Finished => format!(
                        "ended on the host with exit status {}: adopted, not run again",
                        exit_status.unwrap_or(0)
                    ),
                    Recovery::NotStarted => "never started on the host: running it".into(),
                    Recovery::Lost => {
                        "died on the host without recording an end: running it again".into()
                    }
                };
                self.line(&format!("{stage} @ {host} (started by run {run}): {what}"));
            }
            Event::ProbeWaiting {
                stage,
                elapsed_ms,
                readings,
                ..
            } => {
                let summary = readings_summary(readings);
                if let Some(pb) = self.stage_bars.get(stage) {
                    pb.set_message(format!(
                        "gate {:.0}s: {summary}",
                        *elapsed_ms as f64 / 1000.0
                    ));
                } else {
                    // Plain output: one line every 5 s per stage is enough to show life.
                    let due = self
                        .last_probe_line
                        .get(stage)
                        .is_none_or(|t| t.elapsed() >= Duration::from_secs(5));
                    if due {
                        self.last_probe_line.insert(stage.clone(), Instant::now());
                        self.line(&format!(
                            "stage {stage}: waiting for gate ({:.0}s): {summary}",
                            *elapsed_ms as f64 / 1000.0
                        ));
                    }
                }
            }
            Event::GatePassed {
                stage,
                elapsed_ms,
                readings,
                ..
            } if self.verbosity == Verbosity::Verbose && !readings.is_empty() => {
                self.line(&format!(
                    "gate {stage} passed after {elapsed_ms} ms: {}",
                    readings_summary(readings)
                ));
            }
            Event::GateFailed {
                stage,
                reason,
                readings,
                ..
            } => {
                let msg = format!(
                    "GATE FAILED {stage}: {reason}; last seen: {}",
                    readings_summary(readings)
                );
                self.alarm(&msg);
            }
            Event::StageFinished {
                stage,
                outcome,
                duration_ms,
            } => {
                let secs = *duration_ms as f64 / 1000.0;
                let word = match outcome {
                    TaskOutcome::Ok => "ok",
                    TaskOutcome::Skipped => "skipped",
                    TaskOutcome::Failed => "FAILED",
                    TaskOutcome::Cancelled => "cancelled",
                };
                match self.stage_bars.get(stage) {
                    Some(pb) => pb.finish_with_message(format!("{word} ({secs:.1}s)")),
                    None => self.line(&format!("stage {stage}: {word} ({secs:.1}s)")),
                }
            }
            Event::RunFinished {
                outcome,
                duration_ms,
                connect_ms,
                steps_ms,
                failed_stage,
                error,
                ..
            } => {
                let secs = *duration_ms as f64 / 1000.0;
                let text = match outcome {
                    RunOutcome::Succeeded => {
                        format!("done in {secs:.1}s{}", phases(*connect_ms, *steps_ms))
                    }
                    RunOutcome::Failed => format!(
                        "run FAILED after {secs:.1}s{}{}{}",
                        phases(*connect_ms, *steps_ms),
                        failed_stage
                            .as_ref()
                            .map(|s| format!(" at stage {s}"))
                            .unwrap_or_default(),
                        error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                    ),
                    RunOutcome::Interrupted => format!("run INTERRUPTED after {secs:.1}s"),
                };
                self.line(&text);
            }
            _ => {}
        }
    }

    fn finish(&mut self) {
        for pb in self.stage_bars.values() {
            if !pb.is_finished() {
                pb.abandon();
            }
        }
        if let Some(mp) = &self.bars {
            let _ = mp.clear();
        }
    }
}

/// ` (connect 1.2s, steps 20.3s)`: where a run's time went, when known.
fn phases(connect_ms: Option<u64>, steps_ms: Option<u64>) -> String {
    let parts: Vec<String> = [("connect", connect_ms), ("steps", steps_ms)]
        .into_iter()
        .filter_map(|(name, ms)| Some(format!("{name} {:.1}s", ms? as f64 / 1000.0)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
