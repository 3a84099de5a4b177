//! `vars.rack`, per host or for all: where a host sits in the network, for
//! HDFS block placement and YARN locality.

use crate::model::reader::Reader;
use crate::model::{Host, Inventory, ModelError};

/// The rack of one host (`hosts[].vars.rack`), checked.
pub fn rack(
    inv: &Inventory,
    host: &Host,
    entry: Option<usize>,
    errors: &mut Vec<ModelError>,
) -> Option<String> {
    let v = host.vars.get("rack")?;
    let path = match entry {
        Some(k) if inv.spans.contains(&format!("hosts[{k}].vars.rack")) => {
            format!("hosts[{k}].vars.rack")
        }
        _ => "vars.rack".to_string(),
    };
    let mut r = Reader::new(&inv.spans);
    let rack = match r.text(v, &path) {
        Some(rack) if is_rack(&rack) => Some(rack),
        Some(rack) => {
            r.error(
                &path,
                format!(
                    "rack '{rack}' must be a path such as /rack1 (letters, digits, '/', '-', '_', '.')"
                ),
            );
            None
        }
        None => None,
    };
    errors.append(&mut r.errors);
    rack
}

fn is_rack(rack: &str) -> bool {
    rack.starts_with('/')
        && rack.len() > 1
        && rack
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
}
