//! 大写金额: parse arbitrary text; format → parse round-trips every amount parse can hold; and
//! whatever parses re-formats and re-parses to the same amount.
#![no_main]

use fapiao::domain::amount_words::{format, parse};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fuzz_target!(|data: &[u8]| {
    if let Some((head, tail)) = data.split_first_chunk::<17>() {
        round_trip_number(head);
        round_trip_text(tail);
    }
    round_trip_text(data);
});

/// 16 bytes of mantissa and a scale byte make an amount; 0–2 decimals must round-trip.
fn round_trip_number(bytes: &[u8; 17]) {
    let mantissa = i128::from_le_bytes(bytes[..16].try_into().unwrap_or_default());
    let scale = u32::from(bytes[16] % 4);
    let Ok(amount) = Decimal::try_from_i128_with_scale(mantissa, scale) else {
        return;
    };
    match format(amount) {
        Ok(words) if parse_can_hold(amount) => {
            assert_eq!(parse(&words), Ok(amount), "{amount} → {words}");
        }
        Ok(_) => {}
        Err(_) => assert_ne!(amount.round_dp(2), amount, "{amount} must be writable"),
    }
}

/// `parse` answers in 分 (two decimal places); whole amounts too large for that are written
/// by `format` but, as documented, refused by `parse`.
fn parse_can_hold(amount: Decimal) -> bool {
    let mut two_places = amount;
    two_places.rescale(2);
    two_places.scale() == 2
}

fn round_trip_text(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(amount) = parse(text) else {
        return;
    };
    let words = format(amount).unwrap_or_else(|e| panic!("{text:?} parsed to {amount}: {e}"));
    assert_eq!(parse(&words), Ok(amount), "{text:?} → {amount} → {words}");
}
