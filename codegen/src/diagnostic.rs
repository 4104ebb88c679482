//! Located diagnostics and their rendering.
//!
//! Every problem found in a spec becomes a [`Diagnostic`] pointing into the file it came
//! from; all of them are collected in one run and rendered rustc-style with
//! annotate-snippets (`error: …` / `--> file:line:column` / the offending line).

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::spec::Sp;

/// Index of a file in [`Sources`].
pub type FileId = usize;

/// The text of every file read, so diagnostics can quote them.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<(String, String)>,
}

impl Sources {
    /// Registers a file under its display path and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push((path.into(), text.into()));
        self.files.len() - 1
    }

    /// Display path of a file.
    pub fn path(&self, id: FileId) -> &str {
        self.files.get(id).map_or("<unknown>", |(p, _)| p.as_str())
    }

    /// Text of a file.
    pub fn text(&self, id: FileId) -> &str {
        self.files.get(id).map_or("", |(_, t)| t.as_str())
    }
}

/// A place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// Byte range in the file (empty range: the file as a whole).
    pub span: Range<usize>,
    /// What is wrong there.
    pub text: String,
}

impl Label {
    /// A label at the location of a spanned value.
    pub fn at<T>(file: FileId, value: &Sp<T>, text: impl Into<String>) -> Label {
        Label {
            file,
            span: span_of(value),
            text: text.into(),
        }
    }

    /// A label for a whole file.
    pub fn file(file: FileId, text: impl Into<String>) -> Label {
        Label {
            file,
            span: 0..0,
            text: text.into(),
        }
    }
}

/// Byte range of a spanned value (`0..0` when the parser gave no location).
pub fn span_of<T>(value: &Sp<T>) -> Range<usize> {
    let span = value.referenced.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(start), Some(len)) => {
            let start = usize::try_from(start).unwrap_or(0);
            start..start + usize::try_from(len).unwrap_or(0).max(1)
        }
        _ => 0..0,
    }
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The headline.
    pub message: String,
    /// Where it is.
    pub primary: Label,
    /// Related places (e.g. "first defined here").
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with one location.
    pub fn new(message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Adds a related location.
    pub fn with_secondary(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    /// Adds a fix-it hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic as plain text.
    pub fn render(&self, sources: &Sources) -> String {
        Renderer::plain().render(&self.report(sources)).to_string()
    }

    fn report<'a>(&'a self, sources: &'a Sources) -> Vec<Group<'a>> {
        let mut group = Level::ERROR
            .primary_title(self.message.as_str())
            .element(self.snippet(sources, &self.primary, AnnotationKind::Primary));
        for label in &self.secondary {
            group = group.element(self.snippet(sources, label, AnnotationKind::Context));
        }
        let mut report = vec![group];
        if let Some(help) = &self.help {
            report.push(Group::with_title(
                Level::HELP.secondary_title(help.as_str()),
            ));
        }
        report
    }

    fn snippet<'a>(
        &self,
        sources: &'a Sources,
        label: &'a Label,
        kind: AnnotationKind,
    ) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
        let text = sources.text(label.file);
        let snippet = Snippet::source(text).path(sources.path(label.file));
        if label.span.is_empty() || label.span.end > text.len() {
            // No location: name the file and say it in the headline's words.
            return Snippet::source("")
                .path(sources.path(label.file))
                .annotation(kind.span(0..0).label(label.text.as_str()));
        }
        snippet.annotation(kind.span(label.span.clone()).label(label.text.as_str()))
    }
}

/// Renders many diagnostics, separated by blank lines, with a closing count.
pub fn render_all(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.render(sources));
        out.push_str("\n\n");
    }
    let n = diagnostics.len();
    out.push_str(&format!(
        "error: {n} problem{} found in the specs",
        if n == 1 { "" } else { "s" }
    ));
    out
}
