//! The page as a page: positioned text and the rules drawn around it, read into labelled
//! values by position — never by concatenating a row.
//!
//! Sources differ (PDF glyphs, OFD TextObjects, OCR lines) but all give text with a box, so
//! every reader feeds the same [`Page`]: coordinates in any unit, **y growing downwards**
//! (as on OFD pages and images; PDF readers flip their y-up space).

/// An axis-aligned box; `y0 < y1`, with y growing downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// The box spanned by two corners in any order.
    pub fn spanning(ax: f64, ay: f64, bx: f64, by: f64) -> Rect {
        Rect {
            x0: ax.min(bx),
            y0: ay.min(by),
            x1: ax.max(bx),
            y1: ay.max(by),
        }
    }

    /// The smallest box holding both.
    pub fn union(self, other: Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// Width.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Horizontal centre.
    pub fn cx(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }

    /// Vertical centre.
    pub fn cy(&self) -> f64 {
        (self.y0 + self.y1) / 2.0
    }
}

/// A piece of text with its box: one glyph, or a run of glyphs a source drew together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextBox {
    /// The text, as the source decoded it.
    pub text: String,
    /// Where it is drawn.
    pub rect: Rect,
    /// Font size in page units (the em height).
    pub size: f64,
    /// Boxes a source drew in one operation share a group (a PDF `Tj`, an OFD TextCode);
    /// a value drawn as one group is never split between columns.
    pub group: u32,
    /// The source cannot vouch for the text (a PDF font whose map is implausible): such
    /// text is never read as a name, only as digits.
    pub suspect: bool,
}

/// One page's positioned text and ruling lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Page {
    /// Page width, in the page's units.
    pub width: f64,
    /// Page height.
    pub height: f64,
    /// Text, in drawing order.
    pub text: Vec<TextBox>,
    /// Ruling lines and box edges: thin rectangles (a stroked segment widened to its line
    /// width, or a thin filled rectangle).
    pub rules: Vec<Rect>,
}

mod glyphs;
mod items;
mod lines;
mod read;

pub(crate) use read::read_page;

#[cfg(test)]
mod tests;
