//! Folding identical per-host outputs together, as `clush -b` and `dshbak -c` do.

/// Groups of hosts that printed exactly the same thing, in first-seen order.
pub fn fold<'a>(
    outputs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(Vec<&'a str>, &'a str)> {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for (host, text) in outputs {
        match groups.iter_mut().find(|(_, t)| *t == text) {
            Some((hosts, _)) => hosts.push(host),
            None => groups.push((vec![host], text)),
        }
    }
    groups
}

/// `----------------\nmaster1,master2 (2)\n----------------\n<text>`
pub fn render(groups: &[(Vec<&str>, &str)]) -> String {
    let mut out = String::new();
    for (hosts, text) in groups {
        let title = format!("{} ({})", hosts.join(","), hosts.len());
        let rule = "-".repeat(title.len().clamp(16, 72));
        out.push_str(&format!("{rule}\n{title}\n{rule}\n"));
        out.push_str(text);
        if !text.ends_with('\n') && !text.is_empty() {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_outputs_fold_in_first_seen_order() {
        let g = fold([("w1", "ok\n"), ("w2", "boom\n"), ("w3", "ok\n")]);
        assert_eq!(g, vec![(vec!["w1", "w3"], "ok\n"), (vec!["w2"], "boom\n")]);
        let text = render(&g);
        assert!(
            text.starts_with("----------------\nw1,w3 (2)\n----------------\nok\n"),
            "{text}"
        );
        assert!(text.contains("w2 (1)\n----------------\nboom\n"), "{text}");
    }
}
