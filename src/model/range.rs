//! Ansible-style host ranges: `worker[01:20]`, `node[a:c]`, `10.0.0.[11:13]`.
//!
//! Several bracket groups multiply out, leftmost slowest
//! (`r[1:2]n[a:b]` -> r1na, r1nb, r2na, r2nb), as in Ansible. A start with a
//! leading zero pads every number to its width, so `[01:20]` sorts as text.

/// One bracket group's values, or literal text between groups.
enum Part {
    Text(String),
    Choices(Vec<String>),
}

pub fn expand_range(pattern: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find(['[', ']']) {
        if rest.as_bytes()[open] == b']' {
            return Err(format!("unmatched ']' in '{pattern}'"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find(']')
            .ok_or_else(|| format!("unclosed '[' in '{pattern}'"))?;
        let inner = &after[..close];
        if inner.contains('[') {
            return Err(format!("nested '[' in '{pattern}'"));
        }
        parts.push(Part::Text(rest[..open].to_string()));
        parts.push(Part::Choices(
            expand_group(inner).map_err(|e| format!("{e} in '{pattern}'"))?,
        ));
        rest = &after[close + 1..];
    }
    parts.push(Part::Text(rest.to_string()));

    let total = parts.iter().try_fold(1u64, |n, p| match p {
        Part::Choices(c) => n
            .checked_mul(c.len() as u64)
            .filter(|&t| t <= MAX_HOSTS)
            .ok_or_else(|| too_many(n.saturating_mul(c.len() as u64))),
        Part::Text(_) => Ok(n),
    });
    total.map_err(|e| format!("{e} in '{pattern}'"))?;
    let mut out = vec![String::new()];
    for part in parts {
        match part {
            Part::Text(t) => out.iter_mut().for_each(|s| s.push_str(&t)),
            Part::Choices(c) => {
                out = out
                    .iter()
                    .flat_map(|s| c.iter().map(move |v| format!("{s}{v}")))
                    .collect();
            }
        }
    }
    Ok(out)
}

/// The most names one pattern may give: well past any real fleet, well
/// short of what would exhaust the controller's memory.
pub const MAX_HOSTS: u64 = 100_000;

fn too_many(n: u64) -> String {
    format!("range gives {n} names, more than the {MAX_HOSTS} herd accepts")
}

/// `01:20`, `a:c`, `1:10:2`.
fn expand_group(inner: &str) -> Result<Vec<String>, String> {
    let fields: Vec<&str> = inner.split(':').collect();
    let (start, end, step) = match fields.as_slice() {
        [a, b] => (*a, *b, None),
        [a, b, s] => (*a, *b, Some(*s)),
        _ => {
            return Err(format!(
                "range '[{inner}]' must be [START:END] or [START:END:STEP]"
            ));
        }
    };
    let step: usize = match step {
        None => 1,
        Some(s) => match s.parse() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("range step '{s}' must be a positive number")),
        },
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let letter = |s: &str| s.len() == 1 && s.bytes().all(|b| b.is_ascii_alphabetic());
    if numeric(start) && numeric(end) {
        let (a, b): (u64, u64) = (
            start
                .parse()
                .map_err(|_| format!("range bound '{start}' is too large"))?,
            end.parse()
                .map_err(|_| format!("range bound '{end}' is too large"))?,
        );
        if b < a {
            return Err(format!("range [{inner}] ends before it starts"));
        }
        let count = (b - a) / step as u64 + 1;
        if count > MAX_HOSTS {
            return Err(too_many(count));
        }
        let width = if start.len() > 1 && start.starts_with('0') {
            start.len()
        } else {
            0
        };
        Ok((a..=b)
            .step_by(step)
            .map(|n| format!("{n:0width$}"))
            .collect())
    } else if letter(start) && letter(end) {
        let (a, b) = (start.as_bytes()[0], end.as_bytes()[0]);
        if a.is_ascii_lowercase() != b.is_ascii_lowercase() {
            return Err(format!("range [{inner}] mixes upper and lower case"));
        }
        if b < a {
            return Err(format!("range [{inner}] ends before it starts"));
        }
        Ok((a..=b)
            .step_by(step)
            .map(|c| (c as char).to_string())
            .collect())
    } else {
        Err(format!(
            "range [{inner}] needs two numbers or two single letters"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_name_is_itself() {
        assert_eq!(expand_range("master1").unwrap(), vec!["master1"]);
    }

    #[test]
    fn multiple_groups_multiply() {
        assert_eq!(
            expand_range("r[1:2]n[a:b]").unwrap(),
            vec!["r1na", "r1nb", "r2na", "r2nb"]
        );
    }

    #[test]
    fn ranges_past_the_host_limit_are_refused_before_they_are_built() {
        let e = expand_range("worker[1:100000000]").unwrap_err();
        assert!(e.contains("100000000 names, more than the 100000"), "{e}");
        let e = expand_range("r[1:1000]n[1:1000]").unwrap_err();
        assert!(e.contains("more than the 100000"), "{e}");
        assert_eq!(expand_range("w[1:100000]").unwrap().len(), 100_000);
    }

    #[test]
    fn step() {
        assert_eq!(expand_range("h[1:7:3]").unwrap(), vec!["h1", "h4", "h7"]);
    }
}
