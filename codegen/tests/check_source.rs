//! `check_source`: one spec checked from text, with the diagnostics a directory check gives.

use std::path::PathBuf;

fn workspace_specs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

#[test]
fn a_committed_spec_checks_from_text_like_from_its_directory() {
    let text = std::fs::read_to_string(workspace_specs().join("local.yaml")).unwrap();
    let ir = fapiao_codegen::check_source("local.yaml", &text).unwrap();
    assert_eq!(ir.apis.len(), 1);
    assert_eq!(ir.apis[0].id, "local");
}

#[test]
fn a_yaml_error_is_located_in_the_named_source() {
    let failure = fapiao_codegen::check_source("typo.yaml", "api: [unclosed").unwrap_err();
    let rendered = failure.to_string();
    assert_eq!(failure.diagnostics.len(), 1, "{rendered}");
    assert!(rendered.contains("typo.yaml:1:"), "{rendered}");
}

#[test]
fn validation_problems_are_all_reported() {
    let failure = fapiao_codegen::check_source("empty.yaml", "api: acme.ocr\n").unwrap_err();
    assert!(!failure.diagnostics.is_empty());
    assert!(failure.files_read.is_empty(), "{:?}", failure.files_read);
}

#[test]
fn a_yaml_error_beside_a_multibyte_character_renders() {
    // Found by fuzzing: the parser located the error at `受` with no length, and a one-byte
    // span ended inside the character, panicking the renderer.
    let failure = fapiao_codegen::check_source("cjk.yaml", "title: { zh: 受\u{1} }\n").unwrap_err();
    let rendered = failure.to_string();
    assert!(rendered.contains("cjk.yaml:1:"), "{rendered}");
    let span = &failure.diagnostics[0].primary.span;
    assert!(!span.is_empty());
    assert!(
        failure.sources.text(0).get(span.clone()).is_some(),
        "{span:?}"
    );
}
