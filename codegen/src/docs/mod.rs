//! Markdown documentation rendered from the IR with tera: one page per API
//! (`apis/<api-id>.md`) and an index (`README.md`) with the field-coverage and error-kind
//! matrices. Pages and generated code come from the same IR, so they cannot drift apart.
//!
//! The views (modules `page` and `index`) turn the IR into Markdown-ready strings; the templates in
//! `codegen/templates/` only lay them out. Output is deterministic: APIs sorted by id, fields
//! and codes in spec order, no timestamps, no absolute paths.

mod index;
pub mod markdown;
mod page;

use std::path::{Path, PathBuf};

use tera::{Context, Tera};

use crate::ir::Ir;
use crate::write_if_changed;

pub use index::{MAPPED, NONE};

/// The command that regenerates the checked-in docs; pages and test failures name it.
pub const COMMAND: &str = "cargo run -p fapiao-codegen -- docs --out generated";

/// The index file, in the output folder.
pub const INDEX_FILE: &str = "README.md";

/// The folder of the API pages, in the output folder.
pub const APIS_DIR: &str = "apis";

const API_TEMPLATE: &str = "api.md";
const INDEX_TEMPLATE: &str = "index.md";

/// Why the docs could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A template failed to parse or render (a generator bug).
    #[error("cannot render {page}: {message}")]
    Render {
        /// The page or template.
        page: String,
        /// The template engine's message.
        message: String,
    },
    /// A page could not be written or a stale one removed.
    #[error("cannot update {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// One rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Path inside the output folder, `/`-separated (`apis/tencent.vat_invoice_ocr.md`).
    pub path: String,
    /// Markdown.
    pub text: String,
}

/// What [`write()`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Every file rendered.
    pub pages: Vec<PathBuf>,
    /// Files whose content changed.
    pub written: Vec<PathBuf>,
    /// Pages of APIs that no longer exist, removed.
    pub removed: Vec<PathBuf>,
}

/// Renders the index and one page per API, index first, pages sorted by API id.
pub fn render(ir: &Ir) -> Result<Vec<Page>, DocsError> {
    let tera = engine()?;
    let mut pages = vec![Page {
        path: INDEX_FILE.to_owned(),
        text: render_view(&tera, INDEX_TEMPLATE, INDEX_FILE, &index::index(ir))?,
    }];
    for api in &ir.apis {
        let path = format!("{APIS_DIR}/{}", page::page_file(&api.id));
        let text = render_view(&tera, API_TEMPLATE, &path, &page::page(api, ir))?;
        pages.push(Page { path, text });
    }
    Ok(pages)
}

/// Renders the docs into `out`, writing only files whose content changed and removing pages
/// in `out/apis/` of APIs that are gone. Nothing else in `out` is touched.
pub fn write(ir: &Ir, out: &Path) -> Result<Written, DocsError> {
    let mut result = Written::default();
    for page in render(ir)? {
        let path = out.join(&page.path);
        let changed = write_if_changed(&path, &page.text).map_err(|source| DocsError::Io {
            path: path.clone(),
            source,
        })?;
        if changed {
            result.written.push(path.clone());
        }
        result.pages.push(path);
    }
    result.removed = remove_stale(&out.join(APIS_DIR), &result.pages)?;
    Ok(result)
}

/// Removes `*.md` files in `dir` that are not among `keep`.
fn remove_stale(dir: &Path, keep: &[PathBuf]) -> Result<Vec<PathBuf>, DocsError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DocsError::Io { path, source }
    };
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut stale: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !keep.contains(p))
        .collect();
    stale.sort();
    for path in &stale {
        std::fs::remove_file(path).map_err(io(path))?;
    }
    Ok(stale)
}

/// The template engine with both templates; nothing is HTML-escaped (the views escape for
/// Markdown themselves).
fn engine() -> Result<Tera, DocsError> {
    let mut tera = Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    tera.add_raw_templates([
        (API_TEMPLATE, include_str!("../../templates/api.md.tera")),
        (
            INDEX_TEMPLATE,
            include_str!("../../templates/index.md.tera"),
        ),
    ])
    .map_err(|e| DocsError::Render {
        page: "templates".to_owned(),
        message: e.to_string(),
    })?;
    Ok(tera)
}

fn render_view(
    tera: &Tera,
    template: &str,
    page: &str,
    view: &impl serde::Serialize,
) -> Result<String, DocsError> {
    let mut context = Context::new();
    context.insert("command", COMMAND);
    context.insert("view", view);
    tera.render(template, &context)
        .map_err(|e| DocsError::Render {
            page: page.to_owned(),
            message: e.to_string(),
        })
}
