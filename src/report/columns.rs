//! Plain-text tables: columns as wide as their widest cell, two spaces
//! apart, no trailing blanks (`herd status`, `herd check`).

/// The width of each column, in characters, over the header and every row.
pub fn widths<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> Vec<usize> {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in w.iter_mut().zip(r.as_ref()) {
            *w = (*w).max(c.chars().count());
        }
    }
    w
}

/// One row, each cell padded to its column's width.
pub fn line<S: AsRef<str>>(cells: &[S], widths: &[usize]) -> String {
    cells
        .iter()
        .zip(widths)
        .map(|(c, &w)| format!("{:<w$}", c.as_ref()))
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_the_widest_cell_and_lines_have_no_trailing_blanks() {
        let rows = vec![vec!["master1".to_string(), "é".into(), String::new()]];
        let w = widths(&["HOST", "X", "NOTES"], &rows);
        assert_eq!(w, vec![7, 1, 5]);
        assert_eq!(line(&rows[0], &w), "master1  é");
        assert_eq!(line(&["HOST", "X", "NOTES"], &w), "HOST     X  NOTES");
    }
}
