//! The one name sanitizer: vendor wire names → Rust identifiers.
//!
//! Casing goes through heck; keywords that allow it become raw identifiers (`r#type`), the
//! few that don't get a `_` suffix; a leading digit gets a `_` prefix; names heck cannot turn
//! into ASCII (Chinese labels) are refused so the spec gives an explicit `rust_name`.
//! Collisions *after* sanitizing are detected by the validator, which reports both places.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords that cannot be raw identifiers.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

/// Strict and reserved keywords of Rust 2024.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Why a name could not be made into an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError(pub String);

/// A snake_case field or module name.
pub fn snake(wire: &str) -> Result<String, NameError> {
    finish(wire, wire.to_snake_case())
}

/// An UpperCamelCase type or variant name.
pub fn camel(wire: &str) -> Result<String, NameError> {
    finish(wire, wire.to_upper_camel_case())
}

/// A variant name for a vendor error code: numeric codes read as `Code400` / `Minus1102`.
pub fn error_variant(code: &str) -> Result<String, NameError> {
    if let Some(digits) = code.strip_prefix('-')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Ok(format!("Minus{digits}"));
    }
    if !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(format!("Code{code}"));
    }
    camel(code)
}

/// Checks an explicit `rust_name:` override.
pub fn check_explicit(name: &str) -> Result<String, NameError> {
    let bare = name.strip_prefix("r#").unwrap_or(name);
    if bare.is_empty() || !is_ident(bare) {
        return Err(NameError(format!("`{name}` is not a Rust identifier")));
    }
    Ok(name.to_owned())
}

fn finish(wire: &str, cased: String) -> Result<String, NameError> {
    if cased.is_empty() || !cased.is_ascii() || !is_ident(&cased.replace(char::is_numeric, "a")) {
        return Err(NameError(format!(
            "`{wire}` has no ASCII Rust spelling; give it an explicit `rust_name`"
        )));
    }
    let name = if cased.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{cased}")
    } else {
        cased
    };
    Ok(escape_keyword(name))
}

fn escape_keyword(name: String) -> String {
    if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_keywords_and_digits() {
        assert_eq!(snake("VatInvoiceInfos").unwrap(), "vat_invoice_infos");
        assert_eq!(snake("QRCodeMark").unwrap(), "qr_code_mark");
        assert_eq!(snake("errorCode").unwrap(), "error_code");
        assert_eq!(snake("error_code").unwrap(), "error_code");
        assert_eq!(snake("type").unwrap(), "r#type");
        assert_eq!(snake("self").unwrap(), "self_");
        assert_eq!(snake("2fa_code").unwrap(), "_2fa_code");
        assert_eq!(
            camel("VatInvoiceOCRResponse").unwrap(),
            "VatInvoiceOcrResponse"
        );
        assert_eq!(camel("Self").unwrap(), "Self_");
        assert!(snake("发票代码").is_err());
        assert!(camel("").is_err());
    }

    #[test]
    fn error_code_variants() {
        assert_eq!(
            error_variant("FailedOperation.ImageBlur").unwrap(),
            "FailedOperationImageBlur"
        );
        assert_eq!(error_variant("-1102").unwrap(), "Minus1102");
        assert_eq!(error_variant("400").unwrap(), "Code400");
        assert_eq!(
            error_variant("RATE_LIMIT_EXCEEDED").unwrap(),
            "RateLimitExceeded"
        );
    }

    #[test]
    fn explicit_names_are_checked() {
        assert!(check_explicit("invoice_code").is_ok());
        assert!(check_explicit("r#type").is_ok());
        assert!(check_explicit("发票").is_err());
        assert!(check_explicit("a-b").is_err());
    }
}
