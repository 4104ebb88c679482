//! Faults the sandbox injects: vendor error codes, HTTP errors, delays and broken connections.
//!
//! A fault is written as text, the same way in the `X-Fapiao-Fault` request header, the admin
//! endpoint, the CLI's `--fault` flag and [`Fault`]'s `FromStr`:
//!
//! | fault | the sandbox… |
//! |---|---|
//! | `code:<vendor code>` | answers with that declared error code in the vendor's envelope and HTTP status |
//! | `http:<status>` | answers with a bare HTTP error status (`429`, `500`, `502`, `503`, `504`, any 4xx/5xx) |
//! | `delay:<ms>` | waits that long, then handles the request normally |
//! | `timeout` | holds the connection open without ever answering |
//! | `reset` | drops the connection mid-request (TCP reset) |
//! | `truncate` | sends the success answer cut short of its `Content-Length`, then closes |
//! | `html` | answers `502` with an HTML error page, as a gateway in front of the vendor would |
//!
//! A run-level [`FaultPlan`] gives each fault a probability: `http:503=0.2,reset=0.1` answers
//! about 20 % of requests with 503 and resets about 10 %.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Answer with this declared vendor error code.
    Code(String),
    /// Answer with this HTTP error status and no vendor envelope.
    Http(u16),
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Never answer; keep the connection open until the client gives up.
    Timeout,
    /// Drop the connection without answering (TCP reset).
    Reset,
    /// Send the success answer cut short of its `Content-Length`.
    Truncate,
    /// Answer with an HTML error page.
    Html,
}

/// A fault or fault plan that cannot be parsed. The message quotes the offending text, which
/// is never a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{text}`: {reason}")]
pub struct FaultParseError {
    /// The text that failed to parse.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FaultParseError {
    fn new(text: &str, reason: &'static str) -> FaultParseError {
        FaultParseError {
            text: text.to_owned(),
            reason,
        }
    }
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(text: &str) -> Result<Fault, FaultParseError> {
        let trimmed = text.trim();
        let fail = |reason| FaultParseError::new(trimmed, reason);
        let (name, arg) = match trimmed.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (trimmed, None),
        };
        match (name, arg) {
            ("code", Some(code)) if !code.trim().is_empty() => Ok(Fault::Code(code.trim().into())),
            ("code", _) => Err(fail("expected `code:<vendor code>`")),
            ("http", Some(status)) => match status.trim().parse::<u16>() {
                Ok(s) if (400..600).contains(&s) => Ok(Fault::Http(s)),
                _ => Err(fail("expected `http:<status>` with a 4xx or 5xx status")),
            },
            ("delay", Some(ms)) => ms
                .trim()
                .parse::<u64>()
                .map(|ms| Fault::Delay(Duration::from_millis(ms)))
                .map_err(|_| fail("expected `delay:<milliseconds>`")),
            ("timeout", None) => Ok(Fault::Timeout),
            ("reset", None) => Ok(Fault::Reset),
            ("truncate", None) => Ok(Fault::Truncate),
            ("html", None) => Ok(Fault::Html),
            ("timeout" | "reset" | "truncate" | "html", Some(_)) => {
                Err(fail("this fault takes no argument"))
            }
            _ => Err(fail(
                "unknown fault; expected code:<code>, http:<status>, delay:<ms>, timeout, reset, truncate or html",
            )),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Code(code) => write!(f, "code:{code}"),
            Fault::Http(status) => write!(f, "http:{status}"),
            Fault::Delay(d) => write!(f, "delay:{}", d.as_millis()),
            Fault::Timeout => f.write_str("timeout"),
            Fault::Reset => f.write_str("reset"),
            Fault::Truncate => f.write_str("truncate"),
            Fault::Html => f.write_str("html"),
        }
    }
}

/// Parses a comma-separated list of faults (`reset,http:503`).
pub fn parse_fault_list(text: &str) -> Result<Vec<Fault>, FaultParseError> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// Run-level faults, each with the probability that it hits a request.
///
/// Written `fault=probability,…` (`http:503=0.2,reset=0.1`); a fault without `=p` always hits.
/// The probabilities are of one draw per request, so they must add up to at most 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    entries: Vec<(Fault, f64)>,
}

impl FaultPlan {
    /// A plan that injects nothing.
    pub fn none() -> FaultPlan {
        FaultPlan::default()
    }

    /// Adds a fault with its probability, builder style.
    pub fn with(mut self, fault: Fault, probability: f64) -> Result<FaultPlan, FaultParseError> {
        let text = format!("{fault}={probability}");
        if !(0.0..=1.0).contains(&probability) {
            return Err(FaultParseError::new(
                &text,
                "the probability must be between 0 and 1",
            ));
        }
        if self.total() + probability > 1.0 + f64::EPSILON {
            return Err(FaultParseError::new(
                &text,
                "the probabilities add up to more than 1",
            ));
        }
        self.entries.push((fault, probability));
        Ok(self)
    }

    /// True when the plan injects nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|(_, p)| *p == 0.0)
    }

    /// The faults and their probabilities, in the order given.
    pub fn entries(&self) -> &[(Fault, f64)] {
        &self.entries
    }

    /// The fault for a request whose uniform draw in `[0, 1)` is `draw`, if any.
    pub(crate) fn pick(&self, draw: f64) -> Option<&Fault> {
        let mut upper = 0.0;
        self.entries.iter().find_map(|(fault, p)| {
            upper += p;
            (draw < upper).then_some(fault)
        })
    }

    fn total(&self) -> f64 {
        self.entries.iter().map(|(_, p)| p).sum()
    }
}

impl FromStr for FaultPlan {
    type Err = FaultParseError;

    fn from_str(text: &str) -> Result<FaultPlan, FaultParseError> {
        let mut plan = FaultPlan::none();
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            // Split at the last `=`: a vendor code never contains one, a probability always
            // follows it.
            let (fault, probability) = match part.rsplit_once('=') {
                Some((fault, p)) => {
                    let p = p.trim().parse::<f64>().map_err(|_| {
                        FaultParseError::new(part.trim(), "the probability is not a number")
                    })?;
                    (fault, p)
                }
                None => (part, 1.0),
            };
            plan = plan.with(fault.parse()?, probability)?;
        }
        Ok(plan)
    }
}

impl fmt::Display for FaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(fault, p)| format!("{fault}={p}"))
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_parses_and_prints_back() {
        for text in [
            "code:AuthFailure.SignatureFailure",
            "code:-1102",
            "http:429",
            "http:503",
            "delay:250",
            "timeout",
            "reset",
            "truncate",
            "html",
        ] {
            let fault: Fault = text.parse().expect(text);
            assert_eq!(fault.to_string(), text);
        }
        assert_eq!(" reset ".parse::<Fault>(), Ok(Fault::Reset));
        assert_eq!(
            "delay:5".parse::<Fault>(),
            Ok(Fault::Delay(Duration::from_millis(5)))
        );
    }

    #[test]
    fn malformed_faults_are_refused_with_the_text() {
        for text in [
            "code:", "http:200", "http:abc", "delay:-1", "reset:1", "boom", "", "http",
        ] {
            let err = text.parse::<Fault>().expect_err(text);
            assert_eq!(err.text, text.trim());
        }
    }

    #[test]
    fn plans_parse_probabilities_and_default_to_always() {
        let over_full = "http:503=0.6,reset=0.5".parse::<FaultPlan>().unwrap_err();
        assert_eq!(over_full.reason, "the probabilities add up to more than 1");
        let plan: FaultPlan = "http:503=0.2, reset=0.1".parse().unwrap();
        assert_eq!(
            plan.entries(),
            [(Fault::Http(503), 0.2), (Fault::Reset, 0.1)]
        );
        assert_eq!(plan.to_string(), "http:503=0.2,reset=0.1");
        let always: FaultPlan = "code:InternalError".parse().unwrap();
        assert_eq!(
            always.entries(),
            [(Fault::Code("InternalError".into()), 1.0)]
        );
        assert!(FaultPlan::none().is_empty());
        assert!("reset=1.5".parse::<FaultPlan>().is_err());
        assert!("reset=x".parse::<FaultPlan>().is_err());
    }

    #[test]
    fn a_draw_picks_the_fault_whose_share_it_falls_in() {
        let plan: FaultPlan = "http:503=0.2,reset=0.1".parse().unwrap();
        assert_eq!(plan.pick(0.0), Some(&Fault::Http(503)));
        assert_eq!(plan.pick(0.19), Some(&Fault::Http(503)));
        assert_eq!(plan.pick(0.2), Some(&Fault::Reset));
        assert_eq!(plan.pick(0.29), Some(&Fault::Reset));
        assert_eq!(plan.pick(0.31), None);
        assert_eq!(plan.pick(0.99), None);
    }

    #[test]
    fn lists_split_on_commas() {
        assert_eq!(
            parse_fault_list("reset, http:502,"),
            Ok(vec![Fault::Reset, Fault::Http(502)])
        );
        assert!(parse_fault_list("reset,nope").is_err());
    }
}
