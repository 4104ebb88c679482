//! Tests of the generated Markdown docs: the checked-in `generated/` is current, the index
//! agrees with the IR, an edit to one spec text changes only the lines about it, and hostile
//! prose cannot break a page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fapiao_codegen::catalog::{ERROR_KINDS, LIST_TARGETS, TARGETS};
use fapiao_codegen::docs::{self, COMMAND, MAPPED, NONE, Page};
use fapiao_codegen::emit::mapping_rows;
use fapiao_codegen::ir::{ApiIr, Ir};
use fapiao_codegen::{Builder, spec_files};

fn workspace() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// The IR of a specs directory, with spec paths shown as `specs/…` as the CLI shows them.
fn ir_of(specs: &Path) -> Ir {
    Builder::new(specs)
        .manifest_dir(workspace())
        .display_prefix("specs")
        .check()
        .unwrap_or_else(|f| panic!("{f}"))
        .ir
}

fn render(ir: &Ir) -> BTreeMap<String, String> {
    docs::render(ir)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|Page { path, text }| (path, text))
        .collect()
}

/// Every file under `dir`, by `/`-separated path relative to it.
fn files_under(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if let (Ok(rel), Ok(text)) =
                (path.strip_prefix(dir), std::fs::read_to_string(&path))
            {
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(rel, text);
            }
        }
    }
    out
}

#[test]
fn checked_in_docs_are_current() {
    let ir = ir_of(&workspace().join("specs"));
    let fresh = tempfile::tempdir().expect("temp dir");
    let written = docs::write(&ir, fresh.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written.written.len(), ir.apis.len() + 1);
    let expected = files_under(fresh.path());
    let checked_in: BTreeMap<String, String> = files_under(&workspace().join("generated"))
        .into_iter()
        .filter(|(path, _)| path == docs::INDEX_FILE || path.starts_with("apis/"))
        .collect();
    let mut stale: Vec<String> = expected
        .iter()
        .filter(|(path, text)| checked_in.get(*path) != Some(*text))
        .map(|(path, _)| format!("generated/{path} differs or is missing"))
        .collect();
    stale.extend(
        checked_in
            .keys()
            .filter(|path| !expected.contains_key(*path))
            .map(|path| format!("generated/{path} belongs to no spec")),
    );
    assert!(
        stale.is_empty(),
        "the docs in generated/ are stale:\n  {}\nregenerate them with `{COMMAND}` and commit the result",
        stale.join("\n  ")
    );
}

#[test]
fn rendering_is_deterministic_and_a_second_write_changes_nothing() {
    let ir = ir_of(&workspace().join("specs"));
    assert_eq!(render(&ir), render(&ir));
    let out = tempfile::tempdir().expect("temp dir");
    docs::write(&ir, out.path()).unwrap_or_else(|e| panic!("{e}"));
    let stale_page = out.path().join("apis/gone.vendor_api.md");
    std::fs::write(&stale_page, "old").expect("write");
    let again = docs::write(&ir, out.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(again.written.is_empty(), "{:?}", again.written);
    assert_eq!(again.removed, vec![stale_page]);
    for text in render(&ir).values() {
        assert!(!text.contains(&*workspace().to_string_lossy()));
    }
}

/// The rows of the Markdown table that follows `heading`, each split into trimmed cells.
fn table_after(page: &str, heading: &str) -> Vec<Vec<String>> {
    page.lines()
        .skip_while(|l| *l != heading)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// The API id in a column header: the code span of its link.
fn header_id(cell: &str) -> &str {
    cell.split('`').nth(1).unwrap_or(cell)
}

fn unquote(cell: &str) -> &str {
    cell.trim_matches('`')
}

fn mapped_targets(api: &ApiIr) -> Vec<String> {
    mapping_rows(api)
        .into_iter()
        .map(|(_, t, _, _)| t)
        .collect()
}

#[test]
fn index_lists_every_spec_and_its_matrices_agree_with_the_mapping_rows() {
    let specs = workspace().join("specs");
    let ir = ir_of(&specs);
    assert_eq!(
        ir.apis.len(),
        spec_files(&specs).expect("specs dir").len(),
        "one API per spec file"
    );
    let pages = render(&ir);
    let index = &pages[docs::INDEX_FILE];
    for api in &ir.apis {
        let row = format!("| [`{0}`](apis/{0}.md) |", api.id);
        assert!(
            index.lines().any(|l| l.starts_with(&row)),
            "{} missing from the index",
            api.id
        );
    }

    let coverage = table_after(index, "## Field coverage");
    let ids: Vec<&str> = coverage[0][1..].iter().map(|c| header_id(c)).collect();
    let api_ids: Vec<&str> = ir.apis.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, api_ids);
    let fields: Vec<String> = coverage[2..]
        .iter()
        .map(|r| unquote(&r[0]).to_owned())
        .collect();
    let mut unified: Vec<String> = TARGETS.iter().map(|t| t.id.to_owned()).collect();
    for (list, _, elements) in LIST_TARGETS {
        unified.extend(elements.iter().map(|e| format!("{list}[].{}", e.id)));
    }
    assert_eq!(fields, unified);
    for (api, column) in ir.apis.iter().zip(1..) {
        let mapped = mapped_targets(api);
        let page = &pages[&format!("apis/{}.md", api.id)];
        for row in &coverage[2..] {
            let field = unquote(&row[0]);
            let expected = if mapped.iter().any(|t| t == field) {
                MAPPED
            } else {
                NONE
            };
            assert_eq!(row[column], expected, "{} × {field}", api.id);
            let on_page = page.lines().any(|l| l.contains(&format!("| `{field}` | ")));
            assert_eq!(
                on_page,
                expected == MAPPED,
                "{}'s mapping table and the matrix disagree on {field}",
                api.id
            );
        }
    }

    let kinds = table_after(index, "## Error kinds");
    assert_eq!(kinds.len(), ERROR_KINDS.len() + 2);
    for row in &kinds[2..] {
        let kind = unquote(&row[0]);
        for (api, column) in ir.apis.iter().zip(1..) {
            let count = api.errors.iter().filter(|e| e.kind == kind).count();
            let expected = if count == 0 {
                NONE.to_owned()
            } else {
                count.to_string()
            };
            assert_eq!(row[column], expected, "{} × {kind}", api.id);
        }
    }
}

/// Copies the spec files and their examples into a fresh folder.
fn copy_specs(to: &Path) {
    let from = workspace().join("specs");
    for (rel, text) in files_under(&from) {
        let path = to.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("copy");
    }
}

/// Lines that differ between two renders: (page, before, after).
fn changed_lines(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<(String, String, String)> {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let mut out = Vec::new();
    for (path, old) in before {
        let new = &after[path];
        assert_eq!(old.lines().count(), new.lines().count(), "{path}");
        for (a, b) in old.lines().zip(new.lines()) {
            if a != b {
                out.push((path.clone(), a.to_owned(), b.to_owned()));
            }
        }
    }
    out
}

/// A field doc to edit: (API, wire name, English doc) of the first response-type field or
/// request field whose English doc appears exactly once in its spec file.
fn editable_field(ir: &Ir, specs: &Path, in_types: bool) -> (String, String, String) {
    for api in &ir.apis {
        let file = specs.join(
            Path::new(&api.spec_path)
                .file_name()
                .expect("spec file name"),
        );
        let text = std::fs::read_to_string(&file).expect("spec");
        let fields: Vec<(&str, &str)> = if in_types {
            api.types
                .iter()
                .flat_map(|t| &t.fields)
                .map(|f| (f.wire.as_str(), f.doc.en.as_str()))
                .collect()
        } else {
            api.request
                .iter()
                .map(|f| (f.wire.as_str(), f.doc.en.as_str()))
                .collect()
        };
        if let Some((wire, en)) = fields
            .into_iter()
            .find(|(_, en)| en.len() > 3 && text.matches(en).count() == 1)
        {
            return (api.id.clone(), wire.to_owned(), en.to_owned());
        }
    }
    panic!("no field with a unique English doc in the specs");
}

fn assert_one_field_edit_changes_one_line(in_types: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_specs(dir.path());
    let before_ir = ir_of(dir.path());
    let (api_id, wire, en) = editable_field(&before_ir, dir.path(), in_types);
    let before = render(&before_ir);

    let spec_name = Path::new(&before_ir.api(&api_id).expect("api").spec_path)
        .file_name()
        .expect("spec file name")
        .to_owned();
    let spec = dir.path().join(spec_name);
    let edited_en = format!("{en} Edited | with a pipe");
    let text = std::fs::read_to_string(&spec).expect("spec");
    std::fs::write(&spec, text.replacen(&en, &edited_en, 1)).expect("edit spec");
    let after = render(&ir_of(dir.path()));

    let changes = changed_lines(&before, &after);
    assert_eq!(changes.len(), 1, "{api_id}.{wire}: {changes:#?}");
    let (page, old, new) = &changes[0];
    assert_eq!(page, &format!("apis/{api_id}.md"));
    let row = format!("| {} |", docs::markdown::code(&wire));
    assert!(old.starts_with(&row) && new.starts_with(&row), "{new}");
    assert!(old.contains(&docs::markdown::cell(&en)), "{old}");
    assert!(new.contains(&docs::markdown::cell(&edited_en)), "{new}");
}

#[test]
fn editing_a_response_field_doc_changes_only_that_fields_row() {
    assert_one_field_edit_changes_one_line(true);
}

#[test]
fn editing_a_request_field_doc_changes_only_that_fields_row() {
    assert_one_field_edit_changes_one_line(false);
}

const HOSTILE: &str = r##"
api: hostile.prose
vendor: { id: hostile, zh: "敌意 | 供应商", en: "Vendor <script>alert(1)</script>" }
title: { zh: "标题\n```\n代码", en: "Title | with a pipe\n~~~\nfence" }
status: beta
endpoint: { method: POST, url: "https://127.0.0.1/ocr", body: json }
auth:
  scheme: icuapi
  credentials: { secret_id: HOSTILE_SECRET_ID, secret_key: HOSTILE_SECRET_KEY }
request:
  Image:
    type: string
    input: file_base64
    zh: "图片 | 内容"
    en: "```rust\nfn main() {}\n```\n    indented code\n<img src=x onerror=alert(1)>"
response:
  payload: data
  type: Result
  checks:
    - { name: api, code: code, message: msg, success: ["0"] }
types:
  Result:
    zh: "| a | b |\n|---|---|\n| c | d |"
    en: "# Heading\n<script>alert(2)</script>\n---"
    fields:
      text: { type: string, zh: "a | b", en: "[link](javascript:alert(3)) and `code` and ~~~" }
errors:
  "E|1": { en: "pipe | in message\n~~~\nfence", kind: other, rust_name: EPipe }
"##;

/// Unescaped pipes outside code spans would be column separators; this counts every `|` not
/// preceded by a backslash.
fn separators(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        if c == '|' && !escaped {
            count += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    count
}

#[test]
fn hostile_prose_cannot_break_a_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hostile.prose.yaml"), HOSTILE).expect("spec");
    let pages = render(&ir_of(dir.path()));
    for (path, page) in &pages {
        for bad in ["<script", "<img", "```", "~~~"] {
            assert!(!page.contains(bad), "{path} contains {bad}:\n{page}");
        }
        assert!(!page.lines().any(|l| l.starts_with("    ")), "{path}");
        assert!(
            !page
                .lines()
                .any(|l| l.starts_with('#') && l.contains("Heading")),
            "{path}"
        );
        let mut width = None;
        for line in page.lines() {
            if line.starts_with('|') {
                let w = separators(line);
                assert_eq!(*width.get_or_insert(w), w, "{path}: {line}");
            } else {
                width = None;
            }
        }
    }
    let page = &pages["apis/hostile.prose.md"];
    assert!(page.contains("| `E\\|1` | `EPipe` |"), "{page}");
    assert!(page.contains("pipe \\| in message<br>\\~\\~\\~<br>fence"));
    assert!(page.contains("\\[link\\](javascript:alert(3))"), "{page}");
}
