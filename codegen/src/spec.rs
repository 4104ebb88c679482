//! The spec file format: serde structs that mirror the YAML one to one.
//!
//! Every struct rejects unknown keys, duplicate keys are rejected by the YAML parser, and
//! every value a later check may complain about is [`Sp`]anned so the diagnostic can point
//! at it. Meaning is given to these structs by [`crate::validate`]; the reference for spec
//! authors is `specs/README.md`.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

/// A value with the location it was written at.
pub type Sp<T> = serde_saphyr::Spanned<T>;

/// A YAML mapping whose keys keep their locations, in file order.
#[derive(Debug, Clone)]
pub struct SpMap<V>(pub Vec<(Sp<String>, V)>);

impl<V> Default for SpMap<V> {
    fn default() -> Self {
        SpMap(Vec::new())
    }
}

impl<V> SpMap<V> {
    /// Entries in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&Sp<String>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The entry with this key.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k.value == key).map(|(_, v)| v)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpMap<V> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SpMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpMap<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Sp<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(SpMap(entries))
            }
        }

        d.deserialize_map(MapVisitor(PhantomData))
    }
}

/// One spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// API id, `<vendor>.<api>`.
    pub api: Sp<String>,
    /// Rust name of the API's marker type (default: the API part of the id in UpperCamelCase).
    pub rust_name: Option<Sp<String>>,
    /// The vendor.
    pub vendor: VendorSpec,
    /// Title.
    pub title: Doc,
    /// Official documentation URL.
    pub docs_url: Option<Sp<String>>,
    /// `active`, `legacy`, `beta`, `deprecated` or `local`.
    #[serde(default)]
    pub status: Option<Sp<String>>,
    /// HTTP endpoint (absent only for `status: local`).
    pub endpoint: Option<EndpointSpec>,
    /// Authentication (absent only for `status: local`).
    pub auth: Option<AuthSpec>,
    /// Input limits.
    #[serde(default)]
    pub limits: LimitsSpec,
    /// Types and error groups taken from other specs.
    #[serde(default)]
    pub imports: Vec<ImportSpec>,
    /// Request fields by wire name.
    #[serde(default)]
    pub request: SpMap<RequestFieldSpec>,
    /// Groups of request fields of which at least one must be set.
    #[serde(default)]
    pub one_of: Vec<Sp<Vec<Sp<String>>>>,
    /// Response envelope.
    pub response: Option<ResponseSpec>,
    /// Named response types.
    #[serde(default)]
    pub types: SpMap<TypeSpec>,
    /// Vendor error codes.
    #[serde(default)]
    pub errors: SpMap<ErrorSpec>,
    /// Example responses.
    #[serde(default)]
    pub examples: Vec<ExampleSpec>,
    /// Mapping onto the unified invoice model.
    pub mapping: Option<MappingSpec>,
    /// Vendor error codes for request problems, answered by the sandbox.
    #[serde(default)]
    pub emulation: EmulationSpec,
    /// For `status: local` APIs: the unified fields the in-process backend fills, with the
    /// source it reads them from (documentation and coverage only).
    #[serde(default)]
    pub fills: SpMap<Sp<String>>,
}

/// `emulation:` section: which of the vendor's codes answers each request problem.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmulationSpec {
    /// A required field or one-of group is missing.
    pub missing_field: Option<Sp<String>>,
    /// A field has the wrong type or an invalid value.
    pub invalid_value: Option<Sp<String>>,
    /// The file or request exceeds a size or pixel limit.
    pub too_large: Option<Sp<String>>,
    /// The file is not in an accepted format.
    pub unsupported_format: Option<Sp<String>>,
    /// The client exceeds the API's QPS.
    pub rate_limited: Option<Sp<String>>,
}

impl EmulationSpec {
    /// Each code with its key, in the one order the IR, the docs and the descriptor follow.
    pub fn labelled(&self) -> [(&'static str, &Option<Sp<String>>); 5] {
        [
            ("missing_field", &self.missing_field),
            ("invalid_value", &self.invalid_value),
            ("too_large", &self.too_large),
            ("unsupported_format", &self.unsupported_format),
            ("rate_limited", &self.rate_limited),
        ]
    }
}

/// Chinese and English text given inline (`zh:` / `en:` keys).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    /// Chinese.
    pub zh: Option<String>,
    /// English.
    pub en: Option<String>,
}

/// `vendor:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorSpec {
    /// Short id; must equal the part of `api` before the dot.
    pub id: Sp<String>,
    /// Chinese name.
    pub zh: Option<String>,
    /// English name.
    pub en: Option<String>,
}

/// `endpoint:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// HTTP method.
    pub method: Sp<String>,
    /// URL, with optional `{placeholders}`.
    pub url: Sp<String>,
    /// `json`, `raw`, `form`, `multipart` or `none`.
    pub body: Sp<String>,
    /// `Content-Type` to send (default per body encoding).
    pub content_type: Option<Sp<String>>,
}

/// `auth:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    /// Scheme id.
    pub scheme: Sp<String>,
    /// Scheme parameters.
    #[serde(default)]
    pub params: SpMap<Sp<String>>,
    /// Regions offered.
    #[serde(default)]
    pub regions: Vec<Sp<String>>,
    /// Region used when none is configured.
    pub default_region: Option<Sp<String>>,
    /// Credential name → environment variable.
    #[serde(default)]
    pub credentials: SpMap<Sp<String>>,
    /// Vendor error codes for authentication failures.
    #[serde(default)]
    pub failures: AuthFailuresSpec,
}

/// `auth.failures:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFailuresSpec {
    /// Code for a signature mismatch.
    pub bad_signature: Option<Sp<String>>,
    /// Code for an expired timestamp.
    pub expired: Option<Sp<String>>,
    /// Code for an unknown key id.
    pub unknown_key: Option<Sp<String>>,
    /// Code for missing or malformed auth data.
    pub missing: Option<Sp<String>>,
}

impl AuthFailuresSpec {
    /// Each code with its key, in the one order the IR, the docs and the descriptor follow.
    pub fn labelled(&self) -> [(&'static str, &Option<Sp<String>>); 4] {
        [
            ("bad_signature", &self.bad_signature),
            ("expired", &self.expired),
            ("unknown_key", &self.unknown_key),
            ("missing", &self.missing),
        ]
    }
}

/// `limits:` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    /// Requests per second.
    pub qps: Option<Sp<f64>>,
    /// Maximum raw file size in bytes.
    pub max_file_bytes: Option<Sp<u64>>,
    /// Maximum base64 size in bytes.
    pub max_base64_bytes: Option<Sp<u64>>,
    /// Maximum request body size in bytes.
    pub max_request_bytes: Option<Sp<u64>>,
    /// Pixel range.
    pub pixels: Option<PixelsSpec>,
    /// Accepted formats.
    #[serde(default)]
    pub formats: Vec<Sp<String>>,
    /// PDF pages per request (0 or absent: no PDF).
    pub pdf_pages: Option<Sp<u32>>,
}

/// `limits.pixels:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PixelsSpec {
    /// Minimum side.
    pub min: Option<Sp<u32>>,
    /// Maximum side.
    pub max: Option<Sp<u32>>,
}

/// One `imports:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSpec {
    /// API id of the spec imported from.
    pub from: Sp<String>,
    /// Type names to reuse.
    #[serde(default)]
    pub types: Vec<Sp<String>>,
    /// Error groups to reuse.
    #[serde(default)]
    pub error_groups: Vec<Sp<String>>,
}

/// One request field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFieldSpec {
    /// `string`, `int`, `float`, `bool`, `bytes`, `[int]`, `[string]`.
    #[serde(rename = "type")]
    pub ty: Sp<String>,
    /// Unified input that fills it.
    pub input: Option<Sp<String>>,
    /// `body` (default), `query`, `header`, `raw_body`.
    #[serde(rename = "in")]
    pub location: Option<Sp<String>>,
    /// The vendor requires it.
    #[serde(default)]
    pub required: bool,
    /// Vendor default (documentation only).
    pub default: Option<Sp<String>>,
    /// Value always sent.
    pub fixed: Option<Sp<String>>,
    /// Rust field name override.
    pub rust_name: Option<Sp<String>>,
    /// Chinese doc.
    pub zh: Option<String>,
    /// English doc.
    pub en: Option<String>,
}

/// `response:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// Dotted path of the payload (empty: the body).
    #[serde(default)]
    pub payload: Option<Sp<String>>,
    /// Payload type name.
    #[serde(rename = "type")]
    pub ty: Sp<String>,
    /// `json` (default) or `json_string`.
    pub format: Option<Sp<String>>,
    /// Dotted path of the request id.
    pub request_id: Option<Sp<String>>,
    /// Header carrying the request id.
    pub request_id_header: Option<Sp<String>>,
    /// Response content type (default `application/json`).
    pub content_type: Option<Sp<String>>,
    /// Error checks, outermost first.
    #[serde(default)]
    pub checks: Vec<CheckSpec>,
}

/// One error check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Layer name.
    pub name: Sp<String>,
    /// Dotted path of the code.
    pub code: Sp<String>,
    /// Dotted path of the message.
    pub message: Option<Sp<String>>,
    /// Success codes.
    #[serde(default)]
    pub success: Vec<Sp<String>>,
    /// `string` (default) or `int`.
    pub code_type: Option<Sp<String>>,
}

/// One named type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSpec {
    /// Rust name override.
    pub rust_name: Option<Sp<String>>,
    /// Chinese doc.
    pub zh: Option<String>,
    /// English doc.
    pub en: Option<String>,
    /// Geometry role, for provenance polygons.
    pub geometry: Option<GeometrySpec>,
    /// Fields by wire name.
    pub fields: SpMap<FieldSpec>,
}

/// `geometry:` of a type: which fields make a point, rectangle or quadrilateral.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeometrySpec {
    /// `[x, y]` field names.
    pub point: Option<Sp<Vec<Sp<String>>>>,
    /// `[x, y, width, height]` field names.
    pub rect: Option<Sp<Vec<Sp<String>>>>,
    /// `[left_top, right_top, right_bottom, left_bottom]` point-typed field names.
    pub quad: Option<Sp<Vec<Sp<String>>>>,
}

/// One field of a named type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Type expression.
    #[serde(rename = "type")]
    pub ty: Sp<String>,
    /// The vendor documents that it may be `null`.
    #[serde(default)]
    pub nullable: bool,
    /// Rust field name override.
    pub rust_name: Option<Sp<String>>,
    /// Chinese doc.
    pub zh: Option<String>,
    /// English doc.
    pub en: Option<String>,
}

/// One vendor error code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    /// Chinese message.
    pub zh: Option<String>,
    /// English message.
    pub en: Option<String>,
    /// Unified kind.
    pub kind: Sp<String>,
    /// Retrying may succeed.
    #[serde(default)]
    pub retryable: bool,
    /// The vendor bills the call.
    #[serde(default)]
    pub charged: bool,
    /// Check layer (default: the first).
    pub check: Option<Sp<String>>,
    /// HTTP status sent with it (default 200).
    pub http_status: Option<Sp<u16>>,
    /// Group name other specs can import.
    pub group: Option<Sp<String>>,
    /// Rust variant name override.
    pub rust_name: Option<Sp<String>>,
}

/// One example file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    /// Name, unique in the spec.
    pub name: Sp<String>,
    /// Path relative to the spec's directory.
    pub file: Sp<String>,
    /// Dotted path of the wire response where the document sits.
    #[serde(default)]
    pub at: Option<Sp<String>>,
    /// Built by us, not taken from the vendor.
    #[serde(default)]
    pub constructed: bool,
    /// Chinese doc.
    pub zh: Option<String>,
    /// English doc.
    pub en: Option<String>,
}

/// `mapping:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    /// Dotted path of the array of records (default: the payload is one record).
    pub records: Option<Sp<String>>,
    /// Per-variant rules.
    pub variants: Option<VariantsSpec>,
    /// A name/value list for `label:` sources.
    pub labels: Option<LabelsSpec>,
    /// Field sources for every record.
    #[serde(default)]
    pub fields: SpMap<Sp<SourceSpec>>,
    /// Named rule sets used by variants.
    #[serde(default)]
    pub rules: SpMap<RuleSpec>,
    /// Code tables for `table(name)`.
    #[serde(default)]
    pub tables: SpMap<SpMap<Sp<String>>>,
    /// Take the whole mapping from another spec with the same payload type.
    pub reuse: Option<Sp<String>>,
}

/// `mapping.variants:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantsSpec {
    /// Path (from the record) of the object whose one non-null member is the document.
    #[serde(rename = "in")]
    pub within: Sp<String>,
    /// Member name → case.
    pub cases: SpMap<CaseSpec>,
}

/// One variant case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// Invoice kind id.
    pub kind: Sp<String>,
    /// Rule set name.
    pub rules: Option<Sp<String>>,
}

/// `mapping.labels:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelsSpec {
    /// Path of the list.
    pub list: Sp<String>,
    /// Field holding the label.
    pub name: Sp<String>,
    /// Field holding the value.
    pub value: Sp<String>,
    /// Field holding a geometry-typed location.
    pub polygon: Option<Sp<String>>,
    /// Field holding a confidence in [0, 1].
    pub confidence: Option<Sp<String>>,
}

/// A named rule set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Field sources.
    pub fields: SpMap<Sp<SourceSpec>>,
}

/// Where a unified field's value comes from. Written either as a bare path string or as a
/// mapping with exactly one of `path`, `label`, `const`, `join`, `first`, `list`.
#[derive(Debug, Default)]
pub struct SourceSpec {
    /// Dotted path.
    pub path: Option<Sp<String>>,
    /// Label in the `labels` list.
    pub label: Option<Sp<String>>,
    /// Constant value.
    pub constant: Option<Sp<String>>,
    /// Sources whose values are concatenated.
    pub join: Option<Vec<Sp<SourceSpec>>>,
    /// Separator for `join`.
    pub sep: Option<String>,
    /// Sources tried in order; the first non-empty wins.
    pub first: Option<Vec<Sp<SourceSpec>>>,
    /// Normalizer chain.
    pub normalize: Vec<Sp<String>>,
    /// Path of an array, for list targets (`items`, `ticket.flights`).
    pub list: Option<Sp<String>>,
    /// Element field sources, for list targets.
    pub fields: Option<SpMap<Sp<SourceSpec>>>,
    /// Column paths by element field, for list targets laid out as parallel columns.
    pub columns: Option<SpMap<Sp<SourceSpec>>>,
    /// Row-key field of a column cell.
    pub row: Option<Sp<String>>,
    /// Value field of a column cell.
    pub value: Option<Sp<String>>,
}

/// The object form of [`SourceSpec`]; kept separate so serde checks its keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceObject {
    path: Option<Sp<String>>,
    label: Option<Sp<String>>,
    #[serde(rename = "const")]
    constant: Option<Sp<String>>,
    join: Option<Vec<Sp<SourceSpec>>>,
    sep: Option<String>,
    first: Option<Vec<Sp<SourceSpec>>>,
    #[serde(default)]
    normalize: Vec<Sp<String>>,
    list: Option<Sp<String>>,
    fields: Option<SpMap<Sp<SourceSpec>>>,
    columns: Option<SpMap<Sp<SourceSpec>>>,
    row: Option<Sp<String>>,
    value: Option<Sp<String>>,
}

impl<'de> Deserialize<'de> for SourceSpec {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SourceVisitor;

        impl<'de> Visitor<'de> for SourceVisitor {
            type Value = SourceSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path string or a source mapping")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<SourceSpec, E> {
                Ok(SourceSpec {
                    path: Some(Sp::new(
                        v.to_owned(),
                        serde_saphyr::Location::UNKNOWN,
                        serde_saphyr::Location::UNKNOWN,
                    )),
                    ..SourceSpec::default()
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SourceSpec, A::Error> {
                let o = SourceObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(SourceSpec {
                    path: o.path,
                    label: o.label,
                    constant: o.constant,
                    join: o.join,
                    sep: o.sep,
                    first: o.first,
                    normalize: o.normalize,
                    list: o.list,
                    fields: o.fields,
                    columns: o.columns,
                    row: o.row,
                    value: o.value,
                })
            }
        }

        d.deserialize_any(SourceVisitor)
    }
}
