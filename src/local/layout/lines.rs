//! Glyphs → lines → tokens: labels found glyph by glyph (spaced-out labels such as
//! `名    称` included), and the plain glyphs between them.

use super::Rect;
use super::glyphs::Glyph;

/// Glyphs sharing a baseline, left to right.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// The line's glyphs, left to right.
    pub glyphs: Vec<Glyph>,
    /// The same glyphs with labels found, left to right.
    pub tokens: Vec<Token>,
    /// Vertical centre.
    pub cy: f64,
    /// Typical glyph size on the line.
    pub size: f64,
}

/// A label, or one glyph of text.
#[derive(Debug, Clone)]
pub(super) enum Token {
    /// A known label (its canonical spelling) and the glyphs it spans.
    Label { label: &'static str, rect: Rect },
    /// Any other glyph.
    Text(Glyph),
}

impl Token {
    /// The token's box.
    pub fn rect(&self) -> Rect {
        match self {
            Token::Label { rect, .. } => *rect,
            Token::Text(g) => g.rect,
        }
    }

    /// The label, if this is one.
    pub fn label(&self) -> Option<&'static str> {
        match self {
            Token::Label { label, .. } => Some(label),
            Token::Text(_) => None,
        }
    }
}

/// Groups glyphs into lines, top to bottom, by vertical centre.
pub(super) fn lines(mut glyphs: Vec<Glyph>, labels: &[&'static str], rules: &[Rect]) -> Vec<Line> {
    glyphs.sort_by(|a, b| a.rect.cy().total_cmp(&b.rect.cy()));
    let mut rows: Vec<Vec<Glyph>> = Vec::new();
    for glyph in glyphs {
        let joins = rows.last().is_some_and(|row| {
            let (cy, size) = centre_and_size(row);
            (glyph.rect.cy() - cy).abs() <= 0.4 * size.min(glyph.size).max(0.5)
        });
        match rows.last_mut() {
            Some(row) if joins => row.push(glyph),
            _ => rows.push(vec![glyph]),
        }
    }
    rows.into_iter()
        .map(|mut row| {
            row.sort_by(|a, b| a.rect.x0.total_cmp(&b.rect.x0));
            let (cy, size) = centre_and_size(&row);
            Line {
                tokens: tokenize(&row, labels, rules),
                glyphs: row,
                cy,
                size,
            }
        })
        .collect()
}

/// Median-free centre and size of a row: the mean, which is enough for grouping.
fn centre_and_size(row: &[Glyph]) -> (f64, f64) {
    let n = row.len().max(1) as f64;
    let cy = row.iter().map(|g| g.rect.cy()).sum::<f64>() / n;
    let size = row.iter().map(|g| g.size).sum::<f64>() / n;
    (cy, size)
}

/// Finds labels in a row of glyphs: at each glyph, the longest label whose characters are
/// the next glyphs' keys in order, none of them cut off from the previous by a rule.
pub(super) fn tokenize(row: &[Glyph], labels: &[&'static str], rules: &[Rect]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(row.len());
    let mut i = 0;
    while i < row.len() {
        match longest_label(&row[i..], labels, rules) {
            Some((label, count)) => {
                let rect = row[i + 1..i + count]
                    .iter()
                    .fold(row[i].rect, |r, g| r.union(g.rect));
                tokens.push(Token::Label { label, rect });
                i += count;
            }
            None => {
                tokens.push(Token::Text(row[i].clone()));
                i += 1;
            }
        }
    }
    tokens
}

/// The longest label spelled from the start of `glyphs`, with the number of glyphs used.
fn longest_label(
    glyphs: &[Glyph],
    labels: &[&'static str],
    rules: &[Rect],
) -> Option<(&'static str, usize)> {
    labels
        .iter()
        .filter_map(|label| spelled(glyphs, label, rules).map(|n| (*label, n)))
        .max_by_key(|(label, _)| label.chars().count())
}

/// How many glyphs spell `label` from the start, if they do. A label's characters may be
/// spread out over a whole column (`合          计`, `名    称`) but not across a rule or
/// further than fifteen ems apart.
fn spelled(glyphs: &[Glyph], label: &str, rules: &[Rect]) -> Option<usize> {
    let mut wanted = label.chars().peekable();
    let mut used = 0;
    let mut previous: Option<&Glyph> = None;
    while wanted.peek().is_some() {
        let glyph = glyphs.get(used)?;
        if let Some(prev) = previous
            && (glyph.rect.x0 - prev.rect.x1 > 15.0 * prev.size.max(1.0)
                || rule_between(prev.rect, glyph.rect, rules))
        {
            return None;
        }
        for c in glyph.key.chars() {
            if wanted.next() != Some(c) {
                return None;
            }
        }
        previous = Some(glyph);
        used += 1;
    }
    Some(used)
}

/// True when a vertical rule separates two boxes on one line.
pub(super) fn rule_between(left: Rect, right: Rect, rules: &[Rect]) -> bool {
    let cy = (left.cy() + right.cy()) / 2.0;
    rules.iter().any(|r| {
        r.height() > r.width()
            && r.y0 <= cy
            && r.y1 >= cy
            && r.cx() > left.cx()
            && r.cx() < right.cx()
            && r.cx() >= left.x1 - left.width() * 0.3
            && r.cx() <= right.x0 + right.width() * 0.3
    })
}
