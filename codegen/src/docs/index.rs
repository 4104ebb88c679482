//! The view of `README.md`: the list of APIs and the two matrices, laid out by
//! `index.md.tera`.

use serde::Serialize;

use super::APIS_DIR;
use super::markdown::{cell, code};
use super::page::page_file;
use crate::catalog::{ERROR_KINDS, LIST_TARGETS, TARGETS};
use crate::emit::{best, mapping_rows};
use crate::ir::{ApiIr, Ir};

/// A matrix cell for a unified field the API maps.
pub const MAPPED: &str = "✓";

/// A matrix cell for a unified field the API does not provide, or a kind it has no code of.
pub const NONE: &str = "—";

/// The index page.
#[derive(Debug, Serialize)]
pub(super) struct Index {
    apis: Vec<ApiRow>,
    columns: Vec<String>,
    coverage: Vec<MatrixRow>,
    error_kinds: Vec<MatrixRow>,
}

/// One API in the list.
#[derive(Debug, Serialize)]
struct ApiRow {
    link: String,
    vendor: String,
    title: String,
    status: String,
    scheme: String,
}

/// One row of a matrix: a label, then one cell per API.
#[derive(Debug, Serialize)]
struct MatrixRow {
    label: String,
    cells: Vec<String>,
}

/// Builds the index of every API in `ir`.
pub(super) fn index(ir: &Ir) -> Index {
    Index {
        apis: ir.apis.iter().map(api_row).collect(),
        columns: ir.apis.iter().map(|a| api_link(&a.id)).collect(),
        coverage: coverage(ir),
        error_kinds: error_kinds(ir),
    }
}

fn api_link(id: &str) -> String {
    format!("[{}]({APIS_DIR}/{})", code(id), page_file(id))
}

fn api_row(api: &ApiIr) -> ApiRow {
    ApiRow {
        link: api_link(&api.id),
        vendor: cell(best(&api.vendor_name)),
        title: cell(best(&api.title)),
        status: code(&api.status),
        scheme: api
            .auth
            .as_ref()
            .map_or_else(|| NONE.to_owned(), |a| code(&a.scheme)),
    }
}

/// Every unified field a mapping can fill, as mapping rows name them: the scalar targets,
/// then each list target's element fields as `list[].field`.
fn unified_fields() -> Vec<String> {
    let scalars = TARGETS.iter().map(|t| t.id.to_owned());
    let elements = LIST_TARGETS
        .iter()
        .flat_map(|(list, _, fields)| fields.iter().map(move |f| format!("{list}[].{}", f.id)));
    scalars.chain(elements).collect()
}

/// The unified fields an API maps (in any variant).
fn mapped_targets(api: &ApiIr) -> Vec<String> {
    mapping_rows(api)
        .into_iter()
        .map(|(_, t, _, _)| t)
        .collect()
}

fn coverage(ir: &Ir) -> Vec<MatrixRow> {
    let mapped: Vec<Vec<String>> = ir.apis.iter().map(mapped_targets).collect();
    unified_fields()
        .into_iter()
        .map(|field| MatrixRow {
            cells: mapped
                .iter()
                .map(|targets| {
                    if targets.contains(&field) {
                        MAPPED
                    } else {
                        NONE
                    }
                    .to_owned()
                })
                .collect(),
            label: code(&field),
        })
        .collect()
}

fn error_kinds(ir: &Ir) -> Vec<MatrixRow> {
    ERROR_KINDS
        .iter()
        .map(|(kind, _)| MatrixRow {
            label: code(kind),
            cells: ir
                .apis
                .iter()
                .map(
                    |api| match api.errors.iter().filter(|e| e.kind == *kind).count() {
                        0 => NONE.to_owned(),
                        n => n.to_string(),
                    },
                )
                .collect(),
        })
        .collect()
}
