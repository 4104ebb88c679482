//! The language human-readable findings are written in.
//!
//! Rules produce values (an enum of message kinds, an error with its parameters); only the
//! last step renders them, once per [`Lang`]. A message never mixes the two languages: an
//! English message names fields in English (`total`, `invoice number`), a Chinese one with
//! the labels printed on invoices (`价税合计`, `发票号码`). Values quoted from the document
//! (`"捌拾玖圆捌角整"`) are data and keep their script.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language messages can be rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The identifier used on the command line and in JSON: `en` or `zh`.
    pub fn id(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            _ => Err(format!("unknown language {s:?}; expected en or zh")),
        }
    }
}

/// A fixed phrase in both languages, for the constant parts of domain errors (what was
/// expected, why a value is wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phrase {
    /// The English wording.
    pub en: &'static str,
    /// The Chinese wording.
    pub zh: &'static str,
}

impl Phrase {
    /// A phrase from its two wordings.
    pub const fn new(en: &'static str, zh: &'static str) -> Phrase {
        Phrase { en, zh }
    }

    /// The wording in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// English, so `{}` in English messages and logs reads naturally.
impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.en)
    }
}

/// Renders one message in `lang` from two `format!` templates that share their arguments,
/// so each rule's wording sits side by side in both languages.
macro_rules! say {
    ($lang:expr, $en:literal, $zh:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::lang::Lang::En => format!($en $(, $arg)*),
            $crate::lang::Lang::Zh => format!($zh $(, $arg)*),
        }
    };
}
pub(crate) use say;

/// Implements `Display` (English) and `Error` for a domain error with a
/// `message(&self, Lang) -> String` method.
macro_rules! english_display {
    ($ty:ty) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.message($crate::lang::Lang::En))
            }
        }

        impl std::error::Error for $ty {}
    };
}
pub(crate) use english_display;
