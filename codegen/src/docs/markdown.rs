//! Markdown building blocks for the generated pages.
//!
//! Spec prose goes through [`sanitize_doc`], the sanitizer the rustdoc emitter uses, so a
//! text reads the same in rustdoc and on the pages. Literal values (wire names, paths, codes,
//! URLs) become inline code that cannot end early or split a table row.

use crate::emit::sanitize_doc;

/// Spec prose as the content of one table cell: sanitised, line breaks as `<br>`.
pub fn cell(text: &str) -> String {
    sanitize_doc(text.trim())
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Spec prose on one line (a heading or a sentence): sanitised, line breaks as spaces.
pub fn inline(text: &str) -> String {
    sanitize_doc(text.trim())
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Spec prose as paragraphs: sanitised, each line kept (a blank line separates paragraphs).
pub fn paragraphs(text: &str) -> String {
    sanitize_doc(text.trim())
}

/// Literal text as inline code in a table cell: line breaks become spaces, pipes are escaped
/// (GitHub splits cells on them even inside code), and the delimiter is one backtick longer
/// than any backtick run in the text. Empty text reads `(empty)`.
pub fn code(text: &str) -> String {
    let flat = text.replace(['\r', '\n'], " ");
    if flat.is_empty() {
        return "(empty)".to_owned();
    }
    let delimiter = "`".repeat(longest_run(&flat, '`') + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!(
        "{delimiter}{pad}{}{pad}{delimiter}",
        flat.replace('|', "\\|")
    )
}

/// A fenced code block holding `body` verbatim; the fence is longer than any backtick run in
/// the body, so no line of it can close the block.
pub fn fence(lang: &str, body: &str) -> String {
    let delimiter = "`".repeat(longest_run(body, '`').max(2) + 1);
    let body = body.lines().collect::<Vec<_>>().join("\n");
    format!("{delimiter}{lang}\n{body}\n{delimiter}")
}

/// `yes` or `no`.
pub fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// The longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c)
        .map(|run| run.len())
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_rows_whole() {
        assert_eq!(cell("a | b\nc"), "a \\| b<br>c");
        assert_eq!(cell("  \nx\n\ny\n"), "x<br><br>y");
    }

    #[test]
    fn inline_joins_lines_with_spaces() {
        assert_eq!(inline("one\n\n  two  \n"), "one two");
    }

    #[test]
    fn code_outlasts_backticks_in_the_text() {
        assert_eq!(code("Response.Error"), "`Response.Error`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
        assert_eq!(code(""), "(empty)");
    }

    #[test]
    fn fences_outlast_fences_in_the_body() {
        assert_eq!(fence("json", "{}\r\n"), "```json\n{}\n```");
        let body = "x\n````\ny";
        let fenced = fence("json", body);
        assert!(fenced.starts_with("`````json\n"));
        assert!(fenced.ends_with("\n`````"));
    }
}
