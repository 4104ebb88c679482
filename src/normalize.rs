//! The closed library of value normalizers that spec mappings chain onto vendor fields.
//!
//! Each normalizer takes one already-trimmed, non-empty vendor string (the mapping layer
//! treats empty strings as "not provided" before calling here) and returns a typed value
//! or a [`NormalizeError`] naming the input and what was expected. None of them guesses:
//! `¥8x.2` is an error, never a silent zero. Full-width forms (`８７．２８`, `１３％`, `１８：５１`)
//! are read like their ASCII counterparts.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use crate::domain::{amount_words as words, parse_yyyymmdd};
use crate::invoice::TaxRate;
use crate::lang::{Lang, Phrase, english_display, say};

/// What [`amount_words`] accepts.
const AMOUNT_IN_WORDS: Phrase = Phrase::new(
    "an amount in words such as \"捌拾玖圆玖角整\"",
    "大写金额，如 捌拾玖圆玖角整",
);

/// A vendor value that a normalizer could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizeError {
    /// The value as the vendor sent it.
    pub input: String,
    /// What the normalizer accepts.
    pub expected: Phrase,
}

impl NormalizeError {
    fn new(input: &str, expected: Phrase) -> NormalizeError {
        NormalizeError {
            input: input.to_owned(),
            expected,
        }
    }

    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        say!(
            lang,
            "cannot read {:?}: expected {}",
            "无法读取 {:?}：应为{}",
            self.input,
            self.expected.get(lang)
        )
    }
}

english_display!(NormalizeError);

/// A money amount: `87.28`, `¥87.28`, `￥87.28`, `¥ 87.28`, `87.28元`, `1,234.50`, `-12.00`,
/// `¥-12.00`, full-width digits; `***` (printed as the tax of exempt lines) reads as zero.
///
/// ```
/// use fapiao::normalize::money;
/// use rust_decimal::Decimal;
///
/// assert_eq!(money("¥87.28"), Ok(Decimal::new(8728, 2)));
/// assert_eq!(money("1,234.50"), Ok(Decimal::new(123450, 2)));
/// assert!(money("¥8x.2").is_err());
/// ```
pub fn money(s: &str) -> Result<Decimal, NormalizeError> {
    const EXPECTED: Phrase = Phrase::new(
        "a money amount such as ¥87.28, 1,234.50 or ***",
        "金额，如 ¥87.28、1,234.50 或 ***",
    );
    let half = half_width(s);
    let text: Cow<'_, str> = if half.contains(char::is_whitespace) {
        Cow::Owned(half.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        half
    };
    if !text.is_empty() && text.chars().all(|c| c == '*') {
        return Ok(Decimal::ZERO);
    }
    let (negative, rest) = strip_sign(&text);
    let rest = rest.strip_prefix(['¥', '￥']).unwrap_or(rest);
    let (negative_after_symbol, rest) = strip_sign(rest);
    let rest = rest.strip_suffix('元').unwrap_or(rest);
    if negative && negative_after_symbol {
        return Err(NormalizeError::new(s, EXPECTED));
    }
    let value = number(rest, true).ok_or_else(|| NormalizeError::new(s, EXPECTED))?;
    Ok(if negative || negative_after_symbol {
        -value
    } else {
        value
    })
}

/// A tax rate: `13%`, `13％`, `1.5%`, `13`, `免税`, `不征税`.
///
/// `***` is rejected: on a printed invoice it does not say whether the line is exempt,
/// not taxable or zero-rated, so any choice would be a guess. Fractions such as `0.13` are
/// rejected too (see [`TaxRate`]'s parser).
///
/// ```
/// use fapiao::{normalize::rate, TaxRate};
/// use rust_decimal::Decimal;
///
/// assert_eq!(rate("13％"), Ok(TaxRate::Percent(Decimal::new(13, 0))));
/// assert_eq!(rate("免税"), Ok(TaxRate::Exempt));
/// assert!(rate("***").is_err());
/// ```
pub fn rate(s: &str) -> Result<TaxRate, NormalizeError> {
    const EXPECTED: Phrase = Phrase::new(
        "a tax rate such as 13%, \"免税\" or \"不征税\"",
        "税率，如 13%、免税或不征税",
    );
    let text = half_width(s);
    let digits = text.trim_end_matches('%');
    // The rate parser accepts any Decimal syntax; only plain `digits[.digits]` is a rate.
    if digits != "免税" && digits != "不征税" && number(digits, false).is_none() {
        return Err(NormalizeError::new(s, EXPECTED));
    }
    TaxRate::from_str(&text).map_err(|_| NormalizeError::new(s, EXPECTED))
}

/// A quantity or unit price, kept exact: `1`, `6.1`, `0.0183486238532`, `-2`, `1,000`.
///
/// Up to 28 significant digits are kept exactly (数电 prices carry up to 15); values that
/// would need rounding are rejected rather than rounded.
///
/// ```
/// use fapiao::normalize::quantity;
///
/// assert_eq!(quantity("8849.55752212389").unwrap().to_string(), "8849.55752212389");
/// ```
pub fn quantity(s: &str) -> Result<Decimal, NormalizeError> {
    const EXPECTED: Phrase = Phrase::new(
        "a decimal number such as 6.1 or 0.0183486238532",
        "十进制数，如 6.1 或 0.0183486238532",
    );
    let text = half_width(s);
    let (negative, rest) = strip_sign(&text);
    let value = number(rest, true).ok_or_else(|| NormalizeError::new(s, EXPECTED))?;
    Ok(if negative { -value } else { value })
}

/// A calendar date: `2019年06月16日`, `2019年6月6日`, `20090424`, `2019-06-16`, `2019/06/16`,
/// `2019.06.16` (one- or two-digit month and day).
///
/// ```
/// use fapiao::normalize::date;
/// use chrono::NaiveDate;
///
/// assert_eq!(date("2019年6月6日"), Ok(NaiveDate::from_ymd_opt(2019, 6, 6).unwrap()));
/// assert!(date("2019-02-30").is_err());
/// ```
pub fn date(s: &str) -> Result<NaiveDate, NormalizeError> {
    let text = half_width(s);
    parse_yyyymmdd(&text)
        .or_else(|| separated_date(&text))
        .ok_or_else(|| {
            NormalizeError::new(
                s,
                Phrase::new(
                    "a date such as \"2019年06月16日\", 20190616, 2019-06-16, 2019/06/16 or 2019.06.16",
                    "日期，如 2019年06月16日、20190616、2019-06-16、2019/06/16 或 2019.06.16",
                ),
            )
        })
}

/// A time of day: `06:14:03`, `18:51`, `18时51分`, `18时51分03秒`; a trailing `开` (train
/// tickets print `18:51开`, "departs at") is ignored.
///
/// ```
/// use fapiao::normalize::time;
/// use chrono::NaiveTime;
///
/// assert_eq!(time("18时51分"), Ok(NaiveTime::from_hms_opt(18, 51, 0).unwrap()));
/// ```
pub fn time(s: &str) -> Result<NaiveTime, NormalizeError> {
    let text = half_width(s);
    let text = text.strip_suffix('开').unwrap_or(&text);
    let parsed = if text.contains('时') {
        chinese_time(text)
    } else {
        colon_time(text)
    };
    parsed.ok_or_else(|| {
        NormalizeError::new(
            s,
            Phrase::new(
                "a time such as 18:51, 06:14:03 or \"18时51分\"",
                "时间，如 18:51、06:14:03 或 18时51分",
            ),
        )
    })
}

/// A yes/no flag: `1`/`0`, `是`/`否`, `有`/`无`, `true`/`false`.
///
/// ```
/// assert_eq!(fapiao::normalize::flag("有"), Ok(true));
/// ```
pub fn flag(s: &str) -> Result<bool, NormalizeError> {
    match half_width(s).as_ref() {
        "1" | "是" | "有" | "true" => Ok(true),
        "0" | "否" | "无" | "false" => Ok(false),
        _ => Err(NormalizeError::new(
            s,
            Phrase::new(
                "1/0, \"是\"/\"否\", \"有\"/\"无\" or true/false",
                "1/0、是/否、有/无 或 true/false",
            ),
        )),
    }
}

/// A 大写 amount such as `捌拾玖圆玖角整`; see [`crate::domain::amount_words::parse`].
///
/// ```
/// use rust_decimal::Decimal;
///
/// assert_eq!(fapiao::normalize::amount_words("⊗捌拾玖圆玖角整"), Ok(Decimal::new(8990, 2)));
/// ```
pub fn amount_words(s: &str) -> Result<Decimal, NormalizeError> {
    words::parse(s).map_err(|_| NormalizeError::new(s, AMOUNT_IN_WORDS))
}

/// Only the digits of a value, e.g. `No63591128` → `63591128` (full-width digits become
/// ASCII). Fails when there are none.
///
/// ```
/// assert_eq!(fapiao::normalize::digits("No63591128").as_deref(), Ok("63591128"));
/// ```
pub fn digits(s: &str) -> Result<String, NormalizeError> {
    let kept: String = half_width(s).chars().filter(char::is_ascii_digit).collect();
    non_empty(
        kept,
        s,
        Phrase::new("a value containing digits", "含数字的值"),
    )
}

/// The value without `prefix` (when present), trimmed: `strip_prefix("No63591128", "No")` →
/// `63591128`. Fails when nothing is left.
///
/// ```
/// use fapiao::normalize::strip_prefix;
///
/// assert_eq!(strip_prefix("No 63591128", "No").as_deref(), Ok("63591128"));
/// assert_eq!(strip_prefix("63591128", "No").as_deref(), Ok("63591128"));
/// ```
pub fn strip_prefix(s: &str, prefix: &str) -> Result<String, NormalizeError> {
    let rest = s.strip_prefix(prefix).unwrap_or(s);
    non_empty(
        trim_text(rest).to_owned(),
        s,
        Phrase::new("text after the prefix", "前缀之后的文字"),
    )
}

/// The value without `suffix` (when present), trimmed: `strip_suffix("3次", "次")` → `3`.
/// Fails when nothing is left.
///
/// ```
/// assert_eq!(fapiao::normalize::strip_suffix("87.28元", "元").as_deref(), Ok("87.28"));
/// ```
pub fn strip_suffix(s: &str, suffix: &str) -> Result<String, NormalizeError> {
    let rest = s.strip_suffix(suffix).unwrap_or(s);
    non_empty(
        trim_text(rest).to_owned(),
        s,
        Phrase::new("text before the suffix", "后缀之前的文字"),
    )
}

/// The value without surrounding whitespace (including the ideographic space `　`) and
/// byte-order marks. Fails when nothing is left.
///
/// ```
/// assert_eq!(fapiao::normalize::trim("\u{3000}张强 ").as_deref(), Ok("张强"));
/// ```
pub fn trim(s: &str) -> Result<String, NormalizeError> {
    non_empty(
        trim_text(s).to_owned(),
        s,
        Phrase::new("non-blank text", "非空文字"),
    )
}

fn trim_text(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

fn non_empty(value: String, input: &str, expected: Phrase) -> Result<String, NormalizeError> {
    if value.is_empty() {
        Err(NormalizeError::new(input, expected))
    } else {
        Ok(value)
    }
}

/// Maps the full-width forms of ASCII (U+FF01–U+FF5E) to ASCII and the ideographic space
/// to a space; OCR output mixes both widths.
/// `s` with full-width ASCII forms and the ideographic space made half-width; borrowed when
/// there are none (nearly always, so the common path allocates nothing).
fn half_width(s: &str) -> Cow<'_, str> {
    let full_width = |c: char| matches!(c, '\u{ff01}'..='\u{ff5e}' | '\u{3000}');
    if !s.chars().any(full_width) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
                '\u{3000}' => ' ',
                other => other,
            })
            .collect(),
    )
}

fn strip_sign(s: &str) -> (bool, &str) {
    match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    }
}

/// An unsigned `digits[.digits]`, with `,` thousands separators when `grouping` is set
/// (then every group after the first has exactly three digits). Exact: values that
/// `Decimal` would have to round are refused.
fn number(s: &str, grouping: bool) -> Option<Decimal> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    if grouping && int.contains(',') {
        let mut text = ungrouped(int)?;
        if let Some(f) = frac {
            text.push('.');
            text.push_str(f);
        }
        return Decimal::from_str_exact(&text).ok();
    }
    if !all_digits(int) {
        return None;
    }
    // `s` is `digits[.digits]` already: parsed as it stands, without a copy.
    Decimal::from_str_exact(s).ok()
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `1,234,567` → `1234567`: a first group of one to three digits, then groups of three.
fn ungrouped(int: &str) -> Option<String> {
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    if !all_digits(first) || first.len() > 3 {
        return None;
    }
    let mut joined = first.to_owned();
    for group in groups {
        if group.len() != 3 || !all_digits(group) {
            return None;
        }
        joined.push_str(group);
    }
    Some(joined)
}

/// `YYYY年M月D日` (final 日 optional) or `YYYY<sep>M<sep>D` with one of `-`, `/`, `.`.
fn separated_date(s: &str) -> Option<NaiveDate> {
    let (year, month, day) = if let Some((year, rest)) = s.split_once('年') {
        let (month, day) = rest.split_once('月')?;
        (year, month, day.strip_suffix('日').unwrap_or(day))
    } else {
        let sep = s.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
        let mut parts = s.split(sep);
        let parts = (parts.next()?, parts.next()?, parts.next()?, parts.next());
        match parts {
            (year, month, day, None) => (year, month, day),
            _ => return None,
        }
    };
    let year = digits_of_len(year, 4, 4)?;
    let month = digits_of_len(month, 1, 2)?;
    let day = digits_of_len(day, 1, 2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `H:MM` or `H:MM:SS` (hour with one or two digits).
fn colon_time(s: &str) -> Option<NaiveTime> {
    let mut parts = s.split(':');
    let hour = digits_of_len(parts.next()?, 1, 2)?;
    let minute = digits_of_len(parts.next()?, 2, 2)?;
    let second = parts.next().map_or(Some(0), |p| digits_of_len(p, 2, 2))?;
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// `H时M分` with optional `S秒`.
fn chinese_time(s: &str) -> Option<NaiveTime> {
    let (hour, rest) = s.split_once('时')?;
    let (minute, rest) = rest.split_once('分')?;
    let second = match rest {
        "" => 0,
        r => digits_of_len(r.strip_suffix('秒')?, 1, 2)?,
    };
    NaiveTime::from_hms_opt(
        digits_of_len(hour, 1, 2)?,
        digits_of_len(minute, 1, 2)?,
        second,
    )
}

/// The value of an all-ASCII-digit string whose length is within `min..=max`.
fn digits_of_len(s: &str, min: usize, max: usize) -> Option<u32> {
    if (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    #[test]
    fn money_reads_printed_forms() {
        let cases = [
            ("87.28", "87.28"),
            ("¥87.28", "87.28"),
            ("￥87.28", "87.28"),
            ("¥ 87.28", "87.28"),
            ("87.28元", "87.28"),
            ("1,234.50", "1234.50"),
            ("１２３４．５０", "1234.50"),
            ("-12.00", "-12.00"),
            ("¥-12.00", "-12.00"),
            ("-¥12.00", "-12.00"),
            ("112", "112"),
            ("***", "0"),
            ("＊＊＊", "0"),
            ("12,345,678.9", "12345678.9"),
        ];
        for (input, expected) in cases {
            assert_eq!(money(input), Ok(dec(expected)), "{input}");
        }
        assert_eq!(money("87.28").unwrap().to_string(), "87.28");
    }

    #[test]
    fn money_rejects_anything_else() {
        for bad in [
            "", "¥", "元", "¥8x.2", "8.7.2", "87.", ".5", "1,23.50", "1234,567", "1,2345", "--1",
            "-¥-1", "1e3", "87.28$", "NaN", "**1", "¥¥1", "1_000",
        ] {
            let err = money(bad).unwrap_err();
            assert_eq!(err.input, bad);
        }
    }

    #[test]
    fn rate_reads_percentages_and_markers() {
        assert_eq!(rate("13%"), Ok(TaxRate::Percent(dec("13"))));
        assert_eq!(rate("13％"), Ok(TaxRate::Percent(dec("13"))));
        assert_eq!(rate("１３％"), Ok(TaxRate::Percent(dec("13"))));
        assert_eq!(rate("1.5%"), Ok(TaxRate::Percent(dec("1.5"))));
        assert_eq!(rate("0%"), Ok(TaxRate::Percent(dec("0"))));
        assert_eq!(rate("6"), Ok(TaxRate::Percent(dec("6"))));
        assert_eq!(rate("免税"), Ok(TaxRate::Exempt));
        assert_eq!(rate("不征税"), Ok(TaxRate::NotTaxable));
        for bad in [
            "***", "13x", "-3%", "101%", "0.13.1", "1e1%", "%", "免税%x", "十三%",
        ] {
            assert!(rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quantity_is_exact() {
        assert_eq!(quantity("1"), Ok(dec("1")));
        assert_eq!(quantity("6.1"), Ok(dec("6.1")));
        assert_eq!(
            quantity("0.0183486238532").unwrap().to_string(),
            "0.0183486238532"
        );
        assert_eq!(
            quantity("35.0409836065574").unwrap().to_string(),
            "35.0409836065574"
        );
        assert_eq!(quantity("-2"), Ok(dec("-2")));
        assert_eq!(quantity("1,000"), Ok(dec("1000")));
        for bad in [
            "",
            "1/2",
            "¥1",
            "1.2.3",
            "abc",
            "0.00000000000000000000000000001",
        ] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn date_reads_every_printed_form() {
        let cases = [
            ("2019年06月16日", ymd(2019, 6, 16)),
            ("2019年6月6日", ymd(2019, 6, 6)),
            ("2019年06月16", ymd(2019, 6, 16)),
            ("20090424", ymd(2009, 4, 24)),
            ("2019-06-16", ymd(2019, 6, 16)),
            ("2019/06/16", ymd(2019, 6, 16)),
            ("2019.06.16", ymd(2019, 6, 16)),
            ("2019-6-6", ymd(2019, 6, 6)),
            ("２０１９年０６月１６日", ymd(2019, 6, 16)),
        ];
        for (input, expected) in cases {
            assert_eq!(date(input), Ok(expected), "{input}");
        }
        for bad in [
            "",
            "2019年13月01日",
            "2019-02-30",
            "20190230",
            "2019-06/16",
            "2019-06-16-01",
            "19-06-16",
            "2019年06月",
            "2019-006-16",
            "June 16, 2019",
            "2019-06-16 10:00:00",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_reads_clock_and_chinese_forms() {
        assert_eq!(time("06:14:03"), Ok(hms(6, 14, 3)));
        assert_eq!(time("18:51"), Ok(hms(18, 51, 0)));
        assert_eq!(time("8:05"), Ok(hms(8, 5, 0)));
        assert_eq!(time("18:51开"), Ok(hms(18, 51, 0)));
        assert_eq!(time("１８：５１"), Ok(hms(18, 51, 0)));
        assert_eq!(time("18时51分"), Ok(hms(18, 51, 0)));
        assert_eq!(time("18时51分03秒"), Ok(hms(18, 51, 3)));
        for bad in [
            "",
            "25:00",
            "18:5",
            "18:51:60",
            "18",
            "18时",
            "18时51",
            "18:51:03:00",
            "ab:cd",
        ] {
            assert!(time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flag_reads_yes_and_no() {
        for yes in ["1", "是", "有", "true"] {
            assert_eq!(flag(yes), Ok(true));
        }
        for no in ["0", "否", "无", "false"] {
            assert_eq!(flag(no), Ok(false));
        }
        for bad in ["", "2", "yes", "是否"] {
            assert!(flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amount_words_delegates_to_the_domain_parser() {
        assert_eq!(amount_words("捌拾玖圆玖角整"), Ok(dec("89.90")));
        assert_eq!(
            amount_words("壹拾圆x"),
            Err(NormalizeError::new("壹拾圆x", AMOUNT_IN_WORDS))
        );
    }

    #[test]
    fn text_normalizers_strip_and_refuse_empty_results() {
        assert_eq!(digits("No63591128").as_deref(), Ok("63591128"));
        assert_eq!(digits("Ｎｏ．６３５９").as_deref(), Ok("6359"));
        assert!(digits("No.").is_err());
        assert_eq!(strip_prefix("No63591128", "No").as_deref(), Ok("63591128"));
        assert_eq!(strip_prefix("63591128", "No").as_deref(), Ok("63591128"));
        assert!(strip_prefix("No", "No").is_err());
        assert_eq!(strip_suffix("3次", "次").as_deref(), Ok("3"));
        assert!(strip_suffix("次", "次").is_err());
        assert_eq!(trim("\u{feff}\u{3000}张强 ").as_deref(), Ok("张强"));
        assert!(trim(" \u{3000}").is_err());
    }

    proptest! {
        #[test]
        fn no_normalizer_panics_on_any_input(s in any::<String>()) {
            let _ = money(&s);
            let _ = rate(&s);
            let _ = quantity(&s);
            let _ = date(&s);
            let _ = time(&s);
            let _ = flag(&s);
            let _ = amount_words(&s);
            let _ = digits(&s);
            let _ = strip_prefix(&s, "No");
            let _ = strip_suffix(&s, "元");
            let _ = trim(&s);
        }

        #[test]
        fn no_normalizer_panics_on_invoice_like_input(
            s in "[0-9０-９.,:：/年月日时分秒开¥￥元%％*No -]{0,20}"
        ) {
            let _ = money(&s);
            let _ = rate(&s);
            let _ = quantity(&s);
            let _ = date(&s);
            let _ = time(&s);
        }

        #[test]
        fn money_reads_back_what_it_is_given(cents in -10_000_000_000i64..10_000_000_000) {
            let amount = Decimal::new(cents, 2);
            prop_assert_eq!(money(&format!("¥{amount}")), Ok(amount));
        }
    }
}
