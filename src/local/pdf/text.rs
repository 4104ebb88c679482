//! Invoice fields from the positioned text lines of a page.

use super::super::fields::{Draft, Field, ItemField};

/// A piece of text drawn at one position.
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) size: f64,
    pub(super) text: String,
}

/// A line of text: runs sharing a baseline, left to right.
#[derive(Debug, Clone)]
pub(super) struct Line {
    y: f64,
    runs: Vec<Run>,
}

impl Line {
    /// The line's text with all whitespace removed (legacy layouts space out labels,
    /// `名    称`) and without the one-character runs of the vertical side captions
    /// (`购`/`买`/`方`, `销`/`售`/`方`, `信`/`息`), which would otherwise glue onto the
    /// value printed left of them.
    fn compact(&self) -> String {
        self.runs
            .iter()
            .filter(|run| !is_side_caption(run.text.trim()))
            .flat_map(|run| run.text.chars().filter(|c| !c.is_whitespace()))
            .collect()
    }
}

fn is_side_caption(text: &str) -> bool {
    let mut chars = text.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if "购买方销售信息".contains(c))
}

/// Groups runs into lines (top to bottom) by baseline proximity.
pub(super) fn lines_from_runs(mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Line> = Vec::new();
    for run in runs {
        let tolerance = (run.size * 0.4).max(1.0);
        match lines.last_mut() {
            Some(line) if (line.y - run.y).abs() <= tolerance => line.runs.push(run),
            _ => lines.push(Line {
                y: run.y,
                runs: vec![run],
            }),
        }
    }
    for line in &mut lines {
        line.runs.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    lines
}

/// Labels that end the value of the label before them on the same line.
const LABELS: &[&str] = &[
    "发票代码",
    "发票号码",
    "开票日期",
    "校验码",
    "机器编号",
    "名称",
    "纳税人识别号",
    "统一社会信用代码",
    "地址、电话",
    "地址电话",
    "开户行及账号",
    "收款人",
    "复核",
    "开票人",
    "密码区",
    "购买方",
    "销售方",
    "备注",
];

/// Maps labelled values of the text lines onto the draft.
pub(super) fn apply_text(draft: &mut Draft, lines: &[Line]) {
    let compacted: Vec<String> = lines.iter().map(Line::compact).collect();
    let single = |label: &'static str, field: Field, draft: &mut Draft| {
        if let Some(value) = labelled_values(&compacted, label).into_iter().next() {
            draft.set(field, &value, format!("pdf-text:{label}"));
        }
    };
    single("发票代码", Field::Code, draft);
    single("发票号码", Field::Number, draft);
    single("开票日期", Field::Date, draft);
    single("机器编号", Field::MachineCode, draft);
    single("收款人", Field::Payee, draft);
    single("复核", Field::Reviewer, draft);
    single("开票人", Field::Issuer, draft);
    if let Some(check) = labelled_values(&compacted, "校验码").into_iter().next() {
        let digits: String = check
            .chars()
            .filter(char::is_ascii_digit)
            .take(20)
            .collect();
        draft.set(Field::CheckCode, &digits, "pdf-text:校验码".to_owned());
    }
    // Buyer comes first in reading order in both layouts (legacy: above; 数电: left).
    let pairs: [(&[&'static str], Field, Field); 4] = [
        (&["名称"], Field::BuyerName, Field::SellerName),
        // Also matches the 数电 label 统一社会信用代码/纳税人识别号.
        (&["纳税人识别号"], Field::BuyerTaxId, Field::SellerTaxId),
        (
            &["地址、电话", "地址电话"],
            Field::BuyerAddressPhone,
            Field::SellerAddressPhone,
        ),
        (
            &["开户行及账号"],
            Field::BuyerBankAccount,
            Field::SellerBankAccount,
        ),
    ];
    for (labels, buyer, seller) in pairs {
        let Some((label, values)) = labels
            .iter()
            .map(|l| (*l, labelled_values(&compacted, l)))
            .find(|(_, v)| !v.is_empty())
        else {
            continue;
        };
        let mut values = values.into_iter();
        let source = format!("pdf-text:{label}");
        if let Some(v) = values.next() {
            draft.set(buyer, &tax_id_or_text(buyer, &v), source.clone());
        }
        if let Some(v) = values.next() {
            draft.set(seller, &tax_id_or_text(seller, &v), source);
        }
    }
    apply_totals(draft, &compacted);
    apply_title(draft, lines);
    apply_items(draft, lines);
}

/// Tax IDs end where the first non-ID character begins (the next column's text).
fn tax_id_or_text(field: Field, value: &str) -> String {
    if matches!(field, Field::BuyerTaxId | Field::SellerTaxId) {
        value
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect()
    } else {
        value.to_owned()
    }
}

/// Every value written after `label:` (colon required), up to the next known label.
fn labelled_values(lines: &[String], label: &str) -> Vec<String> {
    let mut values = Vec::new();
    for line in lines {
        let mut rest = line.as_str();
        while let Some(at) = rest.find(label) {
            let after = rest.get(at + label.len()..).unwrap_or_default();
            rest = after;
            let Some(value) = after.strip_prefix([':', '：']) else {
                continue;
            };
            let end = LABELS
                .iter()
                .filter_map(|l| value.find(l))
                .min()
                .unwrap_or(value.len());
            let value = value.get(..end).unwrap_or(value);
            values.push(value.trim_end_matches(['/', ';', '；']).to_owned());
        }
    }
    values
}

/// 合计 (amount, tax) and 价税合计 (words and figures).
fn apply_totals(draft: &mut Draft, lines: &[String]) {
    for line in lines {
        if let Some(rest) = line.split_once("价税合计").map(|(_, r)| r) {
            let words: String = rest
                .chars()
                .skip_while(|c| !is_capital_numeral(*c))
                .take_while(|c| is_capital_numeral(*c))
                .collect();
            draft.set(
                Field::TotalInWords,
                &words,
                "pdf-text:价税合计(大写)".to_owned(),
            );
            let figures = rest.split_once("小写").map_or(rest, |(_, r)| r);
            if let Some(total) = money_values(figures).first() {
                draft.set(Field::Total, total, "pdf-text:价税合计(小写)".to_owned());
            }
        } else if line.starts_with("合计") {
            let values = money_values(line);
            if let [amount, tax, ..] = values.as_slice() {
                draft.set(Field::Amount, amount, "pdf-text:合计".to_owned());
                draft.set(Field::Tax, tax, "pdf-text:合计".to_owned());
            }
        }
    }
}

fn is_capital_numeral(c: char) -> bool {
    "零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整负".contains(c)
}

/// Amounts written with a currency sign (`¥526.00`, `￥-3.00`).
fn money_values(text: &str) -> Vec<String> {
    text.split(['¥', '￥'])
        .skip(1)
        .filter_map(|part| {
            let number: String = part
                .chars()
                .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ','))
                .collect();
            (!number.is_empty()).then_some(number)
        })
        .collect()
}

/// The title: the largest run that names a 发票.
fn apply_title(draft: &mut Draft, lines: &[Line]) {
    let title = lines
        .iter()
        .flat_map(|l| &l.runs)
        .filter(|r| r.text.contains("发票") && r.text.chars().count() <= 40)
        .max_by(|a, b| a.size.total_cmp(&b.size));
    if let Some(run) = title {
        let text: String = run.text.chars().filter(|c| !c.is_whitespace()).collect();
        draft.set(Field::Title, &text, "pdf-text:title".to_owned());
    }
}

/// Item columns by header text, in the order they appear left to right.
const ITEM_HEADERS: &[(&str, ItemField)] = &[
    ("名称", ItemField::Name),
    ("规格型号", ItemField::Spec),
    ("单位", ItemField::Unit),
    ("数量", ItemField::Quantity),
    ("单价", ItemField::UnitPrice),
    ("金额", ItemField::Amount),
    ("税率", ItemField::TaxRate),
    ("征收率", ItemField::TaxRate),
    ("税额", ItemField::Tax),
];

/// Line items: rows between the header line (with 金额 and 税率/税额) and the 合计 line,
/// each run assigned to the header column whose start is nearest at or left of it.
fn apply_items(draft: &mut Draft, lines: &[Line]) {
    let compact: Vec<String> = lines.iter().map(Line::compact).collect();
    let Some(header_at) = compact
        .iter()
        .position(|t| t.contains("金额") && t.contains("税额") && !t.contains("合计"))
    else {
        return;
    };
    let Some(header) = lines.get(header_at) else {
        return;
    };
    let columns = header_columns(header);
    if columns.is_empty() {
        return;
    }
    let mut row = 0usize;
    for (line, text) in lines.iter().zip(&compact).skip(header_at + 1) {
        if text.starts_with("合计") || text.contains("价税合计") {
            break;
        }
        let cells = assign_cells(line, &columns);
        let starts_row = cells.iter().any(|(f, _)| *f == ItemField::Amount);
        let continues_name = !starts_row && cells.iter().all(|(f, _)| *f == ItemField::Name);
        let index = match (starts_row, continues_name) {
            (true, _) => row,
            (false, true) => match row.checked_sub(1) {
                Some(previous) => previous,
                None => continue,
            },
            (false, false) => continue,
        };
        for (field, value) in cells {
            let source = format!("pdf-text:{}", header_label(field));
            if continues_name {
                append_item_name(draft, index, &value, source);
            } else {
                draft.set_item(index, field, &value, source);
            }
        }
        if starts_row {
            row += 1;
        }
    }
}

/// Column starts (x) of the header runs that name an item field.
fn header_columns(header: &Line) -> Vec<(f64, ItemField)> {
    let mut columns = Vec::new();
    for run in &header.runs {
        let label: String = run.text.chars().filter(|c| !c.is_whitespace()).collect();
        for (name, field) in ITEM_HEADERS {
            if label.ends_with(name) || label == *name {
                columns.push((run.x, *field));
                break;
            }
        }
    }
    columns.sort_by(|a, b| a.0.total_cmp(&b.0));
    columns
}

/// Each run of a row goes to the column starting nearest at or left of it (numbers are
/// right-aligned inside their column, so they start right of the header).
fn assign_cells(line: &Line, columns: &[(f64, ItemField)]) -> Vec<(ItemField, String)> {
    let mut cells: Vec<(ItemField, String)> = Vec::new();
    for run in &line.runs {
        let column = columns
            .iter()
            .rev()
            .find(|(x, _)| *x <= run.x + 1.0)
            .or(columns.first());
        let Some((_, field)) = column else {
            continue;
        };
        let text = run.text.trim();
        match cells.iter_mut().find(|(f, _)| f == field) {
            Some((_, existing)) => existing.push_str(text),
            None => cells.push((*field, text.to_owned())),
        }
    }
    cells
}

fn header_label(field: ItemField) -> &'static str {
    ITEM_HEADERS
        .iter()
        .find(|(_, f)| *f == field)
        .map_or("item", |(name, _)| name)
}

/// Wrapped item names continue on the next line.
fn append_item_name(draft: &mut Draft, index: usize, more: &str, source: String) {
    let Some(item) = draft.invoice.items.get_mut(index) else {
        return;
    };
    match &mut item.name {
        Some(name) => name.push_str(more.trim()),
        None => draft.set_item(index, ItemField::Name, more, source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: f64, y: f64, text: &str) -> Run {
        Run {
            x,
            y,
            size: 9.0,
            text: text.to_owned(),
        }
    }

    #[test]
    fn runs_group_into_lines_top_down_left_to_right() {
        let lines = lines_from_runs(vec![
            run(300.0, 500.0, "b"),
            run(10.0, 501.5, "a"),
            run(10.0, 480.0, "c"),
        ]);
        let texts: Vec<String> = lines.iter().map(Line::compact).collect();
        assert_eq!(texts, ["ab", "c"]);
        // A vertical side caption between two columns does not glue onto the value.
        let captioned = lines_from_runs(vec![
            run(10.0, 400.0, "名称:甲公司"),
            run(200.0, 400.0, "销"),
            run(220.0, 400.0, "名称:乙公司"),
        ]);
        assert_eq!(captioned[0].compact(), "名称:甲公司名称:乙公司");
    }

    #[test]
    fn labelled_values_need_a_colon_and_stop_at_the_next_label() {
        let lines = [
            "货物或应税劳务、服务名称规格型号".to_owned(),
            "名称:甲公司名称：乙公司".to_owned(),
            "收款人:张三复核:李四".to_owned(),
        ];
        assert_eq!(labelled_values(&lines, "名称"), ["甲公司", "乙公司"]);
        assert_eq!(labelled_values(&lines, "收款人"), ["张三"]);
        assert_eq!(labelled_values(&lines, "复核"), ["李四"]);
    }

    #[test]
    fn money_values_follow_currency_signs() {
        assert_eq!(money_values("合计¥200.00¥26.00"), ["200.00", "26.00"]);
        assert_eq!(money_values("（小写）￥-3.50"), ["-3.50"]);
        assert!(money_values("合计").is_empty());
    }
}
