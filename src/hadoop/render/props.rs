//! A file's properties as herd builds them: its own values, some with the
//! reason it chose them, then the inventory's overrides on top.

use crate::hadoop::topology::Topology;
use crate::hadoop::xml::{Prop, Props};

pub(super) fn set(props: &mut Props, key: impl Into<String>, value: impl ToString) {
    props.insert(
        key.into(),
        Prop {
            value: value.to_string(),
            note: None,
        },
    );
}

pub(super) fn note(props: &mut Props, key: &str, value: impl ToString, note: &'static str) {
    props.insert(
        key.to_string(),
        Prop {
            value: value.to_string(),
            note: Some(note),
        },
    );
}

pub(super) fn apply_overrides(props: &mut Props, topo: &Topology, file: &str) {
    if let Some(over) = topo.settings.overrides.get(file) {
        for (k, v) in over {
            match v {
                Some(v) => set(props, k.clone(), v),
                None => {
                    props.remove(k);
                }
            }
        }
    }
}
