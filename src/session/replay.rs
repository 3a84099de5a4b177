//! What a replay decides before its run: the stages it runs, by the
//! `--from`/`--only` stage named, and what the hosts say of the tasks whose
//! end was never seen, for the summary printed first.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Fleet;
use crate::engine::recover;
use crate::engine::resume::{ReplayPlan, Selection};
use crate::plan::Plan;
use crate::report::replay_source::ReplayError;
use crate::transport::{Pool, record};

/// The part of `plan` to run: from the stage `from` on, only the stage
/// `only`, or (neither) whatever did not complete. `playbook` names the
/// playbook in the error.
pub fn selection(
    plan: &Plan,
    playbook: &str,
    from: Option<&str>,
    only: Option<&str>,
) -> Result<Selection, ReplayError> {
    let Some(name) = from.or(only) else {
        return Ok(Selection::Resume);
    };
    match plan.stages.iter().position(|s| s.name == name) {
        Some(i) if from.is_some() => Ok(Selection::From(i)),
        Some(i) => Ok(Selection::Only(i)),
        None => Err(ReplayError::NoStage {
            stage: name.to_string(),
            playbook: playbook.to_string(),
            stages: plan.stages.iter().map(|s| s.name.clone()).collect(),
        }),
    }
}

/// Asks the hosts of the tasks whose end was never seen what became of
/// them, for the summary; the run asks again before it acts, since a
/// running task may end in between.
pub async fn ask_hosts(fleet: &Fleet, pool: &Pool, replay: &mut ReplayPlan) {
    let cancel = CancellationToken::new();
    let asks = replay.unseen.iter().map(|((stage, host), u)| {
        let target = fleet.inventory.hosts.iter().position(|h| &h.name == host);
        let cancel = cancel.clone();
        async move {
            let said = match target {
                None => "its host is no longer in the inventory".to_string(),
                Some(i) => match pool.connect(&fleet.targets[i]).await {
                    Err(e) => format!("host unreachable ({e}): asked again when the replay runs"),
                    Ok(conn) => {
                        let key = record::key(host, stage, u.attempt);
                        match recover::ask(&conn, &u.run, &key, Duration::ZERO, &cancel).await {
                            Ok(rec) => recover::describe(&rec),
                            Err(e) => format!("{e}: asked again when the replay runs"),
                        }
                    }
                },
            };
            ((stage.clone(), host.clone()), said)
        }
    });
    let answers = futures::future::join_all(asks).await;
    replay.asked.extend(answers);
}
