//! A stage's `when:`: which of its hosts it runs on, decided here from what
//! the controller knows, so the others cost no connection at all.

use super::template::{TemplateContext, render_raw};

/// Whether the stage runs on the host `ctx` is for. The template must render
/// `true` or `false` (a comparison such as `{{ x == 1 }}` does): anything
/// else is the playbook's mistake, not a silent skip.
pub fn holds(tpl: &str, ctx: &TemplateContext) -> Result<bool, String> {
    let text = render_raw(tpl, ctx).map_err(|e| e.to_string())?;
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "renders '{}', not true or false",
            other.chars().take(60).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(level: i64) -> TemplateContext {
        let inv = crate::model::Inventory::parse(
            "cluster: t\nhosts:\n  - { name: a, address: 10.0.0.1 }\n",
            std::path::Path::new("inv.yaml"),
        )
        .unwrap();
        let pb = crate::model::Playbook::parse(
            "stages:\n  - { name: s, hosts: all, run: 'true' }\n",
            "pb.yaml",
        )
        .unwrap();
        let mut c = TemplateContext::new(&inv, &pb, 0);
        c.set("level", serde_json::json!(level));
        c
    }

    #[test]
    fn a_comparison_decides_and_anything_else_is_refused() {
        assert_eq!(holds("{{ level == 2 }}", &ctx(2)), Ok(true));
        assert_eq!(holds("{{ level == 2 }}", &ctx(3)), Ok(false));
        assert_eq!(holds(" true\n", &ctx(0)), Ok(true));
        let e = holds("{{ level }}", &ctx(1)).unwrap_err();
        assert!(e.contains("renders '1', not true or false"), "{e}");
        assert!(holds("{{ nope.x }}", &ctx(1)).is_err());
    }
}
