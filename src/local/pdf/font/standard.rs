//! Advance widths of the standard fonts that PDFs name without `/Widths` (ISO 32000-1
//! §9.6.2.2 lets the 14 standard fonts omit them): Courier, Helvetica, Times-Roman.
//! Widths are those of Adobe's Core 14 font metrics, for the printable ASCII codes of
//! WinAnsiEncoding (0x27 quotesingle, 0x60 grave).

/// Courier and its styles: every glyph is 600 units wide.
const COURIER: f64 = 600.0;

/// Helvetica (and Arial, metric-compatible by design), codes 0x20–0x7E.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 0x70
];

/// Times-Roman, codes 0x20–0x7E.
const TIMES_ROMAN: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, // 0x20
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, // 0x30
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, // 0x40
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, // 0x50
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, // 0x60
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, // 0x70
];

/// Widths of a standard font by name: (first code, widths from it, width of other codes).
/// `None` for fonts not covered here (bold Helvetica and Times, Symbol, ZapfDingbats …).
pub(super) fn widths(base_font: &[u8]) -> Option<(u32, Vec<f64>, Option<f64>)> {
    let to_f64 = |table: &[u16]| table.iter().map(|&w| f64::from(w)).collect();
    match base_font {
        b"Courier"
        | b"Courier-Bold"
        | b"Courier-Oblique"
        | b"Courier-BoldOblique"
        | b"CourierNew"
        | b"CourierNewPSMT" => Some((0, Vec::new(), Some(COURIER))),
        b"Helvetica" | b"Helvetica-Oblique" | b"Arial" | b"ArialMT" => {
            Some((0x20, to_f64(&HELVETICA), None))
        }
        b"Times-Roman" | b"TimesNewRoman" | b"TimesNewRomanPSMT" => {
            Some((0x20, to_f64(&TIMES_ROMAN), None))
        }
        _ => None,
    }
}
