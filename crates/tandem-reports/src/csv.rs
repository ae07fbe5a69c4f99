//! CSV export: RFC 4180 quoting, and cells that a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return; OWASP "CSV injection") neutralised with a
//! leading `'`.

/// A cell made safe to open in a spreadsheet: a leading `'` when it starts like a formula.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// One CSV field: neutralised, then quoted when it holds a comma, quote or line break.
fn field(cell: &str) -> String {
    let safe = neutralise(cell);
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

/// A CSV document (CRLF line ends) from a header and rows.
pub fn write<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::new();
    let head: Vec<String> = header.iter().map(|cell| field(cell)).collect();
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|cell| field(&cell)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_like_formulas_are_neutralised() {
        let cases = [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
        ];
        for (cell, expected) in cases {
            assert_eq!(neutralise(cell), expected);
        }
    }

    #[test]
    fn fields_are_quoted_after_neutralising() {
        let csv = write(
            &["group", "value"],
            [vec!["=cmd|' /C calc'!A0, x".to_owned(), "0.5".to_owned()]],
        );
        assert_eq!(csv, "group,value\r\n\"'=cmd|' /C calc'!A0, x\",0.5\r\n");
        let quoted = write(&["a"], [vec!["say \"hi\"".to_owned()]]);
        assert_eq!(quoted, "a\r\n\"say \"\"hi\"\"\"\r\n");
    }
}
