//! 大写金额: the amount in Chinese capital numerals printed as 价税合计（大写）.
//!
//! [`parse`] reads what invoices, OCR vendors and bank forms produce — 圆 or 元, 整 or 正,
//! traditional forms (貳 參 陸 萬 億 圓), a `⊗`/`ⓧ`/`人民币` prefix, a `(负数)`/`负` prefix for
//! red-letter invoices, amounts below one yuan (`贰分`), and doubled 零. [`format()`] writes the
//! style invoice software prints: 圆, 整 after 圆 and after 角, 壹拾 rather than 拾.
//!
//! ```
//! use fapiao::domain::amount_words;
//! use rust_decimal::Decimal;
//!
//! assert_eq!(amount_words::parse("捌拾玖圆玖角整"), Ok(Decimal::new(8990, 2)));
//! assert_eq!(amount_words::format(Decimal::new(1070, 2)).unwrap(), "壹拾圆零柒角整");
//! ```

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::lang::{Lang, Phrase, english_display, say};

/// Why a text is not a 大写 amount, or an amount cannot be written in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountWordsError {
    /// The text is not a well-formed 大写 amount.
    Invalid {
        /// The text as given.
        input: String,
        /// What is wrong with it.
        reason: Phrase,
    },
    /// The amount has digits below 分, which 大写 cannot express.
    FractionOfFen(Decimal),
}

impl AmountWordsError {
    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AmountWordsError::Invalid { input, reason } => say!(
                lang,
                "not an amount in words: {:?} ({})",
                "不是大写金额：{:?}（{}）",
                input,
                reason.get(lang)
            ),
            AmountWordsError::FractionOfFen(amount) => say!(
                lang,
                "{} has fractions of a fen and cannot be written in words",
                "{} 含有不足一分的尾数，无法写成大写",
                amount
            ),
        }
    }
}

english_display!(AmountWordsError);

/// The amount does not fit the supported range.
const TOO_LARGE: Phrase = Phrase::new("too large", "数额过大");

/// Prefix [`format`] writes before a negative (red-letter) amount.
const NEGATIVE_PREFIX: &str = "（负数）";
const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const WAN: u128 = 10_000;
const YI: u128 = 100_000_000;

/// True for a character 大写 amounts are written with: the capital numerals, the units and
/// 圆/元/角/分/整/负.
pub fn is_word_character(c: char) -> bool {
    "零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整负".contains(c)
}

/// Parses a 大写 amount into yuan with two decimal places.
///
/// Zero placement is accepted whether or not the optional 零 is written
/// (`壹仟陆佰捌拾元叁角贰分` and `壹仟陆佰捌拾元零叁角贰分` are both 1680.32), but a zero inside a
/// 4-digit section must be written (`壹佰伍圆` is ambiguous and rejected).
pub fn parse(input: &str) -> Result<Decimal, AmountWordsError> {
    let invalid = |reason| AmountWordsError::Invalid {
        input: input.to_owned(),
        reason,
    };
    let normalized = normalize(input);
    let (negative, body) = strip_prefixes(&normalized);
    let body = body.strip_suffix('整').unwrap_or(body);
    if body.is_empty() {
        return Err(invalid(Phrase::new("no amount", "没有金额")));
    }
    let (yuan, fraction) = match body.split_once('圆') {
        Some(("", _)) => {
            return Err(invalid(Phrase::new(
                "nothing before the yuan character",
                "圆 前没有数字",
            )));
        }
        Some((int, frac)) => (integer(int).map_err(invalid)?, frac),
        None => (0, body),
    };
    let (jiao, fen) = fraction_part(fraction).map_err(invalid)?;
    if !body.contains('圆') && jiao.is_none() && fen.is_none() {
        return Err(invalid(Phrase::new(
            "no yuan, jiao or fen character",
            "没有圆、角或分",
        )));
    }
    let total_fen = yuan
        .checked_mul(100)
        .and_then(|v| {
            v.checked_add(u128::from(jiao.unwrap_or(0)) * 10 + u128::from(fen.unwrap_or(0)))
        })
        .and_then(|v| i128::try_from(v).ok())
        .ok_or_else(|| invalid(TOO_LARGE))?;
    let signed = if negative { -total_fen } else { total_fen };
    Decimal::try_from_i128_with_scale(signed, 2).map_err(|_| invalid(TOO_LARGE))
}

/// Writes an amount the way invoice software prints 价税合计（大写）.
///
/// `318` → `叁佰壹拾捌圆整`, `10600` → `壹万零陆佰圆整`, `8819.6` → `捌仟捌佰壹拾玖圆陆角整`,
/// `181.14` → `壹佰捌拾壹圆壹角肆分`, `0.02` → `贰分`, `0` → `零圆整`. Negative amounts get the
/// prefix `（负数）`. Fails when the amount has digits below 分.
pub fn format(amount: Decimal) -> Result<String, AmountWordsError> {
    if amount.round_dp(2) != amount {
        return Err(AmountWordsError::FractionOfFen(amount));
    }
    // Split before scaling: |amount| × 100 can overflow Decimal near its maximum.
    let abs = amount.abs();
    let (yuan, cents) = abs
        .trunc()
        .to_u128()
        .zip((abs.fract() * Decimal::ONE_HUNDRED).to_u128())
        .ok_or(AmountWordsError::FractionOfFen(amount))?;
    let jiao = digit(cents / 10);
    let fen = digit(cents % 10);

    let mut out = String::new();
    if amount.is_sign_negative() && !amount.is_zero() {
        out.push_str(NEGATIVE_PREFIX);
    }
    if yuan == 0 {
        match (jiao, fen) {
            ('零', '零') => out.push_str("零圆整"),
            ('零', f) => out.extend([f, '分']),
            (j, '零') => out.extend([j, '角', '整']),
            (j, f) => out.extend([j, '角', f, '分']),
        }
        return Ok(out);
    }
    out.push_str(&integer_words(yuan));
    out.push('圆');
    // 零 between 圆 and 角 when the units digit of the yuan is zero (壹拾圆零柒角整).
    let units_zero = yuan % 10 == 0;
    match (jiao, fen) {
        ('零', '零') => out.push('整'),
        ('零', f) => out.extend(['零', f, '分']),
        (j, f) => {
            if units_zero {
                out.push('零');
            }
            out.extend([j, '角']);
            if f == '零' {
                out.push('整');
            } else {
                out.extend([f, '分']);
            }
        }
    }
    Ok(out)
}

/// Removes whitespace and maps traditional and variant characters onto the forms the
/// parser knows.
fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '貳' => '贰',
            '參' | '叄' => '叁',
            '陸' => '陆',
            '萬' => '万',
            '億' => '亿',
            '圓' | '元' => '圆',
            '正' => '整',
            '〇' => '零',
            other => other,
        })
        .collect()
}

/// Strips the currency and red-letter prefixes, in any order; returns whether the amount
/// is negative.
fn strip_prefixes(mut s: &str) -> (bool, &str) {
    let mut negative = false;
    loop {
        if let Some(rest) = s
            .strip_prefix('⊗')
            .or_else(|| s.strip_prefix('ⓧ'))
            .or_else(|| s.strip_prefix("人民币"))
        {
            s = rest;
        } else if let Some(rest) = s
            .strip_prefix("(负数)")
            .or_else(|| s.strip_prefix("（负数）"))
            .or_else(|| s.strip_prefix('负'))
        {
            s = rest;
            negative = true;
        } else {
            return (negative, s);
        }
    }
}

/// The yuan part: sections joined by 亿 (each a 万-level number).
fn integer(s: &str) -> Result<u128, Phrase> {
    let mut parts = s.split('亿');
    let first = parts.next().unwrap_or("");
    let mut value = wan_level(first)?;
    let mut has_yi = false;
    for part in parts {
        has_yi = true;
        let low = wan_level(part)?;
        value = value
            .checked_mul(YI)
            .and_then(|v| v.checked_add(low))
            .ok_or(TOO_LARGE)?;
    }
    if has_yi && (first.is_empty() || value == 0) {
        return Err(Phrase::new(
            "hundred-million unit without a multiplier",
            "亿 前没有数字",
        ));
    }
    Ok(value)
}

/// A number below 10⁸: an optional `section 万` followed by a section.
fn wan_level(s: &str) -> Result<u128, Phrase> {
    match s.split_once('万') {
        None => section(s),
        Some((high, low)) => {
            if low.contains('万') {
                return Err(Phrase::new(
                    "more than one ten-thousand unit in a group",
                    "同一段内有多个万",
                ));
            }
            let high = section(high)?;
            if high == 0 {
                return Err(Phrase::new(
                    "ten-thousand unit without a multiplier",
                    "万 前没有数字",
                ));
            }
            Ok(high * WAN + section(low)?)
        }
    }
}

/// A number below 10⁴ written with 拾佰仟 and 零.
fn section(s: &str) -> Result<u128, Phrase> {
    let mut value = 0;
    let mut pending: Option<u128> = None;
    // The last unit placed; 10⁴ means none yet.
    let mut last_unit = WAN;
    let mut zero_since_unit = false;
    let mut seen = false;
    for c in s.chars() {
        if let Some(d) = digit_value(c) {
            if pending.is_some() {
                return Err(Phrase::new(
                    "two digits without a unit between them",
                    "两个数字之间缺少单位",
                ));
            }
            pending = Some(d);
            seen = true;
        } else if c == '零' {
            if pending.is_some() {
                return Err(Phrase::new(
                    "a zero right after a digit",
                    "零 紧跟在数字之后",
                ));
            }
            zero_since_unit = true;
            seen = true;
        } else if let Some(unit) = unit_value(c) {
            if unit >= last_unit {
                return Err(Phrase::new("units out of order", "单位顺序错误"));
            }
            let multiplier = match pending.take() {
                Some(d) => d,
                // 拾圆整 (10) is written without 壹 on some bank forms.
                None if unit == 10 && !seen => 1,
                None => return Err(Phrase::new("unit without a digit", "单位前没有数字")),
            };
            check_gap(last_unit, unit, zero_since_unit)?;
            value += multiplier * unit;
            last_unit = unit;
            zero_since_unit = false;
            seen = true;
        } else {
            return Err(Phrase::new("unexpected character", "含有无法识别的字符"));
        }
    }
    if let Some(d) = pending {
        check_gap(last_unit, 1, zero_since_unit)?;
        value += d;
    }
    Ok(value)
}

/// A skipped position inside a section must be marked with 零 (壹佰零伍, not 壹佰伍).
fn check_gap(last_unit: u128, unit: u128, zero_since_unit: bool) -> Result<(), Phrase> {
    if last_unit < WAN && unit * 10 < last_unit && !zero_since_unit {
        Err(Phrase::new(
            "missing zero for a skipped position",
            "跳过的数位缺少零",
        ))
    } else {
        Ok(())
    }
}

/// The part after 圆: `[零…][d角][零…][d分]`.
fn fraction_part(s: &str) -> Result<(Option<u8>, Option<u8>), Phrase> {
    let mut rest = s.trim_start_matches('零');
    let jiao = take_digit_with_unit(&mut rest, '角');
    rest = rest.trim_start_matches('零');
    let fen = take_digit_with_unit(&mut rest, '分');
    if rest.is_empty() {
        Ok((jiao, fen))
    } else {
        Err(Phrase::new(
            "unexpected text after the yuan",
            "圆之后有多余的文字",
        ))
    }
}

/// Consumes `<digit><unit>` from the front of `s` when present.
fn take_digit_with_unit(s: &mut &str, unit: char) -> Option<u8> {
    let mut chars = s.chars();
    let d = chars.next().and_then(digit_value)?;
    if chars.next() != Some(unit) {
        return None;
    }
    *s = chars.as_str();
    u8::try_from(d).ok()
}

fn digit_value(c: char) -> Option<u128> {
    DIGITS[1..]
        .iter()
        .position(|&d| d == c)
        .map(|i| i as u128 + 1)
}

fn unit_value(c: char) -> Option<u128> {
    match c {
        '拾' => Some(10),
        '佰' => Some(100),
        '仟' => Some(1000),
        _ => None,
    }
}

/// The capital numeral for `d` (taken modulo 10).
fn digit(d: u128) -> char {
    DIGITS[(d % 10) as usize]
}

/// Words for a positive whole number of yuan.
fn integer_words(n: u128) -> String {
    if n < YI {
        return wan_level_words(n);
    }
    let (high, low) = (n / YI, n % YI);
    let mut out = integer_words(high);
    out.push('亿');
    if low > 0 {
        if low < YI / 10 {
            out.push('零');
        }
        out.push_str(&wan_level_words(low));
    }
    out
}

/// Words for `0 < n < 10⁸`.
fn wan_level_words(n: u128) -> String {
    let (high, low) = (n / WAN, n % WAN);
    if high == 0 {
        return section_words(low);
    }
    let mut out = section_words(high);
    out.push('万');
    if low > 0 {
        if low < 1000 {
            out.push('零');
        }
        out.push_str(&section_words(low));
    }
    out
}

/// Words for `0 < n < 10⁴`: one 零 for any run of inner zeros, none for trailing zeros.
fn section_words(n: u128) -> String {
    let mut out = String::new();
    let mut zero_run = false;
    for (unit, label) in [
        (1000, Some('仟')),
        (100, Some('佰')),
        (10, Some('拾')),
        (1, None),
    ] {
        let d = (n / unit) % 10;
        if d == 0 {
            zero_run = !out.is_empty();
            continue;
        }
        if zero_run {
            out.push('零');
            zero_run = false;
        }
        out.push(digit(d));
        out.extend(label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_worked_example() {
        let cases = [
            ("捌拾玖圆玖角整", "89.90"),
            ("壹拾柒元叁角整", "17.30"),
            ("壹仟零伍拾圆整", "1050.00"),
            ("壹拾圆零柒角整", "10.70"),
            ("贰分", "0.02"),
            ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),
            ("壹仟陆佰捌拾元叁角贰分", "1680.32"),
            ("壹拾万柒仟元零伍角叁分", "107000.53"),
            ("壹拾万零柒仟元伍角叁分", "107000.53"),
            ("陆仟零柒元壹角肆分", "6007.14"),
            ("叁佰贰拾伍元零肆分", "325.04"),
            ("伍佰万叁仟零贰拾圆伍角整", "5003020.50"),
            ("壹亿零伍万圆整", "100050000"),
            ("壹亿贰仟万圆整", "120000000"),
            ("零圆整", "0"),
            ("拾圆整", "10"),
            ("壹仟零零伍元整", "1005"),
            ("壹仟肆佰零玖元伍角", "1409.50"),
            ("壹万陆仟肆佰零玖元零贰分", "16409.02"),
            ("叁佰壹拾捌圆整", "318"),
            ("伍佰贰拾陆圆整", "526"),
            ("壹万零陆佰圆整", "10600"),
            ("肆仟肆佰肆拾玖圆整", "4449"),
            ("贰万圆整", "20000"),
            ("壹万伍仟肆佰柒拾捌圆整", "15478"),
            ("壹佰捌拾壹圆壹角肆分", "181.14"),
            ("贰拾柒圆叁角叁分", "27.33"),
            ("捌仟捌佰壹拾玖圆陆角整", "8819.60"),
        ];
        for (words, amount) in cases {
            assert_eq!(parse(words), Ok(dec(amount)), "{words}");
        }
    }

    #[test]
    fn parses_prefixes_variants_and_negatives() {
        assert_eq!(parse("⊗捌拾玖圆玖角整"), Ok(dec("89.90")));
        assert_eq!(parse("ⓧ 人民币 捌拾玖元玖角正"), Ok(dec("89.90")));
        assert_eq!(parse("貳萬參仟陸佰圓整"), Ok(dec("23600")));
        assert_eq!(parse("壹億圓整"), Ok(dec("100000000")));
        assert_eq!(parse("叄拾〇元"), Ok(dec("30")));
        assert_eq!(parse("(负数)壹佰圆整"), Ok(dec("-100")));
        assert_eq!(parse("⊗（负数）壹佰圆整"), Ok(dec("-100")));
        assert_eq!(parse("负伍角"), Ok(dec("-0.5")));
        assert_eq!(parse("伍角整"), Ok(dec("0.50")));
        assert_eq!(parse("壹万亿圆整"), Ok(dec("1000000000000")));
    }

    #[test]
    fn rejects_malformed_amounts() {
        for bad in [
            "",
            "整",
            "圆整",
            "壹拾圆x",
            "两元",
            "一百元",
            "壹佰伍圆整",
            "壹伍圆",
            "伍零圆",
            "壹拾拾圆",
            "佰圆",
            "壹万万圆",
            "万圆整",
            "亿圆整",
            "零亿圆整",
            "伍毛",
            "壹角贰角",
            "壹分贰角",
            "100元",
            "壹拾圆整整",
        ] {
            assert!(
                matches!(parse(bad), Err(AmountWordsError::Invalid { .. })),
                "{bad:?} parsed as {:?}",
                parse(bad)
            );
        }
    }

    #[test]
    fn formats_in_invoice_style() {
        let cases = [
            ("89.90", "捌拾玖圆玖角整"),
            ("318.00", "叁佰壹拾捌圆整"),
            ("526", "伍佰贰拾陆圆整"),
            ("10600", "壹万零陆佰圆整"),
            ("4449", "肆仟肆佰肆拾玖圆整"),
            ("20000", "贰万圆整"),
            ("15478", "壹万伍仟肆佰柒拾捌圆整"),
            ("181.14", "壹佰捌拾壹圆壹角肆分"),
            ("27.33", "贰拾柒圆叁角叁分"),
            ("8819.6", "捌仟捌佰壹拾玖圆陆角整"),
            ("0.02", "贰分"),
            ("0.50", "伍角整"),
            ("0.56", "伍角陆分"),
            ("0", "零圆整"),
            ("10.70", "壹拾圆零柒角整"),
            ("1005", "壹仟零伍圆整"),
            ("1050", "壹仟零伍拾圆整"),
            ("6007.14", "陆仟零柒圆壹角肆分"),
            ("325.04", "叁佰贰拾伍圆零肆分"),
            ("16409.02", "壹万陆仟肆佰零玖圆零贰分"),
            ("107000.53", "壹拾万柒仟圆零伍角叁分"),
            ("5003020.50", "伍佰万叁仟零贰拾圆零伍角整"),
            ("100050000", "壹亿零伍万圆整"),
            ("120000000", "壹亿贰仟万圆整"),
            ("100000005", "壹亿零伍圆整"),
            ("-100", "（负数）壹佰圆整"),
        ];
        for (amount, words) in cases {
            assert_eq!(format(dec(amount)).as_deref(), Ok(words), "{amount}");
        }
    }

    #[test]
    fn refuses_fractions_of_a_fen() {
        assert_eq!(
            format(dec("1.005")),
            Err(AmountWordsError::FractionOfFen(dec("1.005")))
        );
        assert!(format(dec("1.0100")).is_ok());
    }

    #[test]
    fn round_trips_every_amount_up_to_one_thousand_yuan() {
        for fen in 0..=100_000i64 {
            let amount = Decimal::new(fen, 2);
            let words = format(amount).unwrap();
            assert_eq!(parse(&words), Ok(amount), "{words}");
        }
    }

    #[test]
    fn round_trips_extreme_amounts() {
        // The largest amounts a Decimal holds with two decimal places.
        let max = dec("792281625142643375935439503.35");
        for amount in [
            max,
            -max,
            dec("10000000000000000.01"),
            dec("100000000000000"),
        ] {
            assert_eq!(parse(&format(amount).unwrap()), Ok(amount), "{amount}");
        }
        // Whole-yuan amounts beyond that still format; parsing reports them as too large.
        let words = format(Decimal::MAX).unwrap();
        assert!(
            words.starts_with("柒万玖仟贰佰贰拾捌亿壹仟陆佰贰拾伍万"),
            "{words}"
        );
        assert!(matches!(
            parse(&words),
            Err(AmountWordsError::Invalid {
                reason: TOO_LARGE,
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(fen in -100_000_000i64..=100_000_000) {
            let amount = Decimal::new(fen, 2);
            let words = format(amount).unwrap();
            prop_assert_eq!(parse(&words), Ok(amount));
        }

        #[test]
        fn parse_never_panics(s in "[零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整负⊗x ]{0,24}") {
            let _ = parse(&s);
        }
    }
}
