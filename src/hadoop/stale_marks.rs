//! The bring-up's record of what its push makes stale: before the configs
//! are written, each host compares its copies with the rendered ones, and
//! the services reading a file that will change are added to its stale
//! file (see [`super::files`]), as `herd config push` does. A running
//! daemon keeps the configuration it started with: `herd up` never
//! restarts one, so it says which need it (`herd restart --stale`).
//!
//! Only a daemon running now is marked: one that is not reads the new
//! files when it starts (on bare hosts the unpacked release's own
//! `core-site.xml` and the like are there before herd's, and no daemon
//! ever read them). An additive file (the rack script) marks nothing when
//! every line it had is still there.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::files::{ClusterFiles, HostFiles};
use super::services;
use super::topology::Topology;
use crate::shell::quote as q;

/// `stale_marks.<host>`: `current` (exits 0 when the push would make
/// nothing stale, so a bring-up that changes nothing runs nothing) and
/// `mark`, for each host.
pub fn template(topo: &Topology, files: &ClusterFiles) -> Value {
    let mut out = serde_json::Map::new();
    for hf in &files.hosts {
        out.insert(
            hf.host.clone(),
            json!({ "current": script(topo, hf, false), "mark": script(topo, hf, true) }),
        );
    }
    Value::Object(out)
}

fn script(topo: &Topology, hf: &HostFiles, mark: bool) -> String {
    let mut lines = vec!["stale=".to_string()];
    for f in hf.files.iter().filter(|f| !f.services.is_empty()) {
        let path = q(&f.path);
        let digest = hex::encode(Sha256::digest(&f.content));
        let services = f.services.join(" ");
        let changed =
            format!("[ -f {path} ] && [ \"$(sha256sum < {path} | cut -d' ' -f1)\" != {digest} ]");
        if f.additive {
            let kept = q(&String::from_utf8_lossy(&f.content));
            lines.push(format!(
                "if {changed} && printf '%s\\n' {kept} | grep -qvxF -f - {path}; then stale=\"$stale {services}\"; fi"
            ));
        } else {
            lines.push(format!(
                "if {changed}; then stale=\"$stale {services}\"; fi"
            ));
        }
    }
    // Of the readers of a changed file, those running.
    let mut roles: Vec<&str> = hf
        .files
        .iter()
        .flat_map(|f| f.services.iter().copied())
        .collect();
    roles.sort_unstable();
    roles.dedup();
    let sup = topo.supervisor(&hf.host);
    let mut cases = String::new();
    for role in roles {
        if let Some(svc) = services::service(role) {
            cases.push_str(&format!(
                "    {role}) if {} >/dev/null 2>&1; then running=\"$running {role}\"; fi ;;\n",
                svc.running_command(&topo.settings, sup)
            ));
        }
    }
    lines.push(format!(
        "running=\nfor s in $(printf '%s\\n' $stale | sort -u); do\n  case \"$s\" in\n{cases}  esac\ndone\nstale=$running"
    ));
    if !mark {
        lines.push("[ -z \"$stale\" ]".into());
        return lines.join("\n");
    }
    let file = topo.settings.stale_file();
    let dir = file.rsplit_once('/').map_or(".", |(d, _)| d).to_string();
    lines.push(format!(
        "[ -n \"$stale\" ] || exit 0\n\
         mkdir -p {dir}\n\
         {{ cat {f} 2>/dev/null; printf '%s\\n' $stale; }} | sort -u > {f}.tmp && mv -f {f}.tmp {f}\n\
         echo \"configuration changes for:$stale (recorded in {shown}; herd restart --stale applies them)\"",
        dir = q(&dir),
        f = q(&file),
        shown = file,
    ));
    lines.join("\n")
}
