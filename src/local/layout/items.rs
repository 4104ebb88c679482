//! The line-item table: columns from the header's words, rows anchored on an amount, wrapped
//! names and specs joined to the row they belong to; and the 合计 row read by the same
//! columns.

use super::Rect;
use super::glyphs::Glyph;
use super::lines::{Line, Token, rule_between, tokenize};
use crate::local::fields::ItemField;

/// Column headings of the item tables real producers print (NFKC, spaces removed).
const HEADERS: &[(&str, Option<ItemField>)] = &[
    ("项目名称", Some(ItemField::Name)),
    ("货物或应税劳务、服务名称", Some(ItemField::Name)),
    ("货物或应税劳务名称", Some(ItemField::Name)),
    ("货物(劳务)名称", Some(ItemField::Name)),
    ("规格型号", Some(ItemField::Spec)),
    ("单位", Some(ItemField::Unit)),
    ("数量", Some(ItemField::Quantity)),
    ("单价", Some(ItemField::UnitPrice)),
    ("金额", Some(ItemField::Amount)),
    ("金额(元)", Some(ItemField::Amount)),
    ("税率/征收率", Some(ItemField::TaxRate)),
    ("税率", Some(ItemField::TaxRate)),
    ("征收率", Some(ItemField::TaxRate)),
    ("税额", Some(ItemField::Tax)),
    // Columns no field takes still claim their values from the neighbours.
    ("项目编码", None),
    // 通行费 e-invoices: plate, vehicle type and the toll period sit between name and amount.
    ("车牌号", None),
    ("类型", None),
    ("通行日期起", None),
    ("通行日期止", None),
    ("标准", None),
    ("备注", None),
    ("序号", None),
];

/// Lines of one item table read; a 销货清单 page holds a few dozen rows.
const MAX_ROW_LINES: usize = 2000;

fn header_words() -> Vec<&'static str> {
    HEADERS.iter().map(|(w, _)| *w).collect()
}

/// One column: where its heading is, and what it holds.
#[derive(Debug, Clone)]
pub(super) struct Column {
    rect: Rect,
    field: Option<ItemField>,
}

/// The item table found on a page.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// Columns left to right.
    pub columns: Vec<Column>,
    /// Index of the header line.
    pub header: usize,
}

/// One item row, cell texts by field.
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    /// Cells, in column order; a wrapped cell is joined.
    pub cells: Vec<(ItemField, String)>,
    cy: f64,
}

impl Row {
    fn push(&mut self, field: ItemField, text: &str) {
        match self.cells.iter_mut().find(|(f, _)| *f == field) {
            Some((_, existing)) => existing.push_str(text),
            None => self.cells.push((field, text.to_owned())),
        }
    }
}

/// The header line: it names an amount column and at least two other columns.
pub(super) fn find_table(lines: &[Line], rules: &[Rect]) -> Option<Table> {
    let words = header_words();
    lines.iter().enumerate().find_map(|(index, line)| {
        let columns: Vec<Column> = tokenize(&line.glyphs, &words, rules)
            .into_iter()
            .filter_map(|t| match t {
                Token::Label { label, rect } => {
                    let field = HEADERS.iter().find(|(w, _)| *w == label)?.1;
                    Some(Column { rect, field })
                }
                Token::Text(_) => None,
            })
            .collect();
        let has = |f: ItemField| columns.iter().any(|c| c.field == Some(f));
        (has(ItemField::Amount) && columns.len() >= 3 && has(ItemField::Name)).then_some(Table {
            columns,
            header: index,
        })
    })
}

impl Table {
    /// The column a box drawn at `rect` falls in: the one whose span between the
    /// neighbouring headings' centres holds the box's centre.
    pub fn column_of(&self, rect: Rect) -> Option<&Column> {
        let cx = rect.cx();
        let n = self.columns.len();
        (0..n)
            .find(|&i| {
                let left = if i == 0 {
                    f64::NEG_INFINITY
                } else {
                    (self.columns[i - 1].rect.cx() + self.columns[i].rect.cx()) / 2.0
                };
                let right = if i + 1 == n {
                    f64::INFINITY
                } else {
                    (self.columns[i].rect.cx() + self.columns[i + 1].rect.cx()) / 2.0
                };
                cx >= left && cx < right
            })
            .map(|i| &self.columns[i])
    }

    /// The field of the column at `rect`.
    pub fn field_at(&self, rect: Rect) -> Option<ItemField> {
        self.column_of(rect).and_then(|c| c.field)
    }

    /// Rows between the header and the first line `stop` accepts.
    pub fn rows(&self, lines: &[Line], rules: &[Rect], stop: impl Fn(&Line) -> bool) -> Vec<Row> {
        let body: Vec<&Line> = lines
            .iter()
            .skip(self.header + 1)
            .take_while(|l| !stop(l))
            .take(MAX_ROW_LINES)
            .collect();
        let mut rows: Vec<Row> = Vec::new();
        let mut loose: Vec<Row> = Vec::new();
        for line in body {
            let mut row = Row {
                cy: line.cy,
                ..Row::default()
            };
            // Words in a font that cannot vouch for them are no item's name; numbers are.
            let trusted: Vec<Cell> = cells(&line.glyphs, rules)
                .into_iter()
                .filter(|c| !c.suspect || is_number(&c.text) || is_rate(&c.text))
                .collect();
            for (field, text) in self.row_cells(&trusted) {
                row.push(field, &text);
            }
            if row.cells.is_empty() {
                continue;
            }
            let anchored = row
                .cells
                .iter()
                .any(|(f, t)| *f == ItemField::Amount && is_number(t));
            if anchored {
                rows.push(row);
            } else {
                loose.push(row);
            }
        }
        attach_loose(&mut rows, loose);
        rows
    }
}

impl Table {
    /// Assigns a line's cells to fields. VAT item rows print their numbers in one order —
    /// 数量, 单价, 金额, 税率, 税额 — with numbers right-aligned, so they stick out of their
    /// heading's span; a row with a rate cell is read by that order (amount left of the
    /// rate, tax right of it, price and quantity further left), and only the rest by
    /// position under the headings.
    fn row_cells(&self, cells: &[Cell]) -> Vec<(ItemField, String)> {
        let Some(rate) = cells.iter().position(|c| is_rate(&c.text)) else {
            return self.by_position(cells.iter());
        };
        let mut out = vec![(ItemField::TaxRate, cells[rate].text.clone())];
        if let Some(tax) = cells[rate + 1..].iter().find(|c| is_number(&c.text)) {
            out.push((ItemField::Tax, tax.text.clone()));
        }
        // Numbers under a heading no field takes (a toll's dates) are not in the order.
        let numbers: Vec<usize> = (0..rate)
            .rev()
            .filter(|&i| is_number(&cells[i].text))
            .filter(|&i| {
                self.column_of(cells[i].rect)
                    .is_none_or(|c| c.field.is_some())
            })
            .take(3)
            .collect();
        let order = [ItemField::Amount, ItemField::UnitPrice, ItemField::Quantity];
        for (&i, field) in numbers.iter().zip(order) {
            out.push((field, cells[i].text.clone()));
        }
        let first_number = numbers.last().copied().unwrap_or(rate);
        let words = cells[..first_number]
            .iter()
            .filter(|c| !is_number(&c.text) || self.field_at(c.rect) == Some(ItemField::Spec));
        out.extend(self.by_position(words));
        out
    }

    /// Cells assigned by the heading they sit under.
    fn by_position<'c>(&self, cells: impl Iterator<Item = &'c Cell>) -> Vec<(ItemField, String)> {
        cells
            .filter_map(|c| Some((self.field_at(c.rect)?, c.text.clone())))
            .collect()
    }
}

/// A tax-rate cell: `13%`, `1.5%`, or the words printed instead of a rate.
fn is_rate(text: &str) -> bool {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    match text.strip_suffix('%') {
        Some(number) => !number.is_empty() && number.parse::<rust_decimal::Decimal>().is_ok(),
        None => matches!(text.as_str(), "免税" | "不征税" | "***"),
    }
}

/// Wrapped pieces (a name's second line, a spec's tail) join the row whose amount line is
/// nearest, above or below; the earlier row wins a tie. Pieces above a row come first.
fn attach_loose(rows: &mut [Row], loose: Vec<Row>) {
    for piece in loose {
        let Some(target) = rows
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| (a.cy - piece.cy).abs().total_cmp(&(b.cy - piece.cy).abs()))
            .map(|(i, _)| i)
        else {
            continue;
        };
        let row = &mut rows[target];
        for (field, text) in piece.cells {
            match row.cells.iter_mut().find(|(f, _)| *f == field) {
                Some((_, existing)) if piece.cy < row.cy => existing.insert_str(0, &text),
                Some((_, existing)) => existing.push_str(&text),
                None => row.cells.push((field, text)),
            }
        }
    }
}

/// A cell's text and box.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    /// The text, glyphs joined (a space where a gap is wider than half an em).
    pub text: String,
    /// Its box.
    pub rect: Rect,
    /// Largest glyph size in it.
    pub size: f64,
    /// How many glyphs it holds.
    glyphs: usize,
    /// True while every string it was built from drew one glyph.
    lone_glyphs: bool,
    /// Some glyph in it is text its font cannot vouch for.
    pub suspect: bool,
}

/// Splits a line's glyphs into cells. What one string drew stays together unless a rule
/// or a gap of more than 1.5 em parts it; then neighbouring pieces join when they touch
/// (producers that place every glyph alone). Pieces of different strings that overlap
/// (a wrapped name printed over a neighbouring column's value) stay apart.
pub(super) fn cells(glyphs: &[Glyph], rules: &[Rect]) -> Vec<Cell> {
    let mut by_string: Vec<&Glyph> = glyphs.iter().collect();
    by_string.sort_by(|a, b| a.group.cmp(&b.group).then(a.rect.x0.total_cmp(&b.rect.x0)));
    let mut pieces: Vec<Cell> = Vec::new();
    let mut previous: Option<&Glyph> = None;
    for glyph in by_string {
        let joins = previous.is_some_and(|p| {
            p.group == glyph.group
                && glyph.rect.x0 - p.rect.x1 <= 1.5 * p.size.max(1.0)
                && !rule_between(p.rect, glyph.rect, rules)
        });
        push_glyph(&mut pieces, glyph, joins);
        previous = Some(glyph);
    }
    pieces.sort_by(|a, b| a.rect.x0.total_cmp(&b.rect.x0));
    let mut out: Vec<Cell> = Vec::new();
    for piece in pieces {
        match out.last_mut() {
            Some(cell) if touches(cell, &piece, rules) => {
                cell.text.push_str(&piece.text);
                cell.rect = cell.rect.union(piece.rect);
                cell.size = cell.size.max(piece.size);
                cell.glyphs += piece.glyphs;
                cell.lone_glyphs &= piece.glyphs == 1;
                cell.suspect |= piece.suspect;
            }
            _ => out.push(piece),
        }
    }
    out
}

fn push_glyph(pieces: &mut Vec<Cell>, glyph: &Glyph, joins: bool) {
    match pieces.last_mut() {
        Some(cell) if joins => {
            // A word space inside Latin text (`MagicBook Pro R7`) is about a quarter em;
            // between ideographs only a wide gap is a space.
            let latin = glyph.text.is_ascii() && cell.text.ends_with(|c: char| c.is_ascii());
            let space = if latin { 0.2 } else { 0.6 } * glyph.size;
            if glyph.rect.x0 - cell.rect.x1 > space {
                cell.text.push(' ');
            }
            cell.text.push_str(&glyph.text);
            cell.rect = cell.rect.union(glyph.rect);
            cell.glyphs += 1;
            cell.lone_glyphs = false;
            cell.suspect |= glyph.suspect;
        }
        _ => pieces.push(Cell {
            text: glyph.text.clone(),
            rect: glyph.rect,
            size: glyph.size,
            glyphs: 1,
            lone_glyphs: true,
            suspect: glyph.suspect,
        }),
    }
}

/// Two pieces side by side, not overlapping, with at most a third of an em between them —
/// or up to 2.2 em between lone glyphs: producers that place every glyph alone letter-space
/// their text that widely (CJK at ~1.9 em), and put cells further apart.
fn touches(left: &Cell, right: &Cell, rules: &[Rect]) -> bool {
    let em = left.size.max(right.size).max(1.0);
    let gap = right.rect.x0 - left.rect.x1;
    // Two complete numbers side by side are two cells (`29.43` then `3%`).
    if (is_number(&left.text) || left.text.ends_with('%'))
        && (is_number(&right.text) || is_rate(&right.text))
        && !(left.lone_glyphs && right.glyphs == 1)
    {
        return false;
    }
    let lone = left.lone_glyphs && right.glyphs == 1;
    let reach = if lone { 2.2 * em } else { em / 3.0 };
    gap <= reach && gap >= -em * 0.2 && !rule_between(left.rect, right.rect, rules)
}

/// True for a plain decimal number, signed, with an optional currency sign.
pub(super) fn is_number(text: &str) -> bool {
    let t = money_text(text);
    !t.is_empty() && t.parse::<rust_decimal::Decimal>().is_ok()
}

/// The text without currency signs (`¥`, `￥`, and the `´` one producer's font maps ¥ to),
/// group separators or spaces.
pub(super) fn money_text(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '¥' | '￥' | '´' | ',' | '，') && !c.is_whitespace())
        .collect()
}
