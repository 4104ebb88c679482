//! Reads invoice fields off a laid-out page: each label's value is what follows it inside
//! its cell (or, when nothing does, what sits right below it), buyer and seller told apart
//! by the side caption of their block.

use super::glyphs::{Caption, page_glyphs, take_captions};
use super::items::{Table, cells, find_table, is_number, money_text};
use super::lines::{Line, Token, lines, rule_between};
use super::{Page, Rect};
use crate::domain::amount_words;
use crate::local::fields::{Draft, Field, ItemField};

/// Labels the reader looks for (NFKC, spaces removed). A longer label wins over a shorter
/// one it contains (`价税合计(大写)` over `合计`).
const LABELS: &[&str] = &[
    "发票代码",
    "发票号码",
    "开票日期",
    "校验码",
    "机器编号",
    "票据代码",
    "票据号码",
    "名称",
    "纳税人识别号",
    "统一社会信用代码/纳税人识别号",
    "统一社会信用代码",
    "地址、电话",
    "地址电话",
    "开户行及账号",
    "交款人统一社会信用代码",
    "交款人",
    // Labels that name their block themselves (blockchain and some provincial layouts).
    "购买方名称",
    "销售方名称",
    "购方名称",
    "销方名称",
    "购买方纳税人识别号",
    "销售方纳税人识别号",
    "购买方统一社会信用代码/纳税人识别号",
    "销售方统一社会信用代码/纳税人识别号",
    "购方税号",
    "销方税号",
    "合计金额",
    "合计税额",
    "价税合计(小写)",
    "收款人",
    "复核人",
    "复核",
    "开票人",
    "价税合计(大写)",
    "价税合计",
    "(小写)",
    "金额合计(大写)",
    "合计",
    "小计",
    "总计",
    "密码区",
    "备注",
    "下载次数",
    "收款单位(章)",
    "销售方:(章)",
    "销售方(章)",
    // Item-table headings that end in 名称, so that they are not read as the party label.
    "项目名称",
    "货物或应税劳务、服务名称",
    "货物或应税劳务名称",
    "货物(劳务)名称",
];

/// What a value must look like for its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Digits,
    Date,
    CheckCode,
    TaxId,
    Name,
    Text,
    Money,
}

impl Shape {
    /// The value tidied for its field, or `None` when it does not fit. Text whose font
    /// cannot vouch for it is never taken as a name or an address, and as a tax ID only
    /// when the ID's own check character proves it; digits are always what they look like.
    fn accept(self, value: &Value) -> Option<String> {
        let text = value.text.as_str();
        match self {
            Shape::Digits => digits(text),
            Shape::Date => Some(squeeze(text)).filter(|s| !s.is_empty()),
            Shape::CheckCode => alphanumeric(text),
            Shape::TaxId => {
                tax_id(text).filter(|id| !value.suspect || crate::domain::tax_id::check(id).is_ok())
            }
            Shape::Name => name(text.trim_end_matches([';', '；'])).filter(|_| !value.suspect),
            Shape::Text => plain(text).filter(|_| !value.suspect),
            Shape::Money => Some(money_text(text)).filter(|_| is_number(text)),
        }
    }
}

/// Occurrences of one label read per page.
const MAX_OCCURRENCES: usize = 16;

/// Which block of the form a label belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Buyer,
    Seller,
}

/// A value found for a label.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    /// Some of its glyphs are text the font cannot vouch for.
    suspect: bool,
}

/// Reads every field the page's layout gives into the draft; provenance names `source`
/// (`pdf-text`, `ofd-text`) and the label the value was found by.
pub(crate) fn read_page(page: &Page, draft: &mut Draft, source: &'static str) {
    let mut glyphs = page_glyphs(page);
    let captions = take_captions(&mut glyphs);
    let glyph_count = glyphs.len();
    let lines = lines(glyphs, LABELS, &page.rules);
    if std::env::var_os("FAPIAO_LAYOUT_DEBUG").is_some() {
        for c in &captions {
            eprintln!("CAPTION {} {:?}", c.text, c.rect);
        }
        for r in &page.rules {
            eprintln!("RULE {:.1} {:.1} {:.1} {:.1}", r.x0, r.y0, r.x1, r.y1);
        }
        for l in &lines {
            let t: Vec<String> = l
                .tokens
                .iter()
                .map(|t| match t {
                    Token::Label { label, rect } => {
                        format!("[{label}@{:.0}-{:.0}]", rect.x0, rect.x1)
                    }
                    Token::Text(g) => {
                        format!("{}@{:.1}-{:.1}g{}", g.text, g.rect.x0, g.rect.x1, g.group)
                    }
                })
                .collect();
            eprintln!("LINE cy={:.1} size={:.1}: {}", l.cy, l.size, t.join(" "));
        }
    }
    let reader = Reader {
        source,
        untrusted: std::cell::Cell::new(false),
        lines: &lines,
        rules: &page.rules,
        captions: &captions,
    };
    if !reader.is_readable(glyph_count) {
        draft.extra(
            format!("local:{}", source.replace('-', "_")),
            "not read: the text layer has no invoice labels (its fonts do not map to Unicode)",
        );
        return;
    }
    reader.header_fields(draft);
    reader.parties(draft);
    reader.people(draft);
    let table = find_table(&lines, &page.rules);
    reader.totals(draft, table.as_ref());
    if let Some(table) = &table {
        reader.items(draft, table);
    }
    reader.title(draft);
    if reader.untrusted.get() {
        draft.extra(
            format!("local:{}", source.replace('-', "_")),
            "names not read: their text is in a font whose characters cannot be trusted",
        );
    }
}

struct Reader<'p> {
    source: &'static str,
    /// Set when a value was refused because its font cannot vouch for it.
    untrusted: std::cell::Cell<bool>,
    lines: &'p [Line],
    rules: &'p [Rect],
    captions: &'p [Caption],
}

impl Reader<'_> {
    /// Provenance of a value found by `label`.
    fn source(&self, label: &str) -> String {
        format!("{}:{label}", self.source)
    }

    /// A text layer is read only when it spells the labels every invoice prints: text in
    /// fonts whose codes map to the wrong characters (re-printed files, subset fonts without
    /// a usable map) has glyphs but no labels, and reading it would turn garbage into names.
    /// A page with almost no text has nothing to misread.
    fn is_readable(&self, glyph_count: usize) -> bool {
        let labels = self
            .lines
            .iter()
            .flat_map(|l| &l.tokens)
            .filter(|t| t.label().is_some())
            .count();
        labels > 0 || glyph_count < 20
    }

    /// The occurrences of `label`, top to bottom: (line index, token index). A page
    /// prints a label a few times at most; more are not looked at, which bounds the work
    /// a hostile page can cause.
    fn find(&self, label: &str) -> Vec<(usize, usize)> {
        self.lines
            .iter()
            .enumerate()
            .flat_map(|(li, line)| {
                line.tokens
                    .iter()
                    .enumerate()
                    .filter(move |(_, t)| t.label() == Some(label))
                    .map(move |(ti, _)| (li, ti))
            })
            .take(MAX_OCCURRENCES)
            .collect()
    }

    /// The value written after the label at (`li`, `ti`): the text that follows in the same
    /// cell, up to the next label, a rule or a wide gap; when nothing follows, the text
    /// right below the label.
    fn value(&self, li: usize, ti: usize) -> Option<Value> {
        let line = &self.lines[li];
        let label_rect = line.tokens[ti].rect();
        self.value_right(li, ti, label_rect)
            .or_else(|| self.value_below(li, label_rect))
    }

    fn value_right(&self, li: usize, ti: usize, label_rect: Rect) -> Option<Value> {
        let line = &self.lines[li];
        let em = line.size.max(1.0);
        let mut previous = label_rect;
        let mut text = String::new();
        let mut rect: Option<Rect> = None;
        let mut last_group = None;
        let mut last_gap = f64::INFINITY;
        let mut suspect = false;
        let mut crossed = false;
        for token in self.band_after(li, ti) {
            let Token::Text(glyph) = token else { break };
            let gap = glyph.rect.x0 - previous.x1;
            // What the producer drew in one string stays together, whatever its spacing.
            let same_string = rect.is_some() && last_group == Some(glyph.group);
            let limit = if rect.is_none() { 8.0 * em } else { 2.0 * em };
            if gap > limit && !same_string {
                break;
            }
            if rule_between(previous, glyph.rect, self.rules) {
                // A label in a cell of its own has its value in the next cell: a rule
                // right after the label (or its colon) is crossed once, before any value.
                let own_cell = rect.is_none() && !crossed && self.rule_near(previous, em);
                if !own_cell {
                    break;
                }
                crossed = true;
            }
            if rect.is_none() && is_colon(&glyph.key) {
                previous = glyph.rect;
                continue;
            }
            // A space where the gap stands out from the value's own letter-spacing.
            if rect.is_some() && gap > 0.6 * em && gap > 1.5 * last_gap {
                text.push(' ');
            }
            if rect.is_some() {
                last_gap = gap;
            }
            text.push_str(&glyph.text);
            suspect |= glyph.suspect;
            rect = Some(rect.map_or(glyph.rect, |r| r.union(glyph.rect)));
            previous = glyph.rect;
            last_group = Some(glyph.group);
        }
        rect.map(|_| Value { text, suspect })
    }

    /// True when a vertical rule stands within 1.5 em right of `rect`, across its line.
    fn rule_near(&self, rect: Rect, em: f64) -> bool {
        self.rules.iter().any(|r| {
            r.height() > r.width()
                && r.y0 <= rect.cy()
                && r.y1 >= rect.cy()
                && r.cx() >= rect.x1 - 0.5
                && r.cx() <= rect.x1 + 1.5 * em
        })
    }

    /// The tokens right of token `ti` on line `li`, with the glyphs of neighbouring lines
    /// less than ⅔ em away merged in by position: producers print a value in a larger size,
    /// or a little off the label's baseline.
    fn band_after(&self, li: usize, ti: usize) -> Vec<&Token> {
        let line = &self.lines[li];
        let start = line.tokens[ti].rect().x1;
        let mut tokens: Vec<&Token> = line.tokens[ti + 1..].iter().collect();
        for (_, other) in self.band(li).filter(|(i, _)| *i != li) {
            tokens.extend(other.tokens.iter().filter(|t| t.rect().x0 >= start));
        }
        tokens.sort_by(|a, b| a.rect().x0.total_cmp(&b.rect().x0));
        tokens
    }

    /// The glyphs of line `li` and of the lines less than ⅔ em from it.
    fn band_glyphs(&self, li: usize) -> Vec<super::glyphs::Glyph> {
        let mut glyphs: Vec<_> = self
            .band(li)
            .flat_map(|(_, l)| l.glyphs.iter().cloned())
            .collect();
        glyphs.sort_by(|a, b| a.rect.x0.total_cmp(&b.rect.x0));
        glyphs
    }

    /// Line `li` and the lines whose centre is less than ⅔ em from its own: one band of
    /// text, whatever the sizes and small baseline shifts of what it holds.
    fn band(&self, li: usize) -> impl Iterator<Item = (usize, &Line)> {
        let line = &self.lines[li];
        self.lines.iter().enumerate().filter(move |(_, other)| {
            (other.cy - line.cy).abs() < 0.67 * line.size.min(other.size).max(1.0)
        })
    }

    /// The first cell on the next lines (within two line heights) that starts under the
    /// label, is not a label itself and is not cut off from it by a rule.
    fn value_below(&self, li: usize, label: Rect) -> Option<Value> {
        let line = &self.lines[li];
        let reach = line.cy + 2.5 * line.size.max(1.0);
        for below in self.lines[li + 1..].iter().take_while(|l| l.cy <= reach) {
            let glyphs: Vec<_> = below
                .glyphs
                .iter()
                .filter(|g| g.rect.x0 >= label.x0 - line.size && g.rect.x0 <= label.x1)
                .cloned()
                .collect();
            let Some(first) = glyphs.first() else {
                continue;
            };
            if below.tokens.iter().any(|t| {
                t.label().is_some()
                    && t.rect().x0 <= first.rect.x0 + 0.1
                    && t.rect().x1 >= first.rect.x0
            }) {
                return None;
            }
            if let Some(cell) = cells(&below.glyphs, self.rules)
                .into_iter()
                .find(|c| c.rect.x0 >= first.rect.x0 - 0.1)
            {
                return Some(Value {
                    text: cell.text,
                    suspect: cell.suspect,
                });
            }
        }
        None
    }

    /// The first value of the first label in `labels` that has one, accepted by `shape`.
    fn first_value(&self, labels: &[&str], shape: Shape) -> Option<(String, &'static str)> {
        labels.iter().find_map(|label| {
            self.find(label).into_iter().find_map(|(li, ti)| {
                let value = self.accepted(self.value(li, ti)?, shape)?;
                Some((value, self.lines[li].tokens[ti].label()?))
            })
        })
    }

    /// `shape`'s verdict on a value, remembering a refusal for want of trust.
    fn accepted(&self, value: Value, shape: Shape) -> Option<String> {
        let accepted = shape.accept(&value);
        if accepted.is_none() && value.suspect {
            self.untrusted.set(true);
        }
        accepted
    }

    fn header_fields(&self, draft: &mut Draft) {
        let simple: [(&[&str], Field, Shape); 5] = [
            (&["发票代码", "票据代码"], Field::Code, Shape::Digits),
            (&["发票号码", "票据号码"], Field::Number, Shape::Digits),
            (&["开票日期"], Field::Date, Shape::Date),
            (&["校验码"], Field::CheckCode, Shape::CheckCode),
            (&["机器编号"], Field::MachineCode, Shape::Digits),
        ];
        for (labels, field, shape) in simple {
            if let Some((value, label)) = self.first_value(labels, shape) {
                draft.set(field, &value, self.source(label));
            }
        }
    }

    /// Buyer and seller: name, tax ID, address and phone, bank and account.
    fn parties(&self, draft: &mut Draft) {
        use Field::*;
        let fields: [(&[&str], Field, Field, Shape); 4] = [
            (&["名称"], BuyerName, SellerName, Shape::Name),
            (
                &[
                    "统一社会信用代码/纳税人识别号",
                    "纳税人识别号",
                    "统一社会信用代码",
                ],
                BuyerTaxId,
                SellerTaxId,
                Shape::TaxId,
            ),
            (
                &["地址、电话", "地址电话"],
                BuyerAddressPhone,
                SellerAddressPhone,
                Shape::Text,
            ),
            (
                &["开户行及账号"],
                BuyerBankAccount,
                SellerBankAccount,
                Shape::Text,
            ),
        ];
        for (labels, buyer, seller, shape) in fields {
            let mut order = 0;
            for label in labels {
                for (li, ti) in self.find(label) {
                    let rect = self.lines[li].tokens[ti].rect();
                    let side = self.side_of(rect).unwrap_or(if order == 0 {
                        Side::Buyer
                    } else {
                        Side::Seller
                    });
                    order += 1;
                    let field = if side == Side::Buyer { buyer } else { seller };
                    if let Some(value) = self.value(li, ti).and_then(|v| self.accepted(v, shape)) {
                        draft.set(field, &value, self.source(label));
                    }
                }
            }
        }
        // Labels that say whose value they hold; fiscal bills (财政电子票据) name the payer
        // 交款人.
        let named: [(&[&str], Field, Shape); 4] = [
            (
                &["购买方名称", "购方名称", "交款人"],
                BuyerName,
                Shape::Name,
            ),
            (&["销售方名称", "销方名称"], SellerName, Shape::Name),
            (
                &[
                    "购买方统一社会信用代码/纳税人识别号",
                    "购买方纳税人识别号",
                    "购方税号",
                    "交款人统一社会信用代码",
                ],
                BuyerTaxId,
                Shape::TaxId,
            ),
            (
                &[
                    "销售方统一社会信用代码/纳税人识别号",
                    "销售方纳税人识别号",
                    "销方税号",
                ],
                SellerTaxId,
                Shape::TaxId,
            ),
        ];
        for (labels, field, shape) in named {
            if let Some((value, label)) = self.first_value(labels, shape) {
                draft.set(field, &value, self.source(label));
            }
        }
    }

    /// The block a label sits in: the nearest 购买方/销售方 caption to its left whose
    /// column spans the label's line.
    fn side_of(&self, label: Rect) -> Option<Side> {
        self.captions
            .iter()
            .filter(|c| c.rect.x1 <= label.x0 + 1.0)
            .filter(|c| {
                let margin = c.rect.width().max(label.height());
                c.rect.y0 - margin <= label.cy() && c.rect.y1 + margin >= label.cy()
            })
            .filter_map(|c| {
                let side = if c.text.starts_with("购买方") {
                    Side::Buyer
                } else if c.text.starts_with("销售方") {
                    Side::Seller
                } else {
                    return None;
                };
                Some((c.rect.x1, side))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, side)| side)
    }

    fn people(&self, draft: &mut Draft) {
        for (labels, field) in [
            (&["收款人"][..], Field::Payee),
            (&["复核人", "复核"][..], Field::Reviewer),
            (&["开票人"][..], Field::Issuer),
        ] {
            if let Some((value, label)) = self.first_value(labels, Shape::Name) {
                draft.set(field, &value, self.source(label));
            }
        }
    }

    /// 价税合计 (words and figures), and the 合计 row's amount and tax.
    fn totals(&self, draft: &mut Draft, table: Option<&Table>) {
        for label in ["价税合计(大写)", "金额合计(大写)", "价税合计"] {
            for (li, ti) in self.find(label) {
                let line = &self.lines[li];
                let band = self.band_after(li, ti);
                let words: String = band
                    .iter()
                    .filter_map(|t| match t {
                        Token::Text(g) => Some(g.text.as_str()),
                        Token::Label { .. } => None,
                    })
                    .collect::<String>()
                    .chars()
                    .skip_while(|c| !amount_words::is_word_character(*c))
                    .take_while(|c| amount_words::is_word_character(*c))
                    .collect();
                draft.set(Field::TotalInWords, &words, self.source(label));
                if let Some(small) = line.tokens[ti..]
                    .iter()
                    .position(|t| t.label() == Some("(小写)"))
                    && let Some(value) = self.value(li, ti + small)
                    && is_number(&value.text)
                {
                    draft.set(
                        Field::Total,
                        &money_text(&value.text),
                        self.source("(小写)"),
                    );
                }
            }
        }
        let direct = [
            ("合计金额", Field::Amount),
            ("合计税额", Field::Tax),
            ("价税合计(小写)", Field::Total),
        ];
        for (label, field) in direct {
            if let Some((value, label)) = self.first_value(&[label], Shape::Money) {
                draft.set(field, &value, self.source(label));
            }
        }
        for (li, ti) in self.find("合计") {
            let right = self.lines[li].tokens[ti].rect().x1;
            let numbers: Vec<_> = cells(&self.band_glyphs(li), self.rules)
                .into_iter()
                .filter(|c| c.rect.x0 >= right && is_number(&c.text))
                .collect();
            let by_column = |field: ItemField| {
                table.and_then(|t| numbers.iter().find(|c| t.field_at(c.rect) == Some(field)))
            };
            let amount = by_column(ItemField::Amount).or(numbers.first());
            let tax = by_column(ItemField::Tax).or(numbers.get(1));
            if let Some(amount) = amount {
                draft.set(
                    Field::Amount,
                    &money_text(&amount.text),
                    self.source("合计"),
                );
            }
            if let Some(tax) = tax.filter(|t| amount.is_none_or(|a| a.rect != t.rect)) {
                draft.set(Field::Tax, &money_text(&tax.text), self.source("合计"));
            }
        }
    }

    fn items(&self, draft: &mut Draft, table: &Table) {
        let stop = |line: &Line| {
            line.tokens.iter().any(|t| {
                matches!(
                    t.label(),
                    Some("合计" | "总计" | "价税合计" | "价税合计(大写)" | "金额合计(大写)")
                )
            })
        };
        let rows = table.rows(self.lines, self.rules, stop);
        if std::env::var_os("FAPIAO_LAYOUT_DEBUG").is_some() {
            eprintln!("TABLE {:?}\nROWS {:?}", table, rows);
        }
        let mut index = 0;
        for row in rows {
            // 小计 rows repeat the sums of the rows above.
            if row
                .cells
                .iter()
                .any(|(f, t)| *f == ItemField::Name && t.contains("小计"))
            {
                continue;
            }
            for (field, text) in &row.cells {
                let text = match field {
                    ItemField::Amount
                    | ItemField::Tax
                    | ItemField::UnitPrice
                    | ItemField::Quantity => money_text(text),
                    _ => text.clone(),
                };
                draft.set_item(index, *field, &text, self.source(header_name(*field)));
            }
            index += 1;
        }
    }

    /// The title: the line in the largest type that names a 发票 or 票据.
    fn title(&self, draft: &mut Draft) {
        let title = self
            .lines
            .iter()
            .filter(|l| {
                let text = line_text(l);
                (text.contains("发票") || text.contains("票据"))
                    && text.chars().count() <= 40
                    && !l.glyphs.iter().any(|g| g.suspect)
            })
            .max_by(|a, b| a.size.total_cmp(&b.size));
        if let Some(line) = title {
            let text = cells(&line.glyphs, self.rules)
                .into_iter()
                .map(|c| c.text)
                .find(|t| t.contains("发票") || t.contains("票据"))
                .unwrap_or_else(|| line_text(line));
            draft.set(Field::Title, &squeeze(&text), self.source("title"));
        }
    }
}

fn line_text(line: &Line) -> String {
    line.glyphs.iter().map(|g| g.text.as_str()).collect()
}

fn header_name(field: ItemField) -> &'static str {
    match field {
        ItemField::Name => "项目名称",
        ItemField::Spec => "规格型号",
        ItemField::Unit => "单位",
        ItemField::Quantity => "数量",
        ItemField::UnitPrice => "单价",
        ItemField::Amount => "金额",
        ItemField::TaxRate => "税率",
        ItemField::Tax => "税额",
    }
}

fn is_colon(key: &str) -> bool {
    key == ":"
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Digits only, spaces dropped; `None` when anything else is there.
/// A number printed `No.12345678`, `NO:12345678` or `№12345678` counts without its prefix.
fn digits(s: &str) -> Option<String> {
    let s = squeeze(s);
    let bare = ["No.", "NO.", "No:", "NO:", "No", "NO", "№"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(&s);
    (!bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit())).then(|| bare.to_owned())
}

/// Letters and digits, spaces dropped (check codes: 20 digits, or letters on fiscal bills).
fn alphanumeric(s: &str) -> Option<String> {
    let s = squeeze(s);
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())).then_some(s)
}

/// A 纳税人识别号 / 统一社会信用代码: 15 to 20 digits and capitals, nothing else.
fn tax_id(s: &str) -> Option<String> {
    let s = squeeze(s).to_ascii_uppercase();
    ((15..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())).then_some(s)
}

fn plain(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// A name: not empty, and not the cipher area's alphabet of digits and `+-*/<>`.
fn name(s: &str) -> Option<String> {
    let s = s.trim();
    let cipher = s
        .chars()
        .filter(|c| c.is_ascii_digit() || "+-*/<>".contains(*c))
        .count();
    (!s.is_empty() && cipher * 2 < s.chars().count()).then(|| s.to_owned())
}
