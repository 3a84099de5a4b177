//! What differs between the inputs a journaled run used and those a replay
//! of it would use: the playbook copy the journal kept, the playbook's
//! source, and the inventory (shown as a diff against the kept copy).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::replay_source::ReplayedRun;
use crate::model::Secrets;

/// Lines of inventory diff shown; the rest is counted.
const DIFF_LINES: usize = 40;

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// One message per input that changed since `run`; `saved_playbook` is the
/// journal's copy, `inventory` the inventory the replay is given and
/// `secrets` its secrets, masked in the diff as they are in the kept copy.
pub fn changes(
    run: &ReplayedRun,
    saved_playbook: &str,
    inventory: &Path,
    secrets: &Secrets,
) -> Vec<String> {
    let mut out = Vec::new();
    let id = &run.summary.id;
    let saved_path = run.saved_playbook_path();
    if sha256(saved_playbook.as_bytes()) != run.playbook_digest {
        out.push(format!(
            "playbook changed: the copy kept in {} differs from what run {id} ran",
            saved_path.display()
        ));
    } else {
        // The replay runs the kept copy; a playbook edited since would not apply.
        let current = match run.playbook.strip_prefix("bundled:") {
            Some(name) => crate::playbooks::bundled(name).map(|t| t.as_bytes().to_vec()),
            None => std::fs::read(&run.playbook).ok(),
        };
        if let Some(current) = current
            && sha256(&current) != run.playbook_digest
        {
            out.push(format!(
                "playbook changed: {} differs from the copy run {id} ran (the replay runs that copy, {})",
                run.playbook,
                saved_path.display()
            ));
        }
    }
    let now = std::fs::read(inventory).unwrap_or_default();
    if sha256(&now) != run.inventory_digest {
        let kept = run.summary.dir.join("inventory.yaml");
        let before = std::fs::read(&kept)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let after = secrets.mask(&String::from_utf8_lossy(&now));
        let diff = similar::TextDiff::from_lines(before.as_str(), after.as_ref())
            .unified_diff()
            .context_radius(2)
            .header(
                &format!("{} (run {id})", run.inventory),
                &inventory.display().to_string(),
            )
            .to_string();
        out.push(format!(
            "inventory changed since run {id}:\n{}",
            shorten_diff(&diff, DIFF_LINES)
        ));
    }
    out
}

/// A diff cut to `max` lines, saying how much was left out.
fn shorten_diff(diff: &str, max: usize) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= max {
        return diff.trim_end().to_string();
    }
    format!(
        "{}\n... ({} more lines)",
        lines[..max].join("\n"),
        lines.len() - max
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_diff_is_cut_and_counted() {
        let diff: String = (1..=45).map(|i| format!("+line {i}\n")).collect();
        let short = shorten_diff(&diff, 40);
        assert_eq!(short.lines().count(), 41);
        assert!(short.ends_with("... (5 more lines)"), "{short}");
        assert_eq!(shorten_diff("+a\n+b\n", 40), "+a\n+b");
    }
}
