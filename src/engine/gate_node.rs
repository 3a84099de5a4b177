//! A gate: the stage's probe, polled on its hosts until the expectation holds.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::run::{Engine, NodeResult, RunOptions, RunState};
use super::template::{render, render_raw};
use crate::events::{Event, TaskOutcome};
use crate::model::{Expectation, ProbeCheck};
use crate::probe::{GateError, GateTarget, wait_for_gate};

/// Probe readings reach the journal at most this often per gate.
const WAITING_EVENT_EVERY: Duration = Duration::from_secs(1);

impl Engine<'_> {
    pub(super) async fn run_gate(
        &self,
        opts: &RunOptions,
        state: &RunState,
        stage: usize,
        batch: usize,
    ) -> NodeResult {
        let planned = &self.plan.stages[stage];
        let st = &self.playbook.stages[planned.stage];
        let is_final = batch + 1 == planned.batches.len().max(1);
        let probe = st
            .probe
            .as_ref()
            .filter(|_| !opts.settled_stages.contains(&stage));
        let Some(probe) = probe else {
            if is_final {
                self.finish_stage(state, stage, self.stage_outcome(state, stage));
            }
            return NodeResult::Ok;
        };
        let hosts: Vec<usize> = if planned.batches.len() > 1 {
            let in_batch: Vec<usize> = planned
                .probe_hosts
                .iter()
                .copied()
                .filter(|h| planned.batches[batch].contains(h))
                .collect();
            if in_batch.is_empty() {
                planned.probe_hosts.clone()
            } else {
                in_batch
            }
        } else {
            planned.probe_hosts.clone()
        };
        // Hosts counted out leave the gate, and `roles` as its templates see
        // it: "every DataNode live" means every one still in the run.
        let out = state.counted_out.hosts();
        let hosts: Vec<usize> = hosts.into_iter().filter(|h| !out.contains(h)).collect();
        if hosts.is_empty() {
            return self.gate_passed(
                state,
                stage,
                batch,
                is_final,
                Duration::ZERO,
                Vec::new(),
                Duration::ZERO,
            );
        }
        let base = if out.is_empty() {
            state.base_context.clone()
        } else {
            state.base_context.without_hosts(self.inventory, &out)
        };
        let mut targets = Vec::with_capacity(hosts.len());
        for &h in &hosts {
            let ctx = base.for_host(self.inventory, self.playbook, h);
            let address = match rendered_address(probe, &ctx) {
                Ok(a) => a,
                Err(e) => {
                    return self.gate_error(
                        state,
                        stage,
                        format!("cannot render probe address: {e}"),
                    );
                }
            };
            let check = match rendered_check(probe, &ctx) {
                Ok(c) => c,
                Err(e) => {
                    return self.gate_error(
                        state,
                        stage,
                        format!("probe on {}: {e}", self.inventory.hosts[h].name),
                    );
                }
            };
            let command = match &probe.check {
                ProbeCheck::Command { run, .. } => match render(run, &ctx) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        return self.gate_error(
                            state,
                            stage,
                            format!("cannot render probe command: {e}"),
                        );
                    }
                },
                _ => None,
            };
            let secrets = command
                .as_deref()
                .map(|c| state.secrets.referenced(c))
                .unwrap_or_default();
            // A command probe runs as the stage's commands do on that host.
            let sudo = match &command {
                Some(_) => match super::privilege::sudo_for(
                    st,
                    &self.inventory.hosts[h],
                    &ctx,
                    self.become_password.as_ref(),
                ) {
                    Ok(s) => s,
                    Err(e) => {
                        return self.gate_error(
                            state,
                            stage,
                            format!("probe on {}: {e}", self.inventory.hosts[h].name),
                        );
                    }
                },
                None => None,
            };
            targets.push(GateTarget {
                check,
                host: self.inventory.hosts[h].name.clone(),
                conn: state.conns[h].clone(),
                ssh: Some(self.targets[h].clone()),
                address,
                command,
                secrets,
                sudo,
            });
        }
        let last_emit = Mutex::new(None::<Instant>);
        let result = wait_for_gate(
            Some(self.pool),
            &mut targets,
            probe.expect,
            probe.timeout,
            probe.interval,
            &self.cancel,
            |elapsed, readings| {
                let mut last = last_emit.lock().unwrap_or_else(|p| p.into_inner());
                if last.is_none_or(|t| t.elapsed() >= WAITING_EVENT_EVERY) {
                    *last = Some(Instant::now());
                    self.emit(
                        state,
                        Event::ProbeWaiting {
                            stage: st.name.clone(),
                            batch,
                            elapsed_ms: elapsed.as_millis() as u64,
                            readings: readings.to_vec(),
                        },
                    );
                }
            },
        )
        .await;
        match result {
            Ok((elapsed, readings, lag)) => {
                self.gate_passed(state, stage, batch, is_final, elapsed, readings, lag)
            }
            Err(GateError::Cancelled { .. }) => {
                self.finish_stage(state, stage, TaskOutcome::Cancelled);
                NodeResult::Cancelled
            }
            Err(GateError::Timeout { after, readings }) => {
                let want = crate::probe::describe_expectation(probe.expect, targets.len());
                // The stage's timeout, not the time the last poll ended: a
                // loaded controller must not make a 3 s timeout read "4s".
                let t = probe.timeout;
                let within = if t.subsec_millis() == 0 {
                    format!("{}s", t.as_secs())
                } else {
                    format!("{}ms", t.as_millis())
                };
                let reason = format!("probe did not pass within {within} (wanted {want})");
                let seen = readings
                    .iter()
                    .map(|r| format!("  {}: {}", r.host, r.value))
                    .collect::<Vec<_>>()
                    .join("\n");
                // A probe of each host's own work that wants every host:
                // a failing reading is that host's failure, and counting
                // it out leaves a gate the others passed.
                let failing: Vec<(usize, String)> =
                    if probe.hosts.is_none() && probe.expect == Expectation::All {
                        readings
                            .iter()
                            .filter(|r| !r.pass)
                            .filter_map(|r| {
                                let h = hosts
                                    .iter()
                                    .copied()
                                    .find(|&h| self.inventory.hosts[h].name == r.host)?;
                                Some((
                                    h,
                                    format!(
                                        "stage '{}' gate: {reason}; last value seen: {}",
                                        st.name, r.value
                                    ),
                                ))
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                self.emit(
                    state,
                    Event::GateFailed {
                        stage: st.name.clone(),
                        batch,
                        elapsed_ms: after.as_millis() as u64,
                        reason: reason.clone(),
                        readings,
                    },
                );
                if !failing.is_empty() && self.count_out(state, Some(stage), &failing) {
                    if is_final {
                        self.finish_stage(state, stage, self.stage_outcome(state, stage));
                    }
                    return NodeResult::Ok;
                }
                let changed = match (&opts.continues, opts.rechecked_stages.contains(&stage)) {
                    (Some(run), true) => format!(
                        "the replay found the cluster changed: the stage completed in run {run} but its gate no longer holds; "
                    ),
                    _ => String::new(),
                };
                NodeResult::Failed {
                    stage,
                    error: format!(
                        "stage '{}' gate failed: {changed}{reason}; last value seen per host:\n{seen}",
                        st.name
                    ),
                    hosts: failing.into_iter().map(|(h, _)| h).collect(),
                }
            }
        }
    }

    fn gate_error(&self, state: &RunState, stage: usize, error: String) -> NodeResult {
        let name = &self.plan.stages[stage].name;
        let _ = state;
        NodeResult::Failed {
            stage,
            error: format!("stage '{name}' gate: {error}"),
            hosts: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn gate_passed(
        &self,
        state: &RunState,
        stage: usize,
        batch: usize,
        is_final: bool,
        elapsed: Duration,
        readings: Vec<crate::events::ProbeReading>,
        lag: Duration,
    ) -> NodeResult {
        self.emit(
            state,
            Event::GatePassed {
                stage: self.plan.stages[stage].name.clone(),
                batch,
                elapsed_ms: elapsed.as_millis() as u64,
                lag_ms: lag.as_millis() as u64,
                readings,
            },
        );
        if is_final {
            self.finish_stage(state, stage, self.stage_outcome(state, stage));
        }
        NodeResult::Ok
    }

    fn stage_outcome(&self, state: &RunState, stage: usize) -> TaskOutcome {
        let ran = state.stage_ran.lock().unwrap_or_else(|p| p.into_inner())[stage];
        let st = &self.playbook.stages[self.plan.stages[stage].stage];
        let has_work = st.has_work();
        if has_work && !ran {
            TaskOutcome::Skipped
        } else {
            TaskOutcome::Ok
        }
    }
}

/// The address the probe connects to, as seen from one host.
pub(super) fn rendered_address(
    probe: &crate::model::Probe,
    ctx: &super::template::TemplateContext,
) -> Result<String, super::template::TemplateError> {
    Ok(render_raw(&probe.address, ctx)?.trim().to_string())
}

/// The probe's check as it applies to one host: its port template and its
/// expectation rendered in that host's context.
pub(super) fn rendered_check(
    probe: &crate::model::Probe,
    ctx: &super::template::TemplateContext,
) -> Result<ProbeCheck, String> {
    let mut check = with_rendered_expectation(&probe.check, ctx)
        .map_err(|e| format!("cannot render probe expectation: {e}"))?;
    if let Some(tpl) = &probe.port_template {
        let text = render_raw(tpl, ctx).map_err(|e| format!("cannot render probe port: {e}"))?;
        let port = text
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                format!(
                    "probe port '{tpl}' rendered to '{}', not a port",
                    text.trim()
                )
            })?;
        match &mut check {
            ProbeCheck::Tcp { port: p }
            | ProbeCheck::Http { port: p, .. }
            | ProbeCheck::Zk { port: p, .. } => *p = port,
            ProbeCheck::Command { .. } => {}
        }
    }
    Ok(check)
}

/// An http probe's `equals:` may be a template (`"{{ roles.datanode | length }}"`):
/// the expected value then depends on the inventory. Rendered per host; a
/// number stays a number.
fn with_rendered_expectation(
    check: &ProbeCheck,
    ctx: &super::template::TemplateContext,
) -> Result<ProbeCheck, String> {
    let ProbeCheck::Http { json: Some(j), .. } = check else {
        return Ok(check.clone());
    };
    let Some(serde_json::Value::String(tpl)) = &j.equals else {
        return Ok(check.clone());
    };
    if !tpl.contains("{{") {
        return Ok(check.clone());
    }
    let text = render_raw(tpl, ctx).map_err(|e| e.to_string())?;
    let value = serde_json::from_str::<serde_json::Value>(text.trim())
        .ok()
        .filter(|v| v.is_number() || v.is_boolean())
        .unwrap_or(serde_json::Value::String(text));
    let mut out = check.clone();
    if let ProbeCheck::Http { json: Some(j), .. } = &mut out {
        j.equals = Some(value);
    }
    Ok(out)
}
