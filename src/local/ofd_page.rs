//! OFD pages as positioned text for the layout reader: every character of every
//! `TextObject` placed where GB/T 33190 puts it, and stroked path segments as rules.
//!
//! A character's origin is the object's `Boundary` corner plus its `CTM` applied to the
//! `TextCode`'s `X`/`Y` advanced by `DeltaX`/`DeltaY` (`g n d` repeats `d` n times); the em
//! is the object's `Size` scaled by the CTM. Some producers (re-saved files) give every
//! object a page-sized Boundary, so the CTM and TextCode positions carry the whole layout.
//! Units are millimetres, y growing downwards, as OFD draws.

use super::layout::{Page, Rect, TextBox};
use super::xml::Element;

/// Share of the em above the baseline, for a character's box.
const ASCENT: f64 = 0.88;
/// Most characters taken from one page; real invoices hold about a thousand.
const MAX_CHARS: usize = 50_000;

/// A page of an OFD document, read from its content (and its template's) elements.
pub(super) fn layout_page(contents: &[&Element], size: (f64, f64)) -> Page {
    let mut page = Page {
        width: size.0,
        height: size.1,
        ..Page::default()
    };
    let mut group = 0u32;
    for content in contents {
        for element in content.descendants() {
            match element.name.as_str() {
                "TextObject" if page.text.len() < MAX_CHARS => {
                    group = group.wrapping_add(1);
                    add_text(&mut page.text, element, group);
                }
                "PathObject" if element.attr("Stroke") != Some("false") => {
                    add_rules(&mut page.rules, element);
                }
                _ => {}
            }
        }
    }
    page
}

/// The page size from a `PhysicalBox` (`x y w h`), when there is one.
pub(super) fn physical_box(area: Option<&Element>) -> Option<(f64, f64)> {
    let text = area?.child_text("PhysicalBox")?;
    let numbers = numbers(text);
    match numbers.as_slice() {
        [_, _, w, h] if *w > 0.0 && *h > 0.0 => Some((*w, *h)),
        _ => None,
    }
}

/// An object's placement: Boundary origin plus CTM.
#[derive(Debug, Clone, Copy)]
struct Placement {
    origin: (f64, f64),
    ctm: [f64; 6],
}

impl Placement {
    fn of(element: &Element) -> Placement {
        let boundary = element.attr("Boundary").map(numbers).unwrap_or_default();
        let ctm = element
            .attr("CTM")
            .map(numbers)
            .and_then(|m| <[f64; 6]>::try_from(m).ok())
            .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        Placement {
            origin: (
                boundary.first().copied().unwrap_or(0.0),
                boundary.get(1).copied().unwrap_or(0.0),
            ),
            ctm,
        }
    }

    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.ctm;
        (
            self.origin.0 + a * x + c * y + e,
            self.origin.1 + b * x + d * y + f,
        )
    }

    /// How much a unit of object space grows on the page (vertically).
    fn scale(&self) -> f64 {
        self.ctm[2].hypot(self.ctm[3])
    }
}

fn add_text(out: &mut Vec<TextBox>, object: &Element, group: u32) {
    let place = Placement::of(object);
    let size = object
        .attr("Size")
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    let em = size * place.scale();
    let (mut x, mut y) = (0.0, 0.0);
    for code in object.children_named("TextCode") {
        x = code
            .attr("X")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(x);
        y = code
            .attr("Y")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(y);
        let dx = deltas(code.attr("DeltaX"));
        let dy = deltas(code.attr("DeltaY"));
        let chars: Vec<char> = code.text.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let step_x = dx.get(i).copied();
            let step_y = dy.get(i).copied().unwrap_or(0.0);
            let (px, py) = place.apply(x, y);
            let advance = step_x.unwrap_or(size) * place.scale();
            if !c.is_whitespace() && out.len() < MAX_CHARS {
                out.push(TextBox {
                    text: c.to_string(),
                    rect: Rect::spanning(
                        px,
                        py - em * ASCENT,
                        px + advance,
                        py + em * (1.0 - ASCENT),
                    ),
                    size: em,
                    group,
                    suspect: false,
                });
            }
            x += step_x.unwrap_or(if dy.is_empty() { size } else { 0.0 });
            y += step_y;
        }
    }
}

/// `DeltaX`/`DeltaY`: numbers, where `g n d` stands for `d` repeated `n` times.
fn deltas(spec: Option<&str>) -> Vec<f64> {
    let mut out = Vec::new();
    let mut words = spec.unwrap_or_default().split_whitespace();
    while let Some(word) = words.next() {
        if word == "g" {
            let count = words
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            let value = words
                .next()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            // A count is bounded by the characters it can apply to.
            out.extend(std::iter::repeat_n(value, count.min(MAX_CHARS)));
        } else if let Ok(value) = word.parse::<f64>() {
            out.push(value);
        }
        if out.len() >= MAX_CHARS {
            break;
        }
    }
    out
}

/// Horizontal and vertical segments (`M x y L x y …`) of a stroked path.
fn add_rules(out: &mut Vec<Rect>, path: &Element) {
    let place = Placement::of(path);
    let Some(data) = path.child_text("AbbreviatedData") else {
        return;
    };
    let half = path
        .attr("LineWidth")
        .and_then(|w| w.trim().parse::<f64>().ok())
        .map_or(0.1, |w| (w * place.scale() / 2.0).max(0.05));
    let mut words = data.split_whitespace();
    let mut at: Option<(f64, f64)> = None;
    while let Some(op) = words.next() {
        let mut point = || {
            let x = words.next()?.parse::<f64>().ok()?;
            let y = words.next()?.parse::<f64>().ok()?;
            Some(place.apply(x, y))
        };
        match op {
            "M" => at = point(),
            "L" => {
                let to = point();
                if let (Some((ax, ay)), Some((bx, by))) = (at, to) {
                    if (ay - by).abs() < 0.01 {
                        out.push(Rect::spanning(ax, ay - half, bx, by + half));
                    } else if (ax - bx).abs() < 0.01 {
                        out.push(Rect::spanning(ax - half, ay, bx + half, by));
                    }
                }
                at = to;
            }
            // Curves and arcs bound no cells; their operands are skipped with them.
            _ => at = None,
        }
    }
}

fn numbers(text: &str) -> Vec<f64> {
    text.split_whitespace()
        .filter_map(|n| n.parse::<f64>().ok())
        .filter(|n| n.is_finite())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::xml::parse;

    #[test]
    fn characters_are_placed_through_boundary_ctm_and_deltas() {
        let content = parse(
            br#"<Page><TextObject ID="1" Boundary="-10 -100 400 400" CTM="2 0 0 2 0 50" Size="1.5">
            <TextCode X="20" Y="30" DeltaX="g 2 1.5">AB C</TextCode></TextObject></Page>"#,
        )
        .unwrap();
        let page = layout_page(&[&content], (210.0, 140.0));
        let xs: Vec<(String, f64)> = page
            .text
            .iter()
            .map(|t| (t.text.clone(), t.rect.x0))
            .collect();
        // Origin (-10, -100) + CTM (2x, 2y + 50): A at 30, B 3 mm on, C after the space.
        assert_eq!(
            xs,
            [("A".into(), 30.0), ("B".into(), 33.0), ("C".into(), 39.0)]
        );
        assert!((page.text[0].rect.y1 - (10.0 + 3.0 * (1.0 - ASCENT))).abs() < 1e-9);
        assert_eq!(page.text[0].size, 3.0);
    }

    #[test]
    fn stroked_straight_segments_become_rules_and_curves_do_not() {
        let content = parse(
            br#"<Page><PathObject Boundary="10 20 100 50" LineWidth="0.2">
            <AbbreviatedData>M 0 0 L 50 0 L 50 30 B 1 2 3 4 5 6</AbbreviatedData></PathObject>
            <PathObject Boundary="0 0 1 1" Stroke="false"><AbbreviatedData>M 0 0 L 9 0</AbbreviatedData></PathObject></Page>"#,
        )
        .unwrap();
        let page = layout_page(&[&content], (210.0, 140.0));
        assert_eq!(page.rules.len(), 2);
        assert_eq!(page.rules[0], Rect::spanning(10.0, 19.9, 60.0, 20.1));
    }

    #[test]
    fn repeated_deltas_are_bounded() {
        assert_eq!(deltas(Some("1 g 3 2.5 x 4")), [1.0, 2.5, 2.5, 2.5, 4.0]);
        assert_eq!(deltas(Some("g 99999999999 1")).len(), MAX_CHARS);
    }
}
