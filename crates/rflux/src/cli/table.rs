//! Tables the way flux prints them: upper-case headers, columns padded to their widest cell
//! and separated by a tab, no borders.

/// Renders `rows` under `headers`; `header` false omits the header line.
pub fn render(headers: &[&str], rows: &[Vec<String>], header: bool) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count());
                text.extend(std::iter::repeat_n(' ', pad));
                text.push('\t');
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    if header {
        line(headers.to_vec());
    }
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_tabs() {
        let out = render(
            &["NAME", "READY", "MESSAGE"],
            &[vec!["podinfo".into(), "True".into(), "ok".into()]],
            true,
        );
        assert_eq!(out, "NAME   \tREADY\tMESSAGE\npodinfo\tTrue \tok\n");
    }
}
