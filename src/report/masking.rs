//! Masking secret values in events. An event holds text in many fields
//! (task output, error messages, probe readings); walking its JSON form
//! masks every one of them, including fields added later, except the
//! names that identify what an event is about: a replay matches stages and
//! hosts by them, and a name is plain in the inventory anyway.

use crate::events::Event;
use crate::model::Secrets;

/// `event` with every secret value in its text replaced by the mask.
pub fn mask_event(secrets: &Secrets, event: Event) -> Event {
    if secrets.is_empty() {
        return event;
    }
    let Ok(mut tree) = serde_json::to_value(&event) else {
        return event;
    };
    if !mask_strings(secrets, &mut tree) {
        return event;
    }
    // The tree came from an event and only its strings changed; it reads
    // back as the journal's lines do (replay depends on that round trip).
    serde_json::from_value(tree).unwrap_or(event)
}

/// Fields that name things (stages, hosts, runs, files) rather than say
/// what happened.
const NAMES: &[&str] = &[
    "event",
    "run_id",
    "run",
    "kind",
    "playbook",
    "playbook_digest",
    "inventory",
    "inventory_digest",
    "stages",
    "hosts",
    "continues",
    "host",
    "user",
    "stage",
    "failed_stage",
    "outcome",
    "skip",
    "recovery",
];

/// Masks the strings of `v` in place; whether any changed.
fn mask_strings(secrets: &Secrets, v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => {
            let masked = secrets.mask(s);
            let changed = masked != *s;
            *s = masked;
            changed
        }
        // Every item is visited: stopping at the first change would leave the rest.
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for x in items {
                changed |= mask_strings(secrets, x);
            }
            changed
        }
        serde_json::Value::Object(m) => {
            let mut changed = false;
            for (k, x) in m.iter_mut() {
                if !NAMES.contains(&k.as_str()) {
                    changed |= mask_strings(secrets, x);
                }
            }
            changed
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{ProbeReading, TaskOutcome};

    #[test]
    fn every_text_field_is_masked_and_the_rest_kept() {
        let secrets = crate::model::Inventory::parse(
            "vars: { pw: !secret hunter2 }\nhosts: [{ name: h1 }]\n",
            std::path::Path::new("i.yaml"),
        )
        .unwrap()
        .secrets;
        let event = Event::TaskFinished {
            stage: "s".into(),
            host: "h1".into(),
            outcome: TaskOutcome::Failed,
            skip: None,
            exit_status: Some(3),
            duration_ms: 5,
            error: Some("exit 3: bad hunter2".into()),
            unseen: false,
        };
        let masked = mask_event(&secrets, event.clone());
        let Event::TaskFinished { error, .. } = &masked else {
            panic!("{masked:?}")
        };
        assert_eq!(error.as_deref(), Some("exit 3: bad ***"));
        // Names stay as they are, so a replay still finds its stages.
        let named = Event::StageStarted {
            stage: "hunter2".into(),
            hosts: 1,
        };
        assert_eq!(mask_event(&secrets, named.clone()), named);
        let gate = Event::GateFailed {
            stage: "s".into(),
            batch: 0,
            elapsed_ms: 1,
            reason: "hunter2".into(),
            readings: vec![ProbeReading {
                host: "h1".into(),
                pass: false,
                value: "saw hunter2".into(),
            }],
        };
        let text = serde_json::to_string(&mask_event(&secrets, gate)).unwrap();
        assert!(
            !text.contains("hunter2") && text.contains("saw ***"),
            "{text}"
        );
        assert_eq!(
            mask_event(&crate::model::Secrets::default(), event.clone()),
            event
        );
    }
}
