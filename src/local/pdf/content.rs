//! The content-stream interpreter: graphics and text state, glyph by glyph, and the paths
//! the page fills and strokes.
//!
//! Each glyph is placed where PDF puts it (text matrix × CTM, advanced by the font's own
//! width plus character and word spacing, scaled horizontally, TJ adjustments applied), so
//! the layout reader sees real boxes. Paths are kept as rectangles: stroked segments become
//! thin rules, filled rectangles stay filled (table rules, and QR codes drawn as vectors).
//! Form XObjects are entered where `Do` invokes them, under the CTM in force there.

use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Object, ObjectId};

use super::font::{Font, FontCache};
use super::{MAX_FORM_DEPTH, MAX_STATE_STACK, PageReader, deref_dict};
use crate::local::layout::{Page, Rect, TextBox};

/// A 2D affine matrix `[a b c d e f]` as in PDF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Matrix(pub(super) [f64; 6]);

impl Matrix {
    pub(super) const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    pub(super) fn from_operands(operands: &[Object]) -> Option<Matrix> {
        let mut m = [0.0; 6];
        if operands.len() != 6 {
            return None;
        }
        for (slot, o) in m.iter_mut().zip(operands) {
            *slot = number(o)?;
        }
        Some(Matrix(m))
    }

    fn translate(x: f64, y: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// `self × other` (apply `self` first).
    pub(super) fn multiply(&self, other: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    /// A point through the matrix.
    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    /// Length of a unit vertical vector: the scale text height takes.
    fn vertical_scale(&self) -> f64 {
        self.0[2].hypot(self.0[3])
    }
}

/// A number operand.
pub(super) fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// One glyph placed on the page, in PDF user space (y up).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PlacedGlyph {
    /// What the glyph stands for (empty when the font does not say).
    pub text: String,
    /// Origin on the baseline.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    /// Where the next glyph would start: the end of this one's advance.
    pub end: (f64, f64),
    /// Font size after every scaling.
    pub size: f64,
    /// The show operation (`Tj`, `TJ`, …) that drew it: glyphs shown together share it.
    pub group: u32,
    /// The font cannot vouch for `text` (see `font::Glyph::suspect`): not to be read as a name.
    pub suspect: bool,
}

/// A rectangle the page fills, in user space, with the darkness of its fill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Fill {
    /// The filled box (axis-aligned rectangles only).
    pub rect: Rect,
    /// True for a dark fill (luminance below half).
    pub dark: bool,
}

/// What one page draws: glyphs, rules and filled rectangles.
#[derive(Debug, Default)]
pub(super) struct PageContent {
    /// Every glyph shown, in drawing order.
    pub glyphs: Vec<PlacedGlyph>,
    /// Stroked segments and thin filled rectangles, as boxes.
    pub rules: Vec<Rect>,
    /// Filled axis-aligned rectangles.
    pub fills: Vec<Fill>,
    /// Stroked horizontal and vertical segments as the boxes they paint, with the darkness
    /// of the stroke (QR generators that draw each row's runs as lines, e.g. node-qrcode).
    pub strokes: Vec<Fill>,
    /// Show operations seen so far (the next glyph group).
    shows: u32,
}

impl PageReader<'_> {
    /// The page as the layout reader takes it: as displayed (the page's `/Rotate` applied),
    /// y growing downwards from the top of the visible box, each glyph's box from its
    /// baseline up one em along its advance.
    pub(super) fn layout_page(&self, content: &PageContent) -> Page {
        let view = &self.view;
        let text = content
            .glyphs
            .iter()
            .map(|g| TextBox {
                rect: view.glyph_box(g),
                size: g.size,
                group: g.group,
                suspect: g.suspect,
                text: g.text.clone(),
            })
            .collect();
        let (width, height) = view.size();
        Page {
            width,
            height,
            text,
            rules: content.rules.iter().map(|r| view.rect(r)).collect(),
        }
    }
}

/// How user space maps onto the page as displayed: the visible box and the page rotation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PageView {
    /// `CropBox`, else `MediaBox`, as `[x0, y0, x1, y1]`.
    pub area: [f64; 4],
    /// `/Rotate`, clockwise, normalised to 0, 90, 180 or 270.
    pub rotate: u16,
}

impl PageView {
    /// The displayed page's width and height.
    fn size(&self) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.area;
        match self.rotate {
            90 | 270 => (y1 - y0, x1 - x0),
            _ => (x1 - x0, y1 - y0),
        }
    }

    /// A user-space point on the displayed page, y down.
    fn point(&self, x: f64, y: f64) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.area;
        match self.rotate {
            90 => (y - y0, x - x0),
            180 => (x1 - x, y - y0),
            270 => (y1 - y, x1 - x),
            _ => (x - x0, y1 - y),
        }
    }

    fn rect(&self, r: &Rect) -> Rect {
        let (ax, ay) = self.point(r.x0, r.y0);
        let (bx, by) = self.point(r.x1, r.y1);
        Rect::spanning(ax, ay, bx, by)
    }

    /// A glyph's box: along its advance, from its baseline up one em (or, for text set
    /// down the page, one em wide along its advance).
    fn glyph_box(&self, g: &PlacedGlyph) -> Rect {
        let (ox, oy) = self.point(g.x, g.y);
        let (ex, ey) = self.point(g.end.0, g.end.1);
        let (above, below) = (g.size * GLYPH_ASCENT, g.size * (1.0 - GLYPH_ASCENT));
        if (ex - ox).abs() >= (ey - oy).abs() {
            Rect::spanning(ox, oy - above, ex, oy + below)
        } else {
            Rect::spanning(ox - below, oy, ox + above, ey)
        }
    }
}

/// Share of the em above the baseline, for a glyph's box (CJK fonts: ~0.88).
const GLYPH_ASCENT: f64 = 0.88;

/// A resource scope's fonts by resource name; one font may serve many scopes.
type Fonts<'a> = BTreeMap<Vec<u8>, Rc<Font<'a>>>;

/// Most glyphs and path pieces kept per page; real pages draw a few thousand.
const MAX_ITEMS: usize = 200_000;
/// A filled rectangle thinner than this (user-space units) is a rule.
const RULE_THICKNESS: f64 = 2.0;

/// State saved by `q` and restored by `Q` (the text state is part of it).
#[derive(Clone)]
struct State<'f, 'a> {
    ctm: Matrix,
    font: Option<&'f Font<'a>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    h_scale: f64,
    leading: f64,
    rise: f64,
    line_width: f64,
    fill_dark: bool,
    stroke_dark: bool,
}

/// Walks one content stream (and the forms it invokes).
struct Walker<'f, 'a> {
    fonts: &'f Fonts<'a>,
    state: State<'f, 'a>,
    saved: Vec<State<'f, 'a>>,
    tm: Matrix,
    line: Matrix,
    /// Subpaths of the current path, as user-space points.
    path: Vec<Vec<(f64, f64)>>,
}

impl<'a> PageReader<'a> {
    /// Interprets the page's content, and the forms it invokes, into glyphs and paths.
    pub(super) fn page_content(&self) -> PageContent {
        let mut out = PageContent::default();
        let mut cache = FontCache::default();
        let fonts = self.fonts(&self.resources, &mut cache);
        let mut seen = HashSet::new();
        self.walk(
            &self.content,
            &self.resources,
            &fonts,
            Matrix::IDENTITY,
            0,
            &mut seen,
            &mut cache,
            &mut out,
        );
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        operations: &[Operation],
        resources: &[&'a Dictionary],
        fonts: &Fonts<'a>,
        ctm: Matrix,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        cache: &mut FontCache<'a>,
        out: &mut PageContent,
    ) {
        let mut walker = Walker::new(fonts, ctm);
        for op in operations {
            if out.glyphs.len() + out.rules.len() + out.fills.len() > MAX_ITEMS {
                return;
            }
            if op.operator == "Do" {
                let name = op.operands.first().and_then(|n| n.as_name().ok());
                if let Some(name) = name {
                    let ctm = walker.state.ctm;
                    self.invoke_form(name, resources, ctm, depth, seen, cache, out);
                }
                continue;
            }
            walker.step(op, out);
        }
    }

    /// Enters the Form XObject `name` (images are read separately, for QR codes).
    #[allow(clippy::too_many_arguments)]
    fn invoke_form(
        &self,
        name: &[u8],
        resources: &[&'a Dictionary],
        ctm: Matrix,
        depth: usize,
        seen: &mut HashSet<ObjectId>,
        cache: &mut FontCache<'a>,
        out: &mut PageContent,
    ) {
        if depth >= MAX_FORM_DEPTH {
            return;
        }
        let form = resources.iter().find_map(|res| {
            let xobjects = deref_dict(self.doc, res.get(b"XObject").ok())?;
            match self.doc.dereference(xobjects.get(name).ok()?).ok()? {
                (id, Object::Stream(s))
                    if matches!(
                        s.dict.get(b"Subtype").and_then(Object::as_name),
                        Ok(b"Form")
                    ) =>
                {
                    Some((id, s))
                }
                _ => None,
            }
        });
        let Some((id, form)) = form else {
            return;
        };
        // A form may be drawn many times; only a cycle is refused.
        if let Some(id) = id
            && !seen.insert(id)
        {
            return;
        }
        if let Some(data) = self.form_content(form)
            && let Ok(content) = Content::decode(&data)
        {
            let inner: Vec<&'a Dictionary> = deref_dict(self.doc, form.dict.get(b"Resources").ok())
                .into_iter()
                .collect();
            let scope: &[&'a Dictionary] = if inner.is_empty() { resources } else { &inner };
            let fonts = self.fonts(scope, cache);
            let matrix = form_matrix(&form.dict).multiply(&ctm);
            self.walk(
                &content.operations,
                scope,
                &fonts,
                matrix,
                depth + 1,
                seen,
                cache,
                out,
            );
        }
        if let Some(id) = id {
            seen.remove(&id);
        }
    }

    /// The fonts of a resource scope, by resource name, each read once per page.
    pub(super) fn fonts(
        &self,
        resources: &[&'a Dictionary],
        cache: &mut FontCache<'a>,
    ) -> Fonts<'a> {
        let mut fonts = BTreeMap::new();
        for res in resources {
            let Some(dict) = deref_dict(self.doc, res.get(b"Font").ok()) else {
                continue;
            };
            for (name, font) in dict.iter() {
                if let Ok((_, Object::Dictionary(font))) = self.doc.dereference(font) {
                    fonts
                        .entry(name.clone())
                        .or_insert_with(|| cache.font(self.doc, font, self.stream_limit()));
                }
            }
        }
        fonts
    }
}

fn form_matrix(dict: &Dictionary) -> Matrix {
    match dict.get(b"Matrix").and_then(Object::as_array) {
        Ok(values) => Matrix::from_operands(values).unwrap_or(Matrix::IDENTITY),
        Err(_) => Matrix::IDENTITY,
    }
}

impl<'f, 'a> Walker<'f, 'a> {
    fn new(fonts: &'f Fonts<'a>, ctm: Matrix) -> Self {
        Walker {
            fonts,
            state: State {
                ctm,
                font: None,
                size: 0.0,
                char_spacing: 0.0,
                word_spacing: 0.0,
                h_scale: 1.0,
                leading: 0.0,
                rise: 0.0,
                line_width: 1.0,
                fill_dark: true,
                stroke_dark: true,
            },
            saved: Vec::new(),
            tm: Matrix::IDENTITY,
            line: Matrix::IDENTITY,
            path: Vec::new(),
        }
    }

    fn step(&mut self, op: &Operation, out: &mut PageContent) {
        let args = &op.operands;
        let num = |i: usize| args.get(i).and_then(number).unwrap_or(0.0);
        let s = &mut self.state;
        match op.operator.as_str() {
            "q" if self.saved.len() < MAX_STATE_STACK => self.saved.push(s.clone()),
            "Q" => {
                if let Some(previous) = self.saved.pop() {
                    self.state = previous;
                }
            }
            "cm" => {
                if let Some(m) = Matrix::from_operands(args) {
                    s.ctm = m.multiply(&s.ctm);
                }
            }
            "w" => s.line_width = num(0).abs(),
            "g" | "rg" | "k" | "sc" | "scn" => {
                if let Some(dark) = color_is_dark(args) {
                    s.fill_dark = dark;
                }
            }
            "G" | "RG" | "K" | "SC" | "SCN" => {
                if let Some(dark) = color_is_dark(args) {
                    s.stroke_dark = dark;
                }
            }
            "BT" => {
                self.tm = Matrix::IDENTITY;
                self.line = Matrix::IDENTITY;
            }
            "Tf" => {
                let name = args.first().and_then(|n| n.as_name().ok());
                s.font = name.and_then(|n| self.fonts.get(n).map(|f| &**f));
                s.size = num(1);
            }
            "Tc" => s.char_spacing = num(0),
            "Tw" => s.word_spacing = num(0),
            "Tz" => s.h_scale = num(0) / 100.0,
            "TL" => s.leading = num(0),
            "Ts" => s.rise = num(0),
            "Td" => self.next_line(num(0), num(1)),
            "TD" => {
                s.leading = -num(1);
                self.next_line(num(0), num(1));
            }
            "Tm" => {
                if let Some(m) = Matrix::from_operands(args) {
                    self.tm = m;
                    self.line = m;
                }
            }
            "T*" => self.next_line(0.0, -self.state.leading),
            "Tj" => self.show(args.first(), out),
            "'" => {
                self.next_line(0.0, -self.state.leading);
                self.show(args.first(), out);
            }
            "\"" => {
                self.state.word_spacing = num(0);
                self.state.char_spacing = num(1);
                self.next_line(0.0, -self.state.leading);
                self.show(args.get(2), out);
            }
            "TJ" => {
                if let Some(Object::Array(parts)) = args.first() {
                    for part in parts {
                        match part {
                            Object::String(..) => self.show(Some(part), out),
                            other => {
                                let adjust = number(other).unwrap_or(0.0);
                                let s = &self.state;
                                let tx = -adjust / 1000.0 * s.size * s.h_scale;
                                self.tm = Matrix::translate(tx, 0.0).multiply(&self.tm);
                            }
                        }
                    }
                }
            }
            _ => self.path_step(op, out),
        }
    }

    fn next_line(&mut self, x: f64, y: f64) {
        self.line = Matrix::translate(x, y).multiply(&self.line);
        self.tm = self.line;
    }

    /// Places each glyph of a shown string and advances the text matrix past it.
    fn show(&mut self, string: Option<&Object>, out: &mut PageContent) {
        let (Some(Object::String(bytes, _)), Some(font)) = (string, self.state.font) else {
            return;
        };
        out.shows = out.shows.wrapping_add(1);
        let s = &self.state;
        for glyph in font.glyphs(bytes) {
            let trm = Matrix([s.size * s.h_scale, 0.0, 0.0, s.size, 0.0, s.rise])
                .multiply(&self.tm)
                .multiply(&s.ctm);
            let spacing = s.char_spacing
                + if glyph.word_space {
                    s.word_spacing
                } else {
                    0.0
                };
            let tx = (glyph.width / 1000.0 * s.size + spacing) * s.h_scale;
            let (x, y) = trm.apply(0.0, 0.0);
            let end = Matrix::translate(tx, 0.0)
                .multiply(&self.tm)
                .multiply(&s.ctm);
            let end = end.apply(0.0, s.rise);
            if !glyph.text.is_empty() {
                out.glyphs.push(PlacedGlyph {
                    text: glyph.text,
                    x,
                    y,
                    end,
                    size: trm.vertical_scale(),
                    group: out.shows,
                    suspect: glyph.suspect,
                });
            }
            self.tm = Matrix::translate(tx, 0.0).multiply(&self.tm);
        }
    }

    /// Path construction and painting operators.
    fn path_step(&mut self, op: &Operation, out: &mut PageContent) {
        let args = &op.operands;
        let num = |i: usize| args.get(i).and_then(number).unwrap_or(0.0);
        let ctm = self.state.ctm;
        match op.operator.as_str() {
            "m" => self.path.push(vec![ctm.apply(num(0), num(1))]),
            "l" => self.line_to(ctm.apply(num(0), num(1))),
            // Curves: only their end points matter for rules and boxes.
            "c" => self.line_to(ctm.apply(num(4), num(5))),
            "v" | "y" => self.line_to(ctm.apply(num(2), num(3))),
            "h" => {
                if let Some(first) = self.path.last().and_then(|p| p.first()).copied() {
                    self.line_to(first);
                }
            }
            "re" => {
                let (x, y, w, h) = (num(0), num(1), num(2), num(3));
                self.path.push(vec![
                    ctm.apply(x, y),
                    ctm.apply(x + w, y),
                    ctm.apply(x + w, y + h),
                    ctm.apply(x, y + h),
                    ctm.apply(x, y),
                ]);
            }
            "S" | "s" => self.stroke(out),
            "f" | "F" | "f*" => self.fill(out),
            "B" | "B*" | "b" | "b*" => {
                self.fill_only(out);
                self.stroke(out);
            }
            "n" => self.path.clear(),
            _ => {}
        }
    }

    fn line_to(&mut self, point: (f64, f64)) {
        match self.path.last_mut() {
            Some(subpath) => subpath.push(point),
            None => self.path.push(vec![point]),
        }
    }

    /// Every straight segment becomes a rule as wide as the line.
    fn stroke(&mut self, out: &mut PageContent) {
        let half = (self.state.line_width * self.state.ctm.vertical_scale() / 2.0).max(0.25);
        for subpath in self.path.drain(..) {
            for pair in subpath.windows(2) {
                let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
                let (dx, dy) = ((bx - ax).abs(), (by - ay).abs());
                if dx < 0.01 && dy < 0.01 {
                    continue;
                }
                // Only horizontal and vertical segments bound cells.
                let rect = if dy <= dx * 0.02 {
                    Rect::spanning(ax, ay - half, bx, by + half)
                } else if dx <= dy * 0.02 {
                    Rect::spanning(ax - half, ay, bx + half, by)
                } else {
                    continue;
                };
                out.rules.push(rect);
                out.strokes.push(Fill {
                    rect,
                    dark: self.state.stroke_dark,
                });
            }
        }
    }

    fn fill(&mut self, out: &mut PageContent) {
        self.fill_only(out);
        self.path.clear();
    }

    /// Axis-aligned rectangles of the current path become fills (or rules when thin).
    fn fill_only(&mut self, out: &mut PageContent) {
        for subpath in &self.path {
            let Some(rect) = axis_aligned_box(subpath) else {
                continue;
            };
            if rect.width().min(rect.height()) < RULE_THICKNESS
                && rect.width().max(rect.height()) > RULE_THICKNESS * 4.0
            {
                out.rules.push(rect);
            }
            // Thin fills stay fills too: a QR's row of modules is one thin, long rectangle.
            out.fills.push(Fill {
                rect,
                dark: self.state.fill_dark,
            });
        }
    }
}

/// The box of a closed four-cornered subpath whose sides are horizontal and vertical.
fn axis_aligned_box(points: &[(f64, f64)]) -> Option<Rect> {
    let corners = match points {
        [a, b, c, d] | [a, b, c, d, _] => [*a, *b, *c, *d],
        _ => return None,
    };
    let rect = corners.iter().fold(
        Rect::spanning(corners[0].0, corners[0].1, corners[0].0, corners[0].1),
        |r, (x, y)| Rect::spanning(r.x0.min(*x), r.y0.min(*y), r.x1.max(*x), r.y1.max(*y)),
    );
    let on_edge = |(x, y): (f64, f64)| {
        let near = |a: f64, b: f64| (a - b).abs() < 0.01;
        (near(x, rect.x0) || near(x, rect.x1)) && (near(y, rect.y0) || near(y, rect.y1))
    };
    corners.iter().all(|p| on_edge(*p)).then_some(rect)
}

/// Whether a gray, RGB or CMYK color operand list (by its length) is dark.
fn color_is_dark(args: &[Object]) -> Option<bool> {
    match args.iter().filter_map(number).collect::<Vec<_>>()[..] {
        [g] => Some(g < 0.5),
        [r, g, b] => Some(luminance(r, g, b) < 0.5),
        [c, m, y, k] => Some(cmyk_luminance(c, m, y, k) < 0.5),
        _ => None,
    }
}

fn luminance(r: f64, g: f64, b: f64) -> f64 {
    0.299 * r + 0.587 * g + 0.114 * b
}

fn cmyk_luminance(c: f64, m: f64, y: f64, k: f64) -> f64 {
    (1.0 - (0.3 * c + 0.59 * m + 0.11 * y + k)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_in_pdf_order() {
        let scale = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        let moved = Matrix::translate(10.0, 5.0).multiply(&scale);
        assert_eq!(moved.0, [2.0, 0.0, 0.0, 2.0, 20.0, 10.0]);
        assert_eq!(scale.vertical_scale(), 2.0);
        assert_eq!(moved.apply(1.0, 1.0), (22.0, 12.0));
    }

    #[test]
    fn only_axis_aligned_quadrilaterals_are_boxes() {
        let square = [(0.0, 0.0), (2.0, 0.0), (2.0, 3.0), (0.0, 3.0), (0.0, 0.0)];
        assert_eq!(
            axis_aligned_box(&square),
            Some(Rect::spanning(0.0, 0.0, 2.0, 3.0))
        );
        let diamond = [(1.0, 0.0), (2.0, 1.0), (1.0, 2.0), (0.0, 1.0)];
        assert_eq!(axis_aligned_box(&diamond), None);
    }

    #[test]
    fn rotated_pages_are_read_as_displayed() {
        let view = |rotate| PageView {
            area: [0.0, 0.0, 200.0, 100.0],
            rotate,
        };
        // User space's bottom-left corner is displayed top-left, top-right, bottom-right
        // and bottom-left as the page turns clockwise.
        assert_eq!(view(0).point(0.0, 0.0), (0.0, 100.0));
        assert_eq!(view(90).point(0.0, 0.0), (0.0, 0.0));
        assert_eq!(view(180).point(0.0, 0.0), (200.0, 0.0));
        assert_eq!(view(270).point(0.0, 0.0), (100.0, 200.0));
        assert_eq!(view(90).size(), (100.0, 200.0));
        // Text set upwards in user space on a page turned 90° reads left to right.
        let glyph = PlacedGlyph {
            text: "发".into(),
            x: 50.0,
            y: 10.0,
            end: (50.0, 20.0),
            size: 10.0,
            group: 1,
            suspect: false,
        };
        let shown = view(90).glyph_box(&glyph);
        assert_eq!((shown.x0, shown.x1), (10.0, 20.0));
        assert!((shown.y1 - 51.2).abs() < 1e-9 && (shown.y0 - 41.2).abs() < 1e-9);
    }
}
