//! The rack script Hadoop runs to place hosts (net.topology.script.file.name).

use crate::model::Inventory;
use crate::shell::quote;

use crate::hadoop::topology::Topology;
use crate::hadoop::xml::HEADER;

pub const RACK_SCRIPT: &str = "rack-topology.sh";

/// Maps host names and addresses to racks; Hadoop passes several at once and
/// reads one rack per argument. Unknown hosts go to /default-rack.
pub(super) fn rack_script(inv: &Inventory, topo: &Topology) -> Vec<u8> {
    let mut out = String::from("#!/bin/sh\n");
    out.push_str(&format!("# {HEADER}\n"));
    out.push_str(
        "# net.topology.script.file.name: prints the rack of each host name or address given.\n",
    );
    out.push_str("for node in \"$@\"; do\n  case \"$node\" in\n");
    for host in &inv.hosts {
        if let Some(rack) = topo.racks.get(&host.name) {
            let mut names = vec![quote(&host.name)];
            if host.address != host.name {
                names.push(quote(&host.address));
            }
            out.push_str(&format!(
                "    {}) echo {} ;;\n",
                names.join("|"),
                quote(rack)
            ));
        }
    }
    out.push_str("    *) echo /default-rack ;;\n  esac\ndone\n");
    out.into_bytes()
}
