//! The view of one API's page: every value already Markdown, laid out by `api.md.tera`.

use serde::Serialize;

use super::markdown::{cell, code, fence, inline, paragraphs, yes_no};
use crate::emit::{api_type, mapping_rows};
use crate::ir::{
    ApiIr, AuthIr, CheckIr, EndpointIr, ErrorIr, ExampleIr, Geometry, Ir, LimitsIr, RequestFieldIr,
    ResponseIr, Text, TypeIr, TypeRef,
};

/// A label and its value.
#[derive(Debug, Serialize)]
pub(super) struct Fact {
    label: &'static str,
    value: String,
}

fn fact(label: &'static str, value: String) -> Fact {
    Fact { label, value }
}

/// Chinese and English prose, each as one table cell.
#[derive(Debug, Serialize)]
struct Doc {
    zh: String,
    en: String,
}

fn doc(t: &Text) -> Doc {
    Doc {
        zh: cell(&t.zh),
        en: cell(&t.en),
    }
}

/// Chinese and English prose as paragraphs.
fn prose(t: &Text) -> Doc {
    Doc {
        zh: paragraphs(&t.zh),
        en: paragraphs(&t.en),
    }
}

/// The page of one API.
#[derive(Debug, Serialize)]
pub(super) struct ApiPage {
    title: String,
    subtitle: String,
    facts: Vec<Fact>,
    endpoint: Option<Endpoint>,
    auth: Option<Auth>,
    limits: Vec<Fact>,
    request: Vec<RequestRow>,
    one_of: Vec<String>,
    response: Option<Response>,
    types: Vec<TypeSection>,
    imports: Vec<Import>,
    errors: Vec<ErrorRow>,
    emulation: Vec<Pair>,
    mapping: Option<Mapping>,
    examples: Vec<Example>,
}

/// Builds the view of `api`.
pub(super) fn page(api: &ApiIr, ir: &Ir) -> ApiPage {
    let best = crate::emit::best(&api.title);
    ApiPage {
        title: inline(best),
        subtitle: if best == api.title.zh {
            String::new()
        } else {
            inline(&api.title.zh)
        },
        facts: facts(api),
        endpoint: api.endpoint.as_ref().map(endpoint),
        auth: api.auth.as_ref().map(auth),
        limits: limits(&api.limits),
        request: api.request.iter().map(|f| request_row(f, api)).collect(),
        one_of: api
            .one_of
            .iter()
            .map(|g| g.iter().map(|w| code(w)).collect::<Vec<_>>().join(", "))
            .collect(),
        response: api.response.as_ref().map(|r| response(r, api, ir)),
        types: api.types.iter().map(|t| type_section(t, api, ir)).collect(),
        imports: imports(api, ir),
        errors: api.errors.iter().map(error_row).collect(),
        emulation: emulation(api),
        mapping: (api.mapping.is_some() || !api.fills.is_empty()).then(|| mapping(api)),
        examples: api.examples.iter().map(example).collect(),
    }
}

/// The page file of an API, relative to the `apis/` folder.
pub(super) fn page_file(api_id: &str) -> String {
    format!("{api_id}.md")
}

/// The anchor of a type's section.
fn type_anchor(rust_name: &str) -> String {
    format!(
        "type-{}",
        rust_name.trim_start_matches("r#").to_ascii_lowercase()
    )
}

fn facts(api: &ApiIr) -> Vec<Fact> {
    let vendor = format!(
        "{} ({})",
        [&api.vendor_name.zh, &api.vendor_name.en]
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(|n| cell(n))
            .collect::<Vec<_>>()
            .join(" / "),
        code(&api.vendor_id)
    );
    let mut out = vec![
        fact("API id", code(&api.id)),
        fact("Vendor", vendor),
        fact("Status", code(&api.status)),
    ];
    if let Some(url) = &api.docs_url {
        out.push(fact("Vendor documentation", cell(url)));
    }
    out.push(fact("Spec", code(&api.spec_path)));
    out.push(fact(
        "Rust module",
        code(&format!(
            "fapiao::apis::{}::{}",
            api.vendor_module.trim_start_matches("r#"),
            api.api_module.trim_start_matches("r#")
        )),
    ));
    out
}

/// The endpoint.
#[derive(Debug, Serialize)]
struct Endpoint {
    method: String,
    url: String,
    body: String,
    content_type: String,
}

fn endpoint(e: &EndpointIr) -> Endpoint {
    Endpoint {
        method: code(&e.method),
        url: code(&e.url),
        body: code(&e.body_id),
        content_type: code(&e.content_type),
    }
}

/// Authentication.
#[derive(Debug, Serialize)]
struct Auth {
    facts: Vec<Fact>,
    params: Vec<Pair>,
    credentials: Vec<Credential>,
    failures: Vec<Pair>,
}

/// A pair of Markdown values (a parameter and its value).
#[derive(Debug, Serialize)]
struct Pair {
    name: String,
    value: String,
}

/// A credential and where it is read from.
#[derive(Debug, Serialize)]
struct Credential {
    name: String,
    env: String,
    secret: String,
}

fn auth(a: &AuthIr) -> Auth {
    let mut facts = vec![fact("Scheme", code(&a.scheme))];
    if !a.regions.is_empty() {
        facts.push(fact("Regions", codes(&a.regions)));
    }
    if let Some(r) = &a.default_region {
        facts.push(fact("Default region", code(r)));
    }
    Auth {
        facts,
        params: a
            .params
            .iter()
            .map(|(name, value)| Pair {
                name: code(name),
                value: code(value),
            })
            .collect(),
        credentials: a
            .credentials
            .iter()
            .map(|(name, env, secret)| Credential {
                name: code(name),
                env: code(env),
                secret: yes_no(*secret),
            })
            .collect(),
        failures: labelled_codes(&a.failures),
    }
}

/// `(situation, vendor code)` pairs for the codes that are set.
fn labelled_codes(codes: &[(&str, Option<String>)]) -> Vec<Pair> {
    codes
        .iter()
        .filter_map(|(label, c)| {
            c.as_ref().map(|c| Pair {
                name: code(label),
                value: code(c),
            })
        })
        .collect()
}

fn emulation(api: &ApiIr) -> Vec<Pair> {
    labelled_codes(&api.emulation)
}

fn codes(items: &[String]) -> String {
    items.iter().map(|i| code(i)).collect::<Vec<_>>().join(", ")
}

/// A byte count, with its binary unit when it is a whole number of KiB or MiB.
fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{n} bytes ({} MiB)", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{n} bytes ({} KiB)", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

fn limits(l: &LimitsIr) -> Vec<Fact> {
    let mut out = Vec::new();
    if let Some(q) = l.qps {
        out.push(fact("Requests per second", q.to_string()));
    }
    let sizes = [
        ("Largest file", l.max_file_bytes),
        ("Largest file after base64", l.max_base64_bytes),
        ("Largest request body", l.max_request_bytes),
    ];
    for (label, value) in sizes {
        if let Some(n) = value {
            out.push(fact(label, bytes(n)));
        }
    }
    let pixels = [
        ("Smallest width and height", l.min_pixels),
        ("Largest width and height", l.max_pixels),
    ];
    for (label, value) in pixels {
        if let Some(n) = value {
            out.push(fact(label, format!("{n} px")));
        }
    }
    if !l.formats.is_empty() {
        let ids: Vec<String> = l.formats.iter().map(|(id, _)| id.clone()).collect();
        out.push(fact("Formats", codes(&ids)));
    }
    out.push(fact(
        "PDF pages per request",
        if l.pdf_pages == 0 {
            "no PDF".to_owned()
        } else {
            l.pdf_pages.to_string()
        },
    ));
    out
}

/// One request field.
#[derive(Debug, Serialize)]
struct RequestRow {
    wire: String,
    ty: String,
    location: String,
    input: String,
    required: String,
    default: String,
    fixed: String,
    doc: Doc,
}

fn request_row(f: &RequestFieldIr, api: &ApiIr) -> RequestRow {
    let input = match &f.input {
        Some((_, _, Some(cred))) => {
            let env = api
                .auth
                .as_ref()
                .and_then(|a| a.credentials.iter().find(|(c, _, _)| c == cred))
                .map(|(_, env, _)| format!(" from {}", code(env)))
                .unwrap_or_default();
            format!("{}{env}", code(&format!("credential({cred})")))
        }
        Some((id, _, None)) => code(id),
        None => String::new(),
    };
    RequestRow {
        wire: code(&f.wire),
        ty: code(&f.ty_text),
        location: code(&heck::ToSnakeCase::to_snake_case(f.location.as_str())),
        input,
        required: yes_no(f.required),
        default: f.default.as_deref().map(code).unwrap_or_default(),
        fixed: f.fixed.as_deref().map(code).unwrap_or_default(),
        doc: doc(&f.doc),
    }
}

/// The response envelope.
#[derive(Debug, Serialize)]
struct Response {
    facts: Vec<Fact>,
    checks: Vec<Check>,
}

/// One error-check layer.
#[derive(Debug, Serialize)]
struct Check {
    name: String,
    code: String,
    message: String,
    success: String,
    code_type: String,
}

fn response(r: &ResponseIr, api: &ApiIr, ir: &Ir) -> Response {
    let payload = if r.payload.is_empty() {
        "the whole body".to_owned()
    } else {
        code(&r.payload.join("."))
    };
    let request_id = match (&r.request_id, &r.request_id_header) {
        (Some(path), _) => code(&path.join(".")),
        (None, Some(header)) => format!("header {}", code(header)),
        (None, None) => "not returned".to_owned(),
    };
    let format = if r.json_string { "json_string" } else { "json" };
    Response {
        facts: vec![
            fact("Payload at", payload),
            fact(
                "Payload type",
                type_text(&TypeRef::Named(r.payload_type.clone()), api, ir),
            ),
            fact("Payload format", code(format)),
            fact("Request id", request_id),
            fact("Content type", code(&r.content_type)),
        ],
        checks: r.checks.iter().map(check).collect(),
    }
}

fn check(c: &CheckIr) -> Check {
    Check {
        name: code(&c.name),
        code: code(&c.code.join(".")),
        message: c
            .message
            .as_ref()
            .map(|m| code(&m.join(".")))
            .unwrap_or_default(),
        success: if c.success.is_empty() {
            "absent or empty".to_owned()
        } else {
            codes(&c.success)
        },
        code_type: code(if c.int_code { "int" } else { "string" }),
    }
}

/// A response field's type, named types linked to their section.
fn type_text(t: &TypeRef, api: &ApiIr, ir: &Ir) -> String {
    match t {
        TypeRef::String => code("string"),
        TypeRef::Int => code("int"),
        TypeRef::Float => code("float"),
        TypeRef::Bool => code("bool"),
        TypeRef::Json => code("json"),
        TypeRef::List(inner) => format!("list of {}", type_text(inner, api, ir)),
        TypeRef::Named(wire) => match api_type(api, ir, wire) {
            Some(ty) => type_link(ty, api),
            None => code(wire),
        },
    }
}

fn type_link(ty: &TypeIr, api: &ApiIr) -> String {
    let page = if ty.owner == api.id {
        String::new()
    } else {
        page_file(&ty.owner)
    };
    format!(
        "[{}]({page}#{})",
        code(&ty.wire_name),
        type_anchor(&ty.rust_name)
    )
}

/// A response type declared by this spec.
#[derive(Debug, Serialize)]
struct TypeSection {
    anchor: String,
    name: String,
    rust: String,
    doc: Doc,
    geometry: String,
    fields: Vec<FieldRow>,
}

/// One field of a response type.
#[derive(Debug, Serialize)]
struct FieldRow {
    wire: String,
    rust: String,
    ty: String,
    nullable: String,
    doc: Doc,
}

fn type_section(t: &TypeIr, api: &ApiIr, ir: &Ir) -> TypeSection {
    TypeSection {
        anchor: type_anchor(&t.rust_name),
        name: inline(&t.wire_name),
        rust: code(&t.rust_name),
        doc: prose(&t.doc),
        geometry: t.geometry.as_ref().map(geometry).unwrap_or_default(),
        fields: t
            .fields
            .iter()
            .map(|f| FieldRow {
                wire: code(&f.wire),
                rust: code(&f.rust),
                ty: type_text(&f.ty, api, ir),
                nullable: yes_no(f.nullable),
                doc: doc(&f.doc),
            })
            .collect(),
    }
}

/// What a geometry marks, naming its Rust fields.
fn geometry(g: &Geometry) -> String {
    let (what, fields): (&str, &[String]) = match g {
        Geometry::Point(f) => ("a point", f),
        Geometry::Rect(f) => ("a rectangle", f),
        Geometry::Quad(f) => ("a four-point polygon", f),
    };
    format!("Location: {what} ({}).", codes(fields))
}

/// Types reused from another API.
#[derive(Debug, Serialize)]
struct Import {
    from: String,
    types: String,
}

fn imports(api: &ApiIr, ir: &Ir) -> Vec<Import> {
    api.imports
        .iter()
        .filter(|i| !i.types.is_empty())
        .map(|i| {
            let owner = ir.api(&i.from);
            let links = i
                .types
                .iter()
                .map(|rust| {
                    owner
                        .and_then(|o| o.types.iter().find(|t| t.rust_name == *rust))
                        .map_or_else(|| code(rust), |t| type_link(t, api))
                })
                .collect::<Vec<_>>()
                .join(", ");
            Import {
                from: format!("[{}]({})", code(&i.from), page_file(&i.from)),
                types: links,
            }
        })
        .collect()
}

/// One error code.
#[derive(Debug, Serialize)]
struct ErrorRow {
    code: String,
    rust: String,
    kind: String,
    retryable: String,
    charged: String,
    http_status: String,
    check: String,
    group: String,
    doc: Doc,
}

fn error_row(e: &ErrorIr) -> ErrorRow {
    ErrorRow {
        code: code(&e.code),
        rust: code(&e.variant),
        kind: code(&e.kind),
        retryable: yes_no(e.retryable),
        charged: yes_no(e.charged),
        http_status: e.http_status.to_string(),
        check: code(&e.check),
        group: e.group.as_deref().map(code).unwrap_or_default(),
        doc: doc(&e.message),
    }
}

/// The mapping onto the unified model.
#[derive(Debug, Serialize)]
struct Mapping {
    reused_from: String,
    facts: Vec<Fact>,
    has_variants: bool,
    rows: Vec<MappingRow>,
    tables: Vec<Table>,
}

/// One unified field and its vendor source.
#[derive(Debug, Serialize)]
struct MappingRow {
    variant: String,
    target: String,
    source: String,
    normalize: String,
}

/// A code table.
#[derive(Debug, Serialize)]
struct Table {
    name: String,
    entries: Vec<Pair>,
}

fn mapping(api: &ApiIr) -> Mapping {
    let rows: Vec<MappingRow> = mapping_rows(api)
        .into_iter()
        .map(|(variant, target, source, normalize)| MappingRow {
            variant: if variant.is_empty() {
                String::new()
            } else {
                code(&variant)
            },
            target: code(&target),
            source: code(&source),
            normalize: if normalize.is_empty() {
                String::new()
            } else {
                code(&normalize)
            },
        })
        .collect();
    let Some(m) = &api.mapping else {
        return Mapping {
            reused_from: String::new(),
            facts: vec![fact(
                "Filled by",
                "the in-process backend (`fills:` in the spec)".to_owned(),
            )],
            has_variants: false,
            rows,
            tables: Vec::new(),
        };
    };
    let mut facts = Vec::new();
    if let Some(records) = &m.records {
        facts.push(fact("One invoice per element of", code(&records.dotted())));
    }
    if let Some(l) = &m.labels {
        facts.push(fact(
            "Labels",
            code(&format!("{}[{}=…]", l.wire_list, l.wire_name)),
        ));
    }
    if let Some(v) = &m.variants {
        facts.push(fact(
            "One variant set in",
            code(v.within.dotted().trim_start_matches('/')),
        ));
    }
    Mapping {
        reused_from: m
            .reused_from
            .as_ref()
            .map(|id| format!("[{}]({})", code(id), page_file(id)))
            .unwrap_or_default(),
        facts,
        has_variants: rows.iter().any(|r| !r.variant.is_empty()),
        rows,
        tables: m
            .tables
            .iter()
            .map(|t| Table {
                name: inline(&t.name),
                entries: t
                    .entries
                    .iter()
                    .map(|(k, v)| Pair {
                        name: code(k),
                        value: code(v),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// One example payload.
#[derive(Debug, Serialize)]
struct Example {
    name: String,
    doc: Doc,
    facts: Vec<Fact>,
    json: String,
}

fn example(e: &ExampleIr) -> Example {
    let mut facts = vec![fact("File", code(&e.display_path))];
    if !e.at.is_empty() {
        facts.push(fact("Sits at", code(&e.at.join("."))));
    }
    facts.push(fact(
        "Origin",
        if e.constructed {
            "constructed (no official example exists)"
        } else {
            "the vendor's documentation"
        }
        .to_owned(),
    ));
    Example {
        name: inline(&e.name),
        doc: prose(&e.doc),
        facts,
        json: fence("json", &e.json),
    }
}
