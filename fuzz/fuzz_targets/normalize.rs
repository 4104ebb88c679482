//! Every value normalizer in `fapiao::normalize` on the same text; the affix normalizers
//! take the text's first character as their affix.
#![no_main]

use fapiao::normalize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = normalize::money(text);
    let _ = normalize::rate(text);
    let _ = normalize::quantity(text);
    let _ = normalize::date(text);
    let _ = normalize::time(text);
    let _ = normalize::flag(text);
    let _ = normalize::amount_words(text);
    let _ = normalize::digits(text);
    let _ = normalize::trim(text);
    let affix: String = text.chars().take(1).collect();
    let _ = normalize::strip_prefix(text, &affix);
    let _ = normalize::strip_suffix(text, &affix);
});
