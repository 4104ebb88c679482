//! The validated intermediate representation: every reference resolved, every Rust name
//! decided. The Rust and docs emitters read only this.

use std::path::PathBuf;

use crate::catalog::ValueType;

/// All APIs of a spec directory, sorted by id.
#[derive(Debug, Clone, Default)]
pub struct Ir {
    /// The APIs.
    pub apis: Vec<ApiIr>,
}

impl Ir {
    /// The API with this id.
    pub fn api(&self, id: &str) -> Option<&ApiIr> {
        self.apis.iter().find(|a| a.id == id)
    }
}

/// Chinese and English text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// One API.
#[derive(Debug, Clone)]
pub struct ApiIr {
    /// `<vendor>.<api>`.
    pub id: String,
    /// Vendor id.
    pub vendor_id: String,
    /// Vendor display name.
    pub vendor_name: Text,
    /// Title.
    pub title: Text,
    /// Docs URL.
    pub docs_url: Option<String>,
    /// Status id (`active`, …).
    pub status: String,
    /// Spec file path as given to the generator (for headers and docs).
    pub spec_path: String,
    /// Vendor module name.
    pub vendor_module: String,
    /// API module name.
    pub api_module: String,
    /// Marker type name.
    pub marker: String,
    /// HTTP endpoint (absent for local APIs).
    pub endpoint: Option<EndpointIr>,
    /// Auth (absent for local APIs).
    pub auth: Option<AuthIr>,
    /// Limits.
    pub limits: LimitsIr,
    /// Request fields.
    pub request: Vec<RequestFieldIr>,
    /// One-of groups, by wire name.
    pub one_of: Vec<Vec<String>>,
    /// Response envelope (absent for local APIs).
    pub response: Option<ResponseIr>,
    /// Types declared by this spec, in spec order.
    pub types: Vec<TypeIr>,
    /// Types imported from other specs: (vendor module, api module, rust names).
    pub imports: Vec<ImportIr>,
    /// Error codes (own, then imported groups).
    pub errors: Vec<ErrorIr>,
    /// Examples.
    pub examples: Vec<ExampleIr>,
    /// Mapping onto the unified model.
    pub mapping: Option<MappingIr>,
    /// Error codes for request problems by key, in
    /// [`EmulationSpec::labelled`](crate::spec::EmulationSpec::labelled) order.
    pub emulation: [(&'static str, Option<String>); 5],
    /// For local APIs: (unified field, source) pairs the backend fills.
    pub fills: Vec<(String, String)>,
}

impl ApiIr {
    /// A type visible in this API (own or imported), by wire name.
    pub fn type_named<'a>(&'a self, ir_types: &'a [TypeIr], wire: &str) -> Option<&'a TypeIr> {
        self.types
            .iter()
            .chain(ir_types.iter())
            .find(|t| t.wire_name == wire)
    }
}

/// Types reused from another spec.
#[derive(Debug, Clone)]
pub struct ImportIr {
    /// API id imported from.
    pub from: String,
    /// Its vendor module.
    pub vendor_module: String,
    /// Its API module.
    pub api_module: String,
    /// Rust names of the imported types.
    pub types: Vec<String>,
}

/// Endpoint.
#[derive(Debug, Clone)]
pub struct EndpointIr {
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Body encoding variant (`Json`, …).
    pub body: String,
    /// Body encoding id (`json`, …).
    pub body_id: String,
    /// Content type.
    pub content_type: String,
}

/// Auth.
#[derive(Debug, Clone)]
pub struct AuthIr {
    /// Scheme id.
    pub scheme: String,
    /// Parameters.
    pub params: Vec<(String, String)>,
    /// (credential, env var, secret).
    pub credentials: Vec<(String, String, bool)>,
    /// Regions.
    pub regions: Vec<String>,
    /// Default region.
    pub default_region: Option<String>,
    /// Failure codes by key, in [`AuthFailuresSpec::labelled`](crate::spec::AuthFailuresSpec::labelled) order.
    pub failures: [(&'static str, Option<String>); 4],
}

/// Limits.
#[derive(Debug, Clone, Default)]
pub struct LimitsIr {
    /// QPS.
    pub qps: Option<f64>,
    /// Max raw bytes.
    pub max_file_bytes: Option<u64>,
    /// Max base64 bytes.
    pub max_base64_bytes: Option<u64>,
    /// Max request bytes.
    pub max_request_bytes: Option<u64>,
    /// Min pixels.
    pub min_pixels: Option<u32>,
    /// Max pixels.
    pub max_pixels: Option<u32>,
    /// Formats: (id, variant).
    pub formats: Vec<(String, String)>,
    /// PDF pages.
    pub pdf_pages: u32,
}

/// Scalar types of request fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestType {
    /// String.
    String,
    /// i64.
    Int,
    /// f64.
    Float,
    /// bool.
    Bool,
    /// `Vec<u8>`.
    Bytes,
    /// `Vec<i64>`.
    IntList,
    /// `Vec<String>`.
    StringList,
}

/// One request field.
#[derive(Debug, Clone)]
pub struct RequestFieldIr {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Type.
    pub ty: RequestType,
    /// Type as written.
    pub ty_text: String,
    /// Location variant (`Body`, `Query`, `Header`, `RawBody`).
    pub location: String,
    /// Input: (id, variant, credential name).
    pub input: Option<(String, String, Option<String>)>,
    /// Required.
    pub required: bool,
    /// Vendor default.
    pub default: Option<String>,
    /// Fixed value.
    pub fixed: Option<String>,
    /// Docs.
    pub doc: Text,
}

/// Response envelope.
#[derive(Debug, Clone)]
pub struct ResponseIr {
    /// Payload path segments.
    pub payload: Vec<String>,
    /// Payload type wire name.
    pub payload_type: String,
    /// Payload is a JSON string.
    pub json_string: bool,
    /// Request id path.
    pub request_id: Option<Vec<String>>,
    /// The request id is a text or integer field of the payload object itself, which the
    /// decoder reads from the payload instead of from an envelope leaf of its own.
    pub request_id_in_payload: bool,
    /// The request id is a payload field typed `int` (Baidu's `log_id`), not text.
    pub request_id_int: bool,
    /// Request id header.
    pub request_id_header: Option<String>,
    /// Content type.
    pub content_type: String,
    /// Checks.
    pub checks: Vec<CheckIr>,
}

/// One error check.
#[derive(Debug, Clone)]
pub struct CheckIr {
    /// Name.
    pub name: String,
    /// Code path.
    pub code: Vec<String>,
    /// Message path.
    pub message: Option<Vec<String>>,
    /// Success codes.
    pub success: Vec<String>,
    /// Code is an integer on the wire.
    pub int_code: bool,
}

/// The type of a response field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// String.
    String,
    /// i64.
    Int,
    /// f64.
    Float,
    /// bool.
    Bool,
    /// Any JSON value.
    Json,
    /// A named type (wire name).
    Named(String),
    /// A list.
    List(Box<TypeRef>),
}

/// Geometry role of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Geometry {
    /// x, y (rust field names).
    Point([String; 2]),
    /// x, y, width, height.
    Rect([String; 4]),
    /// Four point-typed fields.
    Quad([String; 4]),
}

/// A named response type.
#[derive(Debug, Clone)]
pub struct TypeIr {
    /// Wire name.
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Docs.
    pub doc: Text,
    /// Geometry role.
    pub geometry: Option<Geometry>,
    /// Fields.
    pub fields: Vec<FieldIr>,
    /// Declared in (API id).
    pub owner: String,
}

impl TypeIr {
    /// The field with this wire name.
    pub fn field(&self, wire: &str) -> Option<&FieldIr> {
        self.fields.iter().find(|f| f.wire == wire)
    }
}

/// A field of a named type.
#[derive(Debug, Clone)]
pub struct FieldIr {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Type.
    pub ty: TypeRef,
    /// Type as written.
    pub ty_text: String,
    /// May be null.
    pub nullable: bool,
    /// Docs.
    pub doc: Text,
}

/// One error code.
#[derive(Debug, Clone)]
pub struct ErrorIr {
    /// Code.
    pub code: String,
    /// Variant.
    pub variant: String,
    /// Message.
    pub message: Text,
    /// Kind id.
    pub kind: String,
    /// Kind variant.
    pub kind_variant: String,
    /// Retryable.
    pub retryable: bool,
    /// Charged.
    pub charged: bool,
    /// Check name.
    pub check: String,
    /// HTTP status.
    pub http_status: u16,
    /// Group.
    pub group: Option<String>,
}

/// One example.
#[derive(Debug, Clone)]
pub struct ExampleIr {
    /// Name.
    pub name: String,
    /// File as resolved on disk.
    pub path: PathBuf,
    /// Path for `include_str!` in generated code.
    pub include_path: String,
    /// Path as written, relative to the specs directory.
    pub display_path: String,
    /// Position in the wire response.
    pub at: Vec<String>,
    /// Constructed.
    pub constructed: bool,
    /// Docs.
    pub doc: Text,
    /// The file's text.
    pub json: String,
}

/// One step of a resolved path: the Rust field and the field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Wire name.
    pub wire: String,
    /// Rust field.
    pub rust: String,
    /// Field type.
    pub ty: TypeRef,
}

/// A resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathIr {
    /// From the record (`/` prefix) rather than the current scope.
    pub from_record: bool,
    /// Steps.
    pub steps: Vec<Step>,
}

impl PathIr {
    /// Dotted wire form.
    pub fn dotted(&self) -> String {
        let body = self
            .steps
            .iter()
            .map(|s| s.wire.as_str())
            .collect::<Vec<_>>()
            .join(".");
        if self.from_record {
            format!("/{body}")
        } else {
            body
        }
    }

    /// Type at the end.
    pub fn leaf(&self) -> Option<&TypeRef> {
        self.steps.last().map(|s| &s.ty)
    }
}

/// A normalizer in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormIr {
    /// Runtime variant.
    pub variant: String,
    /// Name as written.
    pub name: String,
    /// Argument (table: the table's Rust const name).
    pub arg: Option<String>,
    /// Argument as written.
    pub arg_text: Option<String>,
}

/// A value source.
#[derive(Debug, Clone)]
pub enum SourceIr {
    /// A path.
    Path(PathIr),
    /// A label in the labels list.
    Label(String),
    /// A constant.
    Const(String),
    /// Concatenation.
    Join(Vec<SourceIr>, String),
    /// First non-empty.
    First(Vec<SourceIr>),
}

impl SourceIr {
    /// How the source reads in docs and provenance.
    pub fn describe(&self, labels_list: &str, labels_name: &str) -> String {
        match self {
            SourceIr::Path(p) => p.dotted(),
            SourceIr::Label(l) => format!("{labels_list}[{labels_name}={l}]"),
            SourceIr::Const(c) => format!("\"{c}\""),
            SourceIr::Join(parts, sep) => {
                let inner: Vec<String> = parts
                    .iter()
                    .map(|p| p.describe(labels_list, labels_name))
                    .collect();
                if sep.is_empty() {
                    format!("join({})", inner.join(", "))
                } else {
                    format!("join({}; sep {sep:?})", inner.join(", "))
                }
            }
            SourceIr::First(parts) => {
                let inner: Vec<String> = parts
                    .iter()
                    .map(|p| p.describe(labels_list, labels_name))
                    .collect();
                format!("first({})", inner.join(", "))
            }
        }
    }
}

/// A unified field and how it is filled.
#[derive(Debug, Clone)]
pub struct FieldMapIr {
    /// Target id.
    pub target: String,
    /// Target runtime variant.
    pub variant: String,
    /// Target type.
    pub ty: ValueType,
    /// Source.
    pub source: SourceIr,
    /// Normalizers.
    pub norms: Vec<NormIr>,
}

/// A list target.
#[derive(Debug, Clone)]
pub struct ListMapIr {
    /// Target id (`items`).
    pub target: String,
    /// Runtime enum of the element fields (`ItemTarget`).
    pub variant: String,
    /// How the elements are laid out in the payload.
    pub shape: ListShape,
    /// Element fields. For [`ListShape::Columns`] each field's source is its column's path.
    pub fields: Vec<FieldMapIr>,
}

/// How list elements are laid out.
#[derive(Debug, Clone)]
pub enum ListShape {
    /// An array of row objects.
    Rows {
        /// Array path.
        path: PathIr,
        /// Element type wire name.
        elem_type: String,
    },
    /// Parallel column arrays of `{row, value}` cells (Baidu's `CommodityName: [{row, word}]`),
    /// pivoted into rows by the row key.
    Columns {
        /// Rust name of the row-key field of a cell.
        row: String,
        /// Rust name of the value field of a cell.
        value: String,
        /// Wire name of the value field (for provenance).
        value_wire: String,
    },
}

/// Fields filled from one scope (a record, or a variant's struct).
#[derive(Debug, Clone, Default)]
pub struct ScopeMapIr {
    /// Scalar fields.
    pub fields: Vec<FieldMapIr>,
    /// List fields.
    pub lists: Vec<ListMapIr>,
}

/// The labels list.
#[derive(Debug, Clone)]
pub struct LabelsIr {
    /// List path from the record.
    pub list: PathIr,
    /// Element type wire name.
    pub elem_type: String,
    /// Name field (rust).
    pub name: String,
    /// Value field (rust).
    pub value: String,
    /// Polygon field (rust) and its type's wire name.
    pub polygon: Option<(String, String)>,
    /// Confidence field (rust).
    pub confidence: Option<String>,
    /// Wire names, for docs.
    pub wire_list: String,
    /// Wire name of the name field.
    pub wire_name: String,
}

/// One variant case.
#[derive(Debug, Clone)]
pub struct CaseIr {
    /// Member wire name.
    pub member: String,
    /// Member rust name.
    pub member_rust: String,
    /// Member type wire name.
    pub member_type: String,
    /// Kind variant of the runtime `InvoiceKind`.
    pub kind: String,
    /// Index into `rules`.
    pub rules: Option<usize>,
}

/// Variants.
#[derive(Debug, Clone)]
pub struct VariantsIr {
    /// Path (from the record) of the container.
    pub within: PathIr,
    /// Container type wire name.
    pub within_type: String,
    /// Cases.
    pub cases: Vec<CaseIr>,
}

/// A rule set.
#[derive(Debug, Clone)]
pub struct RuleIr {
    /// Name.
    pub name: String,
    /// Struct type it applies to.
    pub ty: String,
    /// Fields.
    pub scope: ScopeMapIr,
}

/// A code table.
#[derive(Debug, Clone)]
pub struct TableIr {
    /// Name.
    pub name: String,
    /// Rust const name.
    pub rust: String,
    /// Entries.
    pub entries: Vec<(String, String)>,
}

/// The mapping of one API.
#[derive(Debug, Clone)]
pub struct MappingIr {
    /// Path of the records array from the payload.
    pub records: Option<PathIr>,
    /// Record type wire name.
    pub record_type: String,
    /// Labels list.
    pub labels: Option<LabelsIr>,
    /// Record-level fields.
    pub scope: ScopeMapIr,
    /// Variants.
    pub variants: Option<VariantsIr>,
    /// Rule sets.
    pub rules: Vec<RuleIr>,
    /// Tables.
    pub tables: Vec<TableIr>,
    /// Another API whose mapping this one reuses (same payload type).
    pub reused_from: Option<String>,
}
