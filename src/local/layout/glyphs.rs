//! Text boxes → clean glyphs: one box per character, overprints and off-page copies
//! dropped, vertical side captions (购买方 / 销售方 / 密码区 / 备注) set apart.

use std::borrow::Cow;
use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use super::{Page, Rect};

/// One character on the page.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Glyph {
    /// The character(s) as the source decoded them, radicals folded (see [`fold_radicals`]).
    pub text: String,
    /// NFKC form used for matching labels (`：` → `:`, `（` → `(`, `￥` → `¥`).
    pub key: String,
    /// Where it is drawn.
    pub rect: Rect,
    /// Font size.
    pub size: f64,
    /// The source's drawing group (see [`super::TextBox::group`]).
    pub group: u32,
    /// See [`super::TextBox::suspect`].
    pub suspect: bool,
}

/// A vertical caption: single characters stacked in one column, naming a block.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Caption {
    /// The caption's words, e.g. `购买方信息`.
    pub text: String,
    /// The column the characters occupy.
    pub rect: Rect,
}

/// Characters that occur in [`CAPTIONS`].
const CAPTION_CHARS: &str = "购买方信息销售密码区备注其他";
/// Most caption-character glyphs searched for captions (a page has a few dozen).
const MAX_CAPTION_GLYPHS: usize = 2048;

/// Captions printed vertically down the side of a block.
const CAPTIONS: &[&str] = &[
    "购买方信息",
    "销售方信息",
    "购买方",
    "销售方",
    "密码区",
    "备注",
    "其他信息",
];

/// Splits every box into glyphs and cleans them up.
pub(super) fn page_glyphs(page: &Page) -> Vec<Glyph> {
    let mut glyphs: Vec<Glyph> = page.text.iter().flat_map(split_box).collect();
    glyphs.retain(|g| on_page(g, page));
    drop_overprints(&mut glyphs);
    glyphs
}

/// One glyph per character; a multi-character box shares its width out evenly (OCR lines
/// and sources that give only a run's box).
fn split_box(text_box: &super::TextBox) -> Vec<Glyph> {
    let chars: Vec<char> = text_box
        .text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let all: Vec<char> = text_box.text.chars().collect();
    let step = text_box.rect.width() / all.len() as f64;
    all.iter()
        .enumerate()
        .filter(|(_, c)| !c.is_whitespace())
        .map(|(i, c)| {
            let x0 = text_box.rect.x0 + step * i as f64;
            let text = fold_radicals(&c.to_string()).into_owned();
            Glyph {
                key: text.nfkc().collect(),
                text,
                rect: Rect {
                    x0,
                    x1: x0 + step,
                    ..text_box.rect
                },
                size: text_box.size,
                group: text_box.group,
                suspect: text_box.suspect,
            }
        })
        .collect()
}

/// Kangxi radicals (U+2F00–U+2FDF) and CJK radical supplements (U+2E80–U+2EFF) written
/// for ordinary ideographs (`电⼦` for `电子`) become the ideographs NFKC names; nothing else
/// is changed, so full-width punctuation in values survives.
pub(super) fn fold_radicals(text: &str) -> Cow<'_, str> {
    let is_radical = |c: char| ('\u{2E80}'..='\u{2FDF}').contains(&c);
    if !text.chars().any(is_radical) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .flat_map(|c| {
                if is_radical(c) {
                    c.to_string().nfkc().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect(),
    )
}

/// Producers copy a name far outside the page (a second 开票人 at y = 812 pt on a 397 pt
/// page); only what a reader sees counts.
fn on_page(glyph: &Glyph, page: &Page) -> bool {
    if page.width <= 0.0 || page.height <= 0.0 {
        return true;
    }
    let (cx, cy) = (glyph.rect.cx(), glyph.rect.cy());
    (0.0..=page.width).contains(&cx) && (0.0..=page.height).contains(&cy)
}

/// The same character drawn again within a fraction of an em (bold by overprint, shadow
/// and watermark layers: `发发发票票票`) is one glyph. Glyphs are bucketed on a grid of that
/// fraction, so the work stays linear whatever the page holds.
fn drop_overprints(glyphs: &mut Vec<Glyph>) {
    let mut seen: HashMap<(&str, i64, i64, i64), Vec<usize>> = HashMap::new();
    let mut keep = vec![true; glyphs.len()];
    for (i, glyph) in glyphs.iter().enumerate() {
        let cell = glyph.size.max(1.0) * 0.3;
        let size = (glyph.size * 4.0).round() as i64;
        let (qx, qy) = (
            (glyph.rect.x0 / cell).floor() as i64,
            (glyph.rect.y0 / cell).floor() as i64,
        );
        let twin = (qx - 1..=qx + 1).any(|x| {
            (qy - 1..=qy + 1).any(|y| {
                seen.get(&(glyph.text.as_str(), size, x, y))
                    .is_some_and(|found| {
                        found.iter().any(|&k| {
                            let other = &glyphs[k];
                            (other.rect.x0 - glyph.rect.x0).abs() <= cell
                                && (other.rect.y0 - glyph.rect.y0).abs() <= cell
                        })
                    })
            })
        });
        if twin {
            keep[i] = false;
        } else {
            seen.entry((glyph.text.as_str(), size, qx, qy))
                .or_default()
                .push(i);
        }
    }
    let mut index = 0;
    glyphs.retain(|_| {
        index += 1;
        keep[index - 1]
    });
}

/// Takes the vertical captions out of the glyphs and returns them.
///
/// A caption is a column of single characters, each below the previous within two line
/// heights, spelling one of [`CAPTIONS`]; the glyphs either side of it on a baseline
/// belong to different blocks, so leaving them in would glue values together.
pub(super) fn take_captions(glyphs: &mut Vec<Glyph>) -> Vec<Caption> {
    let mut captions = Vec::new();
    let mut used = vec![false; glyphs.len()];
    // Only glyphs that can be part of a caption are searched, and a bounded number of them.
    let candidates: Vec<usize> = (0..glyphs.len())
        .filter(|&i| {
            glyphs[i].key.chars().count() == 1 && CAPTION_CHARS.contains(glyphs[i].key.as_str())
        })
        .take(MAX_CAPTION_GLYPHS)
        .collect();
    for &start in &candidates {
        if used[start] {
            continue;
        }
        for word in CAPTIONS {
            if let Some(chain) = caption_chain(glyphs, &candidates, start, word, &used) {
                let rect = chain
                    .iter()
                    .fold(glyphs[chain[0]].rect, |r, &i| r.union(glyphs[i].rect));
                for &i in &chain {
                    used[i] = true;
                }
                captions.push(Caption {
                    text: (*word).to_owned(),
                    rect,
                });
                break;
            }
        }
    }
    let mut index = 0;
    glyphs.retain(|_| {
        index += 1;
        !used[index - 1]
    });
    captions
}

/// Indices of glyphs spelling `word` downwards from `start`, if they do.
fn caption_chain(
    glyphs: &[Glyph],
    candidates: &[usize],
    start: usize,
    word: &str,
    used: &[bool],
) -> Option<Vec<usize>> {
    let mut chars = word.chars();
    let first = chars.next()?;
    if glyphs[start].key != first.to_string() {
        return None;
    }
    let mut chain = vec![start];
    for c in chars {
        let last = &glyphs[*chain.last()?];
        let reach = last.size.max(1.0);
        let next = candidates.iter().map(|&i| (i, &glyphs[i])).find(|(i, g)| {
            !used[*i]
                && g.key == c.to_string()
                && (g.rect.cx() - last.rect.cx()).abs() < reach * 0.5
                && g.rect.y0 > last.rect.y0 + reach * 0.5
                && g.rect.y0 < last.rect.y0 + reach * 4.0
        })?;
        chain.push(next.0);
    }
    Some(chain)
}
