//! The invoice kind a printed title names (`上海增值税普通发票`, `电子发票（普通发票）`, …).
//!
//! Titles carry a province prefix and vary in bracket width, so the kind is found by the most
//! specific kind name the title contains.

use crate::InvoiceKind;

/// Kind names as printed, most specific first (a title containing `增值税电子专用发票` also
/// contains nothing shorter that would match earlier).
const TITLES: &[(&str, InvoiceKind)] = &[
    ("电子发票（增值税专用发票）", InvoiceKind::DigitalSpecial),
    ("电子发票（专用发票）", InvoiceKind::DigitalSpecial),
    ("电子发票（普通发票）", InvoiceKind::DigitalGeneral),
    ("电子发票（铁路电子客票）", InvoiceKind::DigitalTrainTicket),
    ("铁路电子客票", InvoiceKind::DigitalTrainTicket),
    (
        "电子发票（航空运输电子客票行程单）",
        InvoiceKind::DigitalAirItinerary,
    ),
    ("航空运输电子客票行程单", InvoiceKind::AirItinerary),
    ("货物运输业增值税专用发票", InvoiceKind::FreightVatSpecial),
    (
        "机动车销售统一发票（电子）",
        InvoiceKind::MotorVehicleSaleElectronic,
    ),
    ("机动车销售统一发票", InvoiceKind::MotorVehicleSale),
    (
        "二手车销售统一发票（电子）",
        InvoiceKind::UsedCarSaleElectronic,
    ),
    ("二手车销售统一发票", InvoiceKind::UsedCarSale),
    ("区块链", InvoiceKind::Blockchain),
    ("通行费", InvoiceKind::VatToll),
    ("卷票", InvoiceKind::VatRoll),
    ("增值税电子专用发票", InvoiceKind::VatElectronicSpecial),
    ("增值税电子普通发票", InvoiceKind::VatElectronicGeneral),
    ("增值税专用发票", InvoiceKind::VatSpecial),
    ("增值税普通发票", InvoiceKind::VatGeneral),
];

/// The kind the title names, if it names one.
///
/// ```
/// use fapiao::InvoiceKind;
/// use fapiao::domain::title::kind_from_title;
///
/// assert_eq!(kind_from_title("上海增值税普通发票"), Some(InvoiceKind::VatGeneral));
/// assert_eq!(kind_from_title("电子发票(普通发票)"), Some(InvoiceKind::DigitalGeneral));
/// assert_eq!(kind_from_title("收据"), None);
/// ```
pub fn kind_from_title(title: &str) -> Option<InvoiceKind> {
    let t: String = title
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect();
    TITLES
        .iter()
        .find(|(name, _)| t.contains(name))
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_prefixes_and_bracket_widths_do_not_matter() {
        let cases = [
            ("浙江增值税电子普通发票", InvoiceKind::VatElectronicGeneral),
            ("四川增值税电子专用发票", InvoiceKind::VatElectronicSpecial),
            ("北京增值税专用发票", InvoiceKind::VatSpecial),
            ("电子发票（增值税专用发票）", InvoiceKind::DigitalSpecial),
            ("电子发票 (普通发票)", InvoiceKind::DigitalGeneral),
            ("增值税电子普通发票（通行费）", InvoiceKind::VatToll),
            ("广东增值税普通发票（卷票）", InvoiceKind::VatRoll),
            ("深圳电子普通发票（区块链）", InvoiceKind::Blockchain),
            ("电子发票（铁路电子客票）", InvoiceKind::DigitalTrainTicket),
            ("货物运输业增值税专用发票", InvoiceKind::FreightVatSpecial),
            (
                "机动车销售统一发票(电子)",
                InvoiceKind::MotorVehicleSaleElectronic,
            ),
            ("机动车销售统一发票", InvoiceKind::MotorVehicleSale),
            (
                "二手车销售统一发票（电子）",
                InvoiceKind::UsedCarSaleElectronic,
            ),
        ];
        for (title, kind) in cases {
            assert_eq!(kind_from_title(title), Some(kind), "{title}");
        }
        assert_eq!(kind_from_title(""), None);
        assert_eq!(kind_from_title("定额发票"), None);
    }
}
