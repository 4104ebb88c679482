//! The closed vocabularies a spec may use: auth schemes, unified inputs, file formats, error
//! kinds, unified-model targets, normalizers and invoice kinds.
//!
//! The runtime crate owns the matching Rust items; generated code names them (e.g.
//! `::fapiao::mapping::Target::BuyerName`), so a mismatch fails to compile, and the runtime's
//! tests compare the id lists the generator emits with its own.

/// One authentication scheme: the credentials it needs and the parameters it takes.
pub struct Scheme {
    /// Id used in specs.
    pub id: &'static str,
    /// Credential names the scheme needs.
    pub credentials: &'static [&'static str],
    /// Optional credential names.
    pub optional_credentials: &'static [&'static str],
    /// Required parameters.
    pub required_params: &'static [&'static str],
    /// Optional parameters.
    pub optional_params: &'static [&'static str],
}

/// Every auth scheme the runtime implements.
pub const SCHEMES: &[Scheme] = &[
    Scheme {
        id: "tc3-hmac-sha256",
        credentials: &["secret_id", "secret_key"],
        optional_credentials: &["token"],
        required_params: &["service", "action", "version"],
        optional_params: &[],
    },
    Scheme {
        id: "tencent-image-sha1",
        credentials: &["app_id", "secret_id", "secret_key"],
        optional_credentials: &[],
        required_params: &[],
        optional_params: &["ttl_seconds"],
    },
    Scheme {
        id: "jdcloud2-hmac-sha256",
        credentials: &["access_key", "secret_key"],
        optional_credentials: &[],
        required_params: &[],
        optional_params: &["service", "region"],
    },
    Scheme {
        id: "icuapi",
        credentials: &["secret_id", "secret_key"],
        optional_credentials: &[],
        required_params: &[],
        optional_params: &[],
    },
    Scheme {
        id: "acs3-hmac-sha256",
        credentials: &["access_key_id", "access_key_secret"],
        optional_credentials: &["security_token"],
        required_params: &["action", "version"],
        optional_params: &[],
    },
    Scheme {
        id: "huawei-sdk-hmac-sha256",
        credentials: &["access_key", "secret_key", "project_id"],
        optional_credentials: &[],
        required_params: &[],
        optional_params: &[],
    },
    Scheme {
        id: "baidu-oauth",
        credentials: &["api_key", "secret_key"],
        optional_credentials: &[],
        required_params: &["token_url"],
        optional_params: &[],
    },
];

/// Looks a scheme up by id.
pub fn scheme(id: &str) -> Option<&'static Scheme> {
    SCHEMES.iter().find(|s| s.id == id)
}

/// Credential names that may appear as URL placeholders or request inputs without being
/// secrets (everything else a scheme needs is treated as a secret).
pub const NON_SECRET_CREDENTIALS: &[&str] = &[
    "secret_id",
    "app_id",
    "access_key",
    "access_key_id",
    "api_key",
    "project_id",
];

/// Unified inputs a request field may take (`input:`), and the Rust variant naming each.
pub const INPUTS: &[(&str, &str)] = &[
    ("file_base64", "FileBase64"),
    ("image_base64", "ImageBase64"),
    ("pdf_base64", "PdfBase64"),
    ("ofd_base64", "OfdBase64"),
    ("file_bytes", "FileBytes"),
    ("file_url", "FileUrl"),
    ("is_pdf", "IsPdf"),
    ("page", "Page"),
];

/// File formats (`limits.formats`), and the Rust variant naming each.
pub const FORMATS: &[(&str, &str)] = &[
    ("png", "Png"),
    ("jpeg", "Jpeg"),
    ("bmp", "Bmp"),
    ("tiff", "Tiff"),
    ("webp", "Webp"),
    ("gif", "Gif"),
    ("pdf", "Pdf"),
    ("ofd", "Ofd"),
    ("xml", "Xml"),
];

/// Unified error kinds (`errors.*.kind`), and the Rust variant naming each.
pub const ERROR_KINDS: &[(&str, &str)] = &[
    ("auth", "Auth"),
    ("signature_expired", "SignatureExpired"),
    ("permission", "Permission"),
    ("rate_limited", "RateLimited"),
    ("quota", "Quota"),
    ("billing", "Billing"),
    ("bad_input", "BadInput"),
    ("too_large", "TooLarge"),
    ("unsupported_format", "UnsupportedFormat"),
    ("image_quality", "ImageQuality"),
    ("download", "Download"),
    ("not_found", "NotFound"),
    ("internal", "Internal"),
    ("unavailable", "Unavailable"),
    ("timeout", "Timeout"),
    ("other", "Other"),
];

/// API statuses, and the Rust variant naming each.
pub const STATUSES: &[(&str, &str)] = &[
    ("active", "Active"),
    ("legacy", "Legacy"),
    ("beta", "Beta"),
    ("deprecated", "Deprecated"),
    ("local", "Local"),
];

/// Body encodings, and the Rust variant naming each.
pub const BODIES: &[(&str, &str)] = &[
    ("json", "Json"),
    ("raw", "Raw"),
    ("form", "Form"),
    ("multipart", "Multipart"),
    ("none", "None"),
];

/// The type of value a unified field holds; decides the default parser of a mapping chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    Text,
    /// Money (Decimal, two decimals as printed).
    Money,
    /// A decimal quantity or unit price.
    Decimal,
    /// A tax rate.
    Rate,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A yes/no mark.
    Flag,
    /// An invoice kind id.
    Kind,
}

impl ValueType {
    /// Name used in diagnostics and docs.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Money => "money",
            ValueType::Decimal => "decimal",
            ValueType::Rate => "rate",
            ValueType::Date => "date",
            ValueType::Time => "time",
            ValueType::Flag => "flag",
            ValueType::Kind => "kind",
        }
    }
}

/// A unified-model field a mapping may fill.
pub struct Target {
    /// Path as written in specs (`buyer.tax_id`).
    pub id: &'static str,
    /// Variant of the runtime `Target` (or `ItemTarget`/`FlightTarget`) enum.
    pub variant: &'static str,
    /// Value type.
    pub ty: ValueType,
}

macro_rules! targets {
    ($($id:literal => $variant:ident : $ty:ident),* $(,)?) => {
        &[$(Target { id: $id, variant: stringify!($variant), ty: ValueType::$ty }),*]
    };
}

/// Scalar fields of `Invoice`.
pub const TARGETS: &[Target] = targets! {
    "kind" => Kind: Kind,
    "title" => Title: Text,
    "code" => Code: Text,
    "number" => Number: Text,
    "date" => Date: Date,
    "check_code" => CheckCode: Text,
    "machine_code" => MachineCode: Text,
    "buyer.name" => BuyerName: Text,
    "buyer.tax_id" => BuyerTaxId: Text,
    "buyer.address_phone" => BuyerAddressPhone: Text,
    "buyer.bank_account" => BuyerBankAccount: Text,
    "seller.name" => SellerName: Text,
    "seller.tax_id" => SellerTaxId: Text,
    "seller.address_phone" => SellerAddressPhone: Text,
    "seller.bank_account" => SellerBankAccount: Text,
    "amount" => Amount: Money,
    "tax" => Tax: Money,
    "total" => Total: Money,
    "total_in_words" => TotalInWords: Text,
    "payee" => Payee: Text,
    "reviewer" => Reviewer: Text,
    "issuer" => Issuer: Text,
    "remark" => Remark: Text,
    "province" => Province: Text,
    "city" => City: Text,
    "seals.company" => SealCompany: Flag,
    "seals.company_text" => SealCompanyText: Text,
    "seals.supervision" => SealSupervision: Flag,
    "seals.supervision_text" => SealSupervisionText: Text,
    "cipher_text" => CipherText: Text,
    "qr_payload" => QrPayload: Text,
    "ticket.passenger" => Passenger: Text,
    "ticket.passenger_id" => PassengerId: Text,
    "ticket.train_number" => TrainNumber: Text,
    "ticket.departure" => Departure: Text,
    "ticket.arrival" => Arrival: Text,
    "ticket.travel_date" => TravelDate: Date,
    "ticket.time" => Time: Time,
    "ticket.seat_class" => SeatClass: Text,
    "ticket.seat_number" => SeatNumber: Text,
    "ticket.serial_number" => SerialNumber: Text,
    "ticket.entrance" => Entrance: Text,
    "ticket.exit" => Exit: Text,
    "ticket.license_plate" => LicensePlate: Text,
    "ticket.mileage" => Mileage: Text,
    "ticket.fuel_surcharge" => FuelSurcharge: Money,
    "ticket.airport_fee" => AirportFee: Money,
};

/// Fields of one line item (`items:` list target).
pub const ITEM_TARGETS: &[Target] = targets! {
    "name" => Name: Text,
    "spec" => Spec: Text,
    "unit" => Unit: Text,
    "quantity" => Quantity: Decimal,
    "unit_price" => UnitPrice: Decimal,
    "amount" => Amount: Money,
    "tax_rate" => TaxRate: Rate,
    "tax" => Tax: Money,
};

/// Fields of one flight segment (`ticket.flights:` list target).
pub const FLIGHT_TARGETS: &[Target] = targets! {
    "from" => From: Text,
    "to" => To: Text,
    "carrier" => Carrier: Text,
    "flight_number" => FlightNumber: Text,
    "seat_class" => SeatClass: Text,
    "date" => Date: Date,
    "time" => Time: Time,
};

/// List targets: their id, the runtime enum naming their element fields, and those fields.
pub const LIST_TARGETS: &[(&str, &str, &[Target])] = &[
    ("items", "ItemTarget", ITEM_TARGETS),
    ("ticket.flights", "FlightTarget", FLIGHT_TARGETS),
];

/// A normalizer: name, argument, input and output types.
pub struct Normalizer {
    /// Name used in specs.
    pub name: &'static str,
    /// Variant of the runtime `Norm` enum.
    pub variant: &'static str,
    /// Whether it takes a string argument.
    pub takes_arg: bool,
    /// Output type (every normalizer reads text).
    pub output: ValueType,
}

/// The closed normalizer library (documented in `specs/README.md`).
pub const NORMALIZERS: &[Normalizer] = &[
    Normalizer {
        name: "trim",
        variant: "Trim",
        takes_arg: false,
        output: ValueType::Text,
    },
    Normalizer {
        name: "strip_prefix",
        variant: "StripPrefix",
        takes_arg: true,
        output: ValueType::Text,
    },
    Normalizer {
        name: "strip_suffix",
        variant: "StripSuffix",
        takes_arg: true,
        output: ValueType::Text,
    },
    Normalizer {
        name: "digits",
        variant: "Digits",
        takes_arg: false,
        output: ValueType::Text,
    },
    Normalizer {
        name: "table",
        variant: "Table",
        takes_arg: true,
        output: ValueType::Text,
    },
    Normalizer {
        name: "money",
        variant: "Money",
        takes_arg: false,
        output: ValueType::Money,
    },
    Normalizer {
        name: "decimal",
        variant: "Decimal",
        takes_arg: false,
        output: ValueType::Decimal,
    },
    Normalizer {
        name: "rate",
        variant: "Rate",
        takes_arg: false,
        output: ValueType::Rate,
    },
    Normalizer {
        name: "date",
        variant: "Date",
        takes_arg: false,
        output: ValueType::Date,
    },
    Normalizer {
        name: "time",
        variant: "Time",
        takes_arg: false,
        output: ValueType::Time,
    },
    Normalizer {
        name: "flag",
        variant: "Flag",
        takes_arg: false,
        output: ValueType::Flag,
    },
    Normalizer {
        name: "title_kind",
        variant: "TitleKind",
        takes_arg: false,
        output: ValueType::Kind,
    },
    Normalizer {
        name: "amount_words",
        variant: "AmountWords",
        takes_arg: false,
        output: ValueType::Money,
    },
];

/// Looks a normalizer up by name.
pub fn normalizer(name: &str) -> Option<&'static Normalizer> {
    NORMALIZERS.iter().find(|n| n.name == name)
}

/// Invoice kind ids (the runtime's `InvoiceKind::id` values).
pub const KINDS: &[&str] = &[
    "unknown",
    "vat_special",
    "vat_general",
    "vat_electronic_special",
    "vat_electronic_general",
    "digital_special",
    "digital_general",
    "vat_roll",
    "vat_toll",
    "blockchain",
    "freight_vat_special",
    "vat_sales_list",
    "motor_vehicle_sale",
    "motor_vehicle_sale_electronic",
    "used_car_sale",
    "used_car_sale_electronic",
    "train_ticket",
    "digital_train_ticket",
    "air_itinerary",
    "digital_air_itinerary",
    "taxi_ticket",
    "quota_invoice",
    "machine_printed",
    "bus_ticket",
    "ship_ticket",
    "toll_invoice",
    "toll_summary",
    "non_tax_general",
    "non_tax_electronic",
    "medical_outpatient",
    "medical_inpatient",
    "tax_payment",
    "customs_payment",
    "customs_declaration",
    "bank_slip",
    "ride_hailing_itinerary",
    "overseas_invoice",
    "shopping_receipt",
    "sales_inventory",
    "other",
];

/// Looks a value up in a `(spec id, Rust variant)` table.
pub fn lookup(table: &'static [(&'static str, &'static str)], id: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == id).map(|(_, v)| *v)
}

/// The ids of a `(spec id, Rust variant)` table, for "expected one of" messages.
pub fn ids(table: &[(&str, &str)]) -> String {
    table.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}
