//! QR codes drawn as vector paths: dark filled rectangles (or stroked lines) on a module
//! grid, rebuilt into a small bitmap for the decoder (no rasteriser).
//!
//! Generators fill each dark module as a square, or merge a row's run of modules into one
//! rectangle (some merge larger blocks, or draw a finder as nested squares); others stroke
//! each run as a line one module wide, which paints the same rectangle. So: the module
//! size is the most common short side among dark fills; dark fills whose sides are whole
//! multiples of it are grouped by proximity; each group about the size of a QR is
//! repainted, every fill over it in drawing order (light ones too), onto a module matrix
//! with a quiet zone at [`PX_PER_MODULE`] px a module, and decoded by the usual ladder.

use image::{GrayImage, Luma};

use super::super::qr_image;
use super::content::{Fill, PageContent};
use crate::local::layout::Rect;

/// Modules a side of the smallest QR (version 1).
const MIN_MODULES: f64 = 21.0;
/// Modules a side of the largest QR (version 40).
const MAX_MODULES: f64 = 177.0;
/// Dark fills considered per page; a version-40 code has about 15 000 dark modules.
const MAX_CANDIDATES: usize = 16_000;
/// Fewest fills of the module size that can make a QR.
const MIN_CANDIDATES: usize = 20;
/// Pixels a module in the rebuilt bitmap.
const PX_PER_MODULE: u32 = 4;
/// Quiet zone, in modules, around the rebuilt code.
const QUIET_MODULES: u32 = 4;
/// How far (fraction of a module) a side may be from a whole number of modules.
const GRID_TOLERANCE: f64 = 0.2;
/// Dark fills this far apart (in modules) belong to the same code.
const MAX_GAP_MODULES: f64 = 3.0;
/// Groups tried per page, largest first.
const MAX_GROUPS: usize = 3;
/// Pairs of rectangles compared while grouping. A real code compares each module with those
/// in a band a few modules wide (about 5 million pairs for version 40 drawn module by
/// module); past this the page is no vector QR (e.g. a column of thousands of squares) and
/// the search stops.
const MAX_PAIR_CHECKS: usize = 8_000_000;

/// Texts of QR codes the page draws as filled rectangles or stroked lines (forms
/// included); strokes are painted after fills, as a generator draws its background before
/// the modules.
pub(super) fn vector_qr_texts(content: &PageContent) -> Vec<String> {
    let mut painted = content.fills.clone();
    painted.extend(content.strokes.iter().copied());
    decode_fills(&painted)
}

/// Finds and decodes QR codes drawn by `fills` (user space, y up, in drawing order).
fn decode_fills(fills: &[Fill]) -> Vec<String> {
    let dark: Vec<Rect> = fills.iter().filter(|f| f.dark).map(|f| f.rect).collect();
    let Some(module) = module_size(&dark) else {
        return Vec::new();
    };
    let candidates: Vec<Rect> = dark
        .into_iter()
        .filter(|r| on_grid(r.width(), module) && on_grid(r.height(), module))
        .collect();
    if candidates.len() < MIN_CANDIDATES || candidates.len() > MAX_CANDIDATES {
        return Vec::new();
    }
    let Some(groups) = groups(&candidates, module) else {
        return Vec::new();
    };
    for bounds in groups.into_iter().take(MAX_GROUPS) {
        if let Some(bitmap) = rebuild(fills, bounds, module) {
            let texts = qr_image::decode_gray(&bitmap);
            if !texts.is_empty() {
                return texts;
            }
        }
    }
    Vec::new()
}

/// The most common short side among small dark fills (within 3 %), when common enough.
fn module_size(dark: &[Rect]) -> Option<f64> {
    let mut sides: Vec<f64> = dark
        .iter()
        .map(|r| r.width().min(r.height()))
        .filter(|s| *s > 0.0 && s.is_finite())
        .collect();
    sides.sort_by(f64::total_cmp);
    let (mut best, mut best_count, mut start) = (None, 0, 0);
    for end in 0..sides.len() {
        while sides[end] > sides[start] * 1.03 {
            start += 1;
        }
        if end + 1 - start > best_count {
            best_count = end + 1 - start;
            best = Some(sides[start..=end].iter().sum::<f64>() / best_count as f64);
        }
    }
    best.filter(|_| best_count >= MIN_CANDIDATES)
}

/// True when `length` is a whole number (≥ 1, ≤ a QR's side) of modules.
fn on_grid(length: f64, module: f64) -> bool {
    let modules = length / module;
    (1.0 - GRID_TOLERANCE..=MAX_MODULES + GRID_TOLERANCE).contains(&modules)
        && (modules - modules.round()).abs() <= GRID_TOLERANCE
}

/// Bounds of the groups of nearby rectangles that could be a QR, largest group first;
/// `None` when grouping would take more than [`MAX_PAIR_CHECKS`].
fn groups(rects: &[Rect], module: f64) -> Option<Vec<Rect>> {
    let gap = MAX_GAP_MODULES * module;
    let mut order: Vec<usize> = (0..rects.len()).collect();
    order.sort_by(|a, b| rects[*a].x0.total_cmp(&rects[*b].x0));
    let mut sets = DisjointSets::new(rects.len());
    let mut checks = 0;
    // Sweep by left edge: only rectangles starting within `gap` of one's right edge can touch it.
    for (i, &a) in order.iter().enumerate() {
        for &b in &order[i + 1..] {
            if rects[b].x0 > rects[a].x1 + gap {
                break;
            }
            checks += 1;
            if checks > MAX_PAIR_CHECKS {
                return None;
            }
            if rects[b].y0 <= rects[a].y1 + gap && rects[a].y0 <= rects[b].y1 + gap {
                sets.union(a, b);
            }
        }
    }
    let mut bounds: Vec<(usize, Rect)> = Vec::new();
    let mut slot_of_root = vec![usize::MAX; rects.len()];
    for (i, r) in rects.iter().enumerate() {
        let root = sets.find(i);
        if slot_of_root[root] == usize::MAX {
            slot_of_root[root] = bounds.len();
            bounds.push((0, *r));
        }
        let (count, b) = &mut bounds[slot_of_root[root]];
        *count += 1;
        *b = Rect::spanning(
            b.x0.min(r.x0),
            b.y0.min(r.y0),
            b.x1.max(r.x1),
            b.y1.max(r.y1),
        );
    }
    bounds.retain(|(count, b)| {
        let (w, h) = (b.width() / module, b.height() / module);
        *count >= MIN_CANDIDATES
            && (MIN_MODULES - 1.0..=MAX_MODULES + 1.0).contains(&w)
            && (w - h).abs() <= 1.5
    });
    bounds.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
    Some(bounds.into_iter().map(|(_, b)| b).collect())
}

/// Repaints every fill over `bounds` onto its module grid, with a quiet zone.
fn rebuild(fills: &[Fill], bounds: Rect, module: f64) -> Option<GrayImage> {
    let cols = (bounds.width() / module).round();
    let rows = (bounds.height() / module).round();
    if !(MIN_MODULES..=MAX_MODULES).contains(&cols) || !(MIN_MODULES..=MAX_MODULES).contains(&rows)
    {
        return None;
    }
    // The exact pitch, from the extent rather than the averaged side: no drift across the code.
    let (pitch_x, pitch_y) = (bounds.width() / cols, bounds.height() / rows);
    let (cols, rows) = (cols as u32, rows as u32);
    let mut grid = vec![false; (cols * rows) as usize];
    let index =
        |v: f64, pitch: f64, limit: u32| (v / pitch).round().clamp(0.0, f64::from(limit)) as u32;
    for fill in fills {
        let r = fill.rect;
        if r.x1 <= bounds.x0 || r.x0 >= bounds.x1 || r.y1 <= bounds.y0 || r.y0 >= bounds.y1 {
            continue;
        }
        let (c0, c1) = (
            index(r.x0 - bounds.x0, pitch_x, cols),
            index(r.x1 - bounds.x0, pitch_x, cols),
        );
        // User space is y up: the top row is at the bounds' top edge.
        let (r0, r1) = (
            index(bounds.y1 - r.y1, pitch_y, rows),
            index(bounds.y1 - r.y0, pitch_y, rows),
        );
        for row in r0..r1 {
            for col in c0..c1 {
                grid[(row * cols + col) as usize] = fill.dark;
            }
        }
    }
    let side = |n: u32| (n + 2 * QUIET_MODULES) * PX_PER_MODULE;
    Some(GrayImage::from_fn(side(cols), side(rows), |x, y| {
        let (col, row) = (x / PX_PER_MODULE, y / PX_PER_MODULE);
        let dark = col
            .checked_sub(QUIET_MODULES)
            .zip(row.checked_sub(QUIET_MODULES))
            .filter(|(c, r)| *c < cols && *r < rows)
            .is_some_and(|(c, r)| grid[(r * cols + c) as usize]);
        Luma([if dark { 0 } else { 255 }])
    }))
}

/// Union–find over indices, with path halving.
struct DisjointSets(Vec<usize>);

impl DisjointSets {
    fn new(n: usize) -> Self {
        DisjointSets((0..n).collect())
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        self.0[a] = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fills a generator draws for `text`: one square per dark module, or one
    /// rectangle per horizontal run, at `module` units a module, origin `(x, y)` (y up).
    pub(crate) fn qr_fills(text: &str, x: f64, y: f64, module: f64, runs: bool) -> Vec<Fill> {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let width = code.width();
        let colors = code.to_colors();
        let mut fills = Vec::new();
        for row in 0..width {
            let top = y + (width - row) as f64 * module;
            let mut col = 0;
            while col < width {
                if colors[row * width + col] == qrcode::Color::Light {
                    col += 1;
                    continue;
                }
                let start = col;
                col += 1;
                while runs && col < width && colors[row * width + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let left = x + start as f64 * module;
                fills.push(Fill {
                    rect: Rect::spanning(
                        left,
                        top - module,
                        left + (col - start) as f64 * module,
                        top,
                    ),
                    dark: true,
                });
            }
        }
        fills
    }

    const PAYLOAD: &str = "01,32,,25417000000256819006,27.33,20251108,,DB92";

    #[test]
    fn squares_and_row_runs_both_decode() {
        for runs in [false, true] {
            let mut fills = vec![Fill {
                rect: Rect::spanning(0.0, 0.0, 600.0, 800.0),
                dark: false,
            }];
            fills.extend(qr_fills(PAYLOAD, 430.5, 700.25, 1.73, runs));
            assert_eq!(decode_fills(&fills), [PAYLOAD], "runs: {runs}");
        }
    }

    #[test]
    fn unrelated_dark_boxes_do_not_hide_the_code() {
        let mut fills = qr_fills(PAYLOAD, 100.0, 100.0, 2.0, true);
        // A table's dark header cells, far from the code, of another size.
        for i in 0..40 {
            let x = 300.0 + f64::from(i) * 7.0;
            fills.push(Fill {
                rect: Rect::spanning(x, 500.0, x + 5.0, 505.0),
                dark: true,
            });
        }
        assert_eq!(decode_fills(&fills), [PAYLOAD]);
    }

    #[test]
    fn noise_is_bounded_and_decodes_nothing() {
        let squares: Vec<Fill> = (0..(MAX_CANDIDATES + 10))
            .map(|i| {
                let x = (i % 200) as f64 * 2.0;
                let y = (i / 200) as f64 * 2.0;
                Fill {
                    rect: Rect::spanning(x, y, x + 1.0, y + 1.0),
                    dark: true,
                }
            })
            .collect();
        assert!(decode_fills(&squares).is_empty());
        assert!(decode_fills(&squares[..500]).is_empty());
        assert!(decode_fills(&[]).is_empty());
        // One column of touching squares: every pair is within reach of the sweep.
        let column: Vec<Rect> = (0..MAX_CANDIDATES)
            .map(|i| Rect::spanning(0.0, i as f64, 1.0, i as f64 + 1.0))
            .collect();
        assert_eq!(groups(&column, 1.0), None, "the sweep gives up");
        assert!(groups(&column[..100], 1.0).is_some());
    }
}
