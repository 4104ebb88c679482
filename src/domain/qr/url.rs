//! URL-form QR codes: a verification or download link printed instead of the comma payload.
//!
//! Two forms are known from real documents and public code:
//!
//! * 深圳区块链发票 — `https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=<hex>&bill_num=<8
//!   digits>&total_amount=<fen>`: 发票号码 and the total in 分 (integer), nothing else.
//! * 江苏 财政电子票据 — `http://einvoice.jsczt.cn/page/<8-digit 票据代码>/<10-digit 票据号码>/<6-char
//!   校验码>`: no date and no amount.
//!
//! Hosts are matched exactly (case-insensitively), so a look-alike link is not read as an invoice.

use std::borrow::Cow;

use rust_decimal::Decimal;
use url::Url;

use crate::invoice::{Invoice, InvoiceKind, Provenance};
use crate::lang::{Lang, Phrase, english_display, say};

/// Host of the Shenzhen blockchain invoice verification link.
const SHENZHEN_HOST: &str = "bcfp.shenzhen.chinatax.gov.cn";
/// Host of the Jiangsu fiscal e-bill (财政电子票据) download link.
const JIANGSU_FISCAL_HOST: &str = "einvoice.jsczt.cn";
/// Largest `total_amount` accepted, in 分: far above any invoice, far below `i64` overflow.
const MAX_FEN: u64 = 10u64.pow(15);

/// Who issued a URL-form QR, which fixes what its parts mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UrlQrIssuer {
    /// 深圳区块链电子发票 (`bcfp.shenzhen.chinatax.gov.cn/verify/scan`).
    ShenzhenBlockchain,
    /// 江苏省 财政电子票据 (`einvoice.jsczt.cn/page/…`).
    JiangsuFiscal,
}

/// A parsed URL-form QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlQr {
    /// Which form the link is.
    pub issuer: UrlQrIssuer,
    /// 发票代码 / 票据代码, when the link carries one.
    pub code: Option<String>,
    /// 发票号码 / 票据号码.
    pub number: String,
    /// 价税合计 in yuan (converted exactly from 分), when the link carries it.
    pub total: Option<Decimal>,
    /// 校验码, when the link carries one.
    pub check_code: Option<String>,
    /// The link with surrounding whitespace and byte-order mark removed.
    pub raw: String,
}

/// Why a string is not a known URL-form QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlQrError {
    /// Not an `http(s)` URL with a host.
    NotUrl(String),
    /// A URL, but not from a host whose QR form is known.
    UnknownHost(String),
    /// A known host, but a part is missing or has the wrong shape.
    InvalidPart {
        /// The query parameter or path segment, e.g. `bill_num`.
        part: Phrase,
        /// The part as found (empty when missing).
        value: String,
        /// The shape that was expected.
        expected: Phrase,
    },
}

impl UrlQrError {
    /// The explanation in `lang`; `Display` gives the English one.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            UrlQrError::NotUrl(text) => say!(
                lang,
                "not an http(s) link: {:?}",
                "不是 http(s) 链接：{:?}",
                text
            ),
            UrlQrError::UnknownHost(host) => say!(
                lang,
                "QR link host {:?} is not a known invoice issuer",
                "二维码链接的域名 {:?} 不是已知的开票方",
                host
            ),
            UrlQrError::InvalidPart {
                part,
                value,
                expected,
            } => say!(
                lang,
                "QR link part {} is {:?}; expected {}",
                "二维码链接的 {} 部分为 {:?}，应为{}",
                part.get(lang),
                value,
                expected.get(lang)
            ),
        }
    }
}

english_display!(UrlQrError);

impl UrlQr {
    /// Parses a known URL-form QR payload.
    pub fn parse(s: &str) -> Result<UrlQr, UrlQrError> {
        let raw = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let url = Url::parse(raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| UrlQrError::NotUrl(raw.to_owned()))?;
        let host = url
            .host_str()
            .ok_or_else(|| UrlQrError::NotUrl(raw.to_owned()))?
            .to_ascii_lowercase();
        let mut qr = match host.as_str() {
            SHENZHEN_HOST => shenzhen(&url)?,
            JIANGSU_FISCAL_HOST => jiangsu_fiscal(&url)?,
            _ => return Err(UrlQrError::UnknownHost(host)),
        };
        qr.raw = raw.to_owned();
        Ok(qr)
    }

    /// The invoice kind the link implies (`Unknown` for fiscal bills, which are not 发票).
    pub fn kind(&self) -> InvoiceKind {
        match self.issuer {
            UrlQrIssuer::ShenzhenBlockchain => InvoiceKind::Blockchain,
            UrlQrIssuer::JiangsuFiscal => InvoiceKind::Unknown,
        }
    }

    /// The fields the link carries, as an [`Invoice`]; provenance names the URL part
    /// (`qr:url:bill_num`).
    pub fn to_invoice(&self) -> Invoice {
        let mut invoice = Invoice {
            kind: self.kind(),
            code: self.code.clone(),
            number: Some(self.number.clone()),
            total: self.total,
            check_code: self.check_code.clone(),
            qr_payload: Some(self.raw.clone()),
            ..Invoice::default()
        };
        let (number, code, check_code) = match self.issuer {
            UrlQrIssuer::ShenzhenBlockchain => ("qr:url:bill_num", "", ""),
            UrlQrIssuer::JiangsuFiscal => ("qr:url:path[2]", "qr:url:path[1]", "qr:url:path[3]"),
        };
        let sources = [
            ("kind", "qr:url:host", invoice.kind != InvoiceKind::Unknown),
            ("number", number, true),
            ("code", code, self.code.is_some()),
            ("check_code", check_code, self.check_code.is_some()),
            ("total", "qr:url:total_amount", self.total.is_some()),
            ("qr_payload", "qr", true),
        ];
        for (field, source, present) in sources {
            if present {
                invoice
                    .provenance
                    .insert(Cow::Borrowed(field), Provenance::from_field(source));
            }
        }
        invoice
    }
}

/// `…/verify/scan?hash=…&bill_num=…&total_amount=…`.
fn shenzhen(url: &Url) -> Result<UrlQr, UrlQrError> {
    let param = |name: &'static str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let number = checked(
        Phrase::new("bill_num", "bill_num"),
        param("bill_num"),
        crate::domain::EIGHT_DIGITS,
        |v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()),
    )?;
    let fen = param("total_amount");
    let total = fen_to_yuan(&fen).ok_or_else(|| UrlQrError::InvalidPart {
        part: Phrase::new("total_amount", "total_amount"),
        value: fen.clone(),
        expected: Phrase::new("a whole number of fen", "以分为单位的整数"),
    })?;
    Ok(UrlQr {
        issuer: UrlQrIssuer::ShenzhenBlockchain,
        code: None,
        number,
        total: Some(total),
        check_code: None,
        raw: String::new(),
    })
}

/// `…/page/<票据代码>/<票据号码>/<校验码>`.
fn jiangsu_fiscal(url: &Url) -> Result<UrlQr, UrlQrError> {
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let &["page", code, number, check] = segments.as_slice() else {
        return Err(UrlQrError::InvalidPart {
            part: Phrase::new("path", "路径"),
            value: url.path().to_owned(),
            expected: Phrase::new(
                "/page/<bill code>/<bill number>/<check code>",
                "/page/<票据代码>/<票据号码>/<校验码>",
            ),
        });
    };
    let digits = |n: usize| move |v: &str| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    let code = checked(
        Phrase::new("bill code", "票据代码"),
        code.to_owned(),
        crate::domain::EIGHT_DIGITS,
        digits(8),
    )?;
    let number = checked(
        Phrase::new("bill number", "票据号码"),
        number.to_owned(),
        Phrase::new("10 digits", "10 位数字"),
        digits(10),
    )?;
    let check = checked(
        Phrase::new("check code", "校验码"),
        check.to_owned(),
        Phrase::new("6 letters or digits", "6 位字母或数字"),
        |v| v.len() == 6 && v.bytes().all(|b| b.is_ascii_alphanumeric()),
    )?;
    Ok(UrlQr {
        issuer: UrlQrIssuer::JiangsuFiscal,
        code: Some(code),
        number,
        total: None,
        check_code: Some(check),
        raw: String::new(),
    })
}

fn checked(
    part: Phrase,
    value: String,
    expected: Phrase,
    ok: impl Fn(&str) -> bool,
) -> Result<String, UrlQrError> {
    if ok(&value) {
        Ok(value)
    } else {
        Err(UrlQrError::InvalidPart {
            part,
            value,
            expected,
        })
    }
}

/// A whole number of 分 as yuan, exactly (`7200` → `72.00`).
fn fen_to_yuan(fen: &str) -> Option<Decimal> {
    if fen.is_empty() || fen.len() > 16 || !fen.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fen: u64 = fen.parse().ok().filter(|f| *f <= MAX_FEN)?;
    Some(Decimal::new(i64::try_from(fen).ok()?, 2))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    const SHENZHEN: &str = "https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=01955ef909a61c7d14c7b80ad4ae5284bd39079f03e73cc8585af3949ff2dbfa20&bill_num=30532037&total_amount=7200";

    #[test]
    fn shenzhen_blockchain_link_gives_number_and_total_from_fen() {
        let qr = UrlQr::parse(SHENZHEN).unwrap();
        assert_eq!(qr.issuer, UrlQrIssuer::ShenzhenBlockchain);
        assert_eq!(qr.number, "30532037");
        assert_eq!(qr.total, Some(Decimal::from_str("72.00").unwrap()));
        assert_eq!(qr.total.unwrap().to_string(), "72.00");
        let invoice = qr.to_invoice();
        assert_eq!(invoice.kind, InvoiceKind::Blockchain);
        assert_eq!(invoice.provenance["total"].field, "qr:url:total_amount");
        assert_eq!(invoice.qr_payload.as_deref(), Some(SHENZHEN));
    }

    #[test]
    fn fen_convert_exactly_at_every_size() {
        for (fen, yuan) in [
            ("0", "0.00"),
            ("1", "0.01"),
            ("96200", "962.00"),
            ("123456789", "1234567.89"),
            ("1000000000000000", "10000000000000.00"),
        ] {
            assert_eq!(fen_to_yuan(fen).unwrap().to_string(), yuan, "{fen}");
        }
        for bad in [
            "",
            "-1",
            "1.5",
            "1e3",
            "+5",
            "1000000000000001",
            "99999999999999999999",
        ] {
            assert_eq!(fen_to_yuan(bad), None, "{bad}");
        }
    }

    #[test]
    fn jiangsu_fiscal_link_gives_code_number_and_check_code() {
        let qr =
            UrlQr::parse(" http://einvoice.jsczt.cn/page/32020124/0007445174/RolVjv\n").unwrap();
        assert_eq!(qr.issuer, UrlQrIssuer::JiangsuFiscal);
        assert_eq!(qr.code.as_deref(), Some("32020124"));
        assert_eq!(qr.number, "0007445174");
        assert_eq!(qr.check_code.as_deref(), Some("RolVjv"));
        assert_eq!(qr.total, None);
        assert_eq!(
            qr.raw,
            "http://einvoice.jsczt.cn/page/32020124/0007445174/RolVjv"
        );
        let invoice = qr.to_invoice();
        assert_eq!(invoice.provenance["code"].field, "qr:url:path[1]");
        assert_eq!(invoice.kind, InvoiceKind::Unknown);
    }

    #[test]
    fn bad_links_are_errors() {
        let part = |s: &str| match UrlQr::parse(s) {
            Err(UrlQrError::InvalidPart { part, .. }) => part.zh,
            other => panic!("{s:?} gave {other:?}"),
        };
        let sz = "https://bcfp.shenzhen.chinatax.gov.cn/verify/scan?hash=ab";
        assert_eq!(
            part(&format!("{sz}&bill_num=3053203&total_amount=1")),
            "bill_num"
        );
        assert_eq!(part(&format!("{sz}&total_amount=1")), "bill_num");
        assert_eq!(
            part(&format!("{sz}&bill_num=30532037&total_amount=72.00")),
            "total_amount"
        );
        assert_eq!(part(&format!("{sz}&bill_num=30532037")), "total_amount");
        let js = "http://einvoice.jsczt.cn/page";
        assert_eq!(part(&format!("{js}/3202012/0007445174/RolVjv")), "票据代码");
        assert_eq!(
            part(&format!("{js}/32020124/000744517X/RolVjv")),
            "票据号码"
        );
        assert_eq!(part(&format!("{js}/32020124/0007445174/Rol-jv")), "校验码");
        assert_eq!(part(&format!("{js}/32020124/0007445174")), "路径");
        assert!(matches!(
            UrlQr::parse(
                "https://bcfp.shenzhen.chinatax.gov.cn.evil.example/verify/scan?bill_num=30532037&total_amount=1"
            ),
            Err(UrlQrError::UnknownHost(_))
        ));
        for not_url in [
            "",
            "01,10,1,2",
            "ftp://einvoice.jsczt.cn/page/1/2/3",
            "http://",
        ] {
            assert!(
                matches!(UrlQr::parse(not_url), Err(UrlQrError::NotUrl(_))),
                "{not_url}"
            );
        }
    }
}
