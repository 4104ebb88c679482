//! Writes the seed corpora: `cargo run --example seeds` (from `fuzz/`) fills
//! `corpus/<target>/` with small, valid inputs built here or read from the repository's own
//! specs and spec examples. Existing files are overwritten; other corpus files are kept.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use fapiao::api::{Reply, registry};
use fapiao::domain::amount_words;
use image::{GrayImage, ImageFormat, Luma};
use rust_decimal::Decimal;

/// A QR payload of a legacy e-invoice (kind 10), used in several seeds.
const LEGACY_QR: &str = "01,10,044031900111,00123456,1000.00,20240105,12345678901234567890,A1B2,";
/// A QR payload of a 数电 invoice (kind 32, no code, 20-digit number).
const DIGITAL_QR: &str = "01,32,,24442000000012345678,113.00,20240301,,C3D4";

fn main() -> std::io::Result<()> {
    let fuzz_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = fuzz_dir.join("..");
    let corpus = fuzz_dir.join("corpus");
    let mut written = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join(name), bytes)?;
        written += 1;
        Ok(())
    };
    for (name, text) in spec_seeds(&repo)? {
        put("spec_check", &name, text.as_bytes())?;
    }
    let bodies = response_seeds(&repo)?;
    for (name, body) in &bodies {
        put("decode_responses", name, body)?;
    }
    for (name, json) in invoice_seeds(&bodies) {
        put("invoice_validate", &name, &json)?;
    }
    for (i, text) in qr_seeds().iter().enumerate() {
        put("qr_payload", &format!("seed-{i}"), text.as_bytes())?;
    }
    for (i, text) in amount_seeds().iter().enumerate() {
        put("amount_words", &format!("seed-{i}"), text.as_bytes())?;
    }
    for (i, text) in normalize_seeds().iter().enumerate() {
        put("normalize", &format!("seed-{i}"), text.as_bytes())?;
    }
    for (name, bytes) in file_seeds() {
        put("local_recognize", &name, &bytes)?;
        put("input_sniff", &name, &bytes)?;
    }
    for (name, parts) in ofd_seeds() {
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        put("local_ofd", &name, &fapiao_fuzz::join_parts(&refs))?;
        put("local_recognize", &name, &fapiao_fuzz::ofd_package(&refs))?;
    }
    println!("wrote {written} seeds under {}", corpus.display());
    Ok(())
}

/// The committed specs, plus a minimal spec written here.
fn spec_seeds(repo: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = vec![("minimal.yaml".to_owned(), MINIMAL_SPEC.to_owned())];
    for path in fapiao_codegen::spec_files(&repo.join("specs"))? {
        let name = file_name(&path);
        out.push((name, fs::read_to_string(&path)?));
    }
    Ok(out)
}

const MINIMAL_SPEC: &str = r#"api: demo.ocr
vendor: { id: demo, en: Demo }
title: { en: Demo OCR }
endpoint: { method: POST, url: "https://ocr.demo.example/v1", body: json }
auth:
  scheme: icuapi
  credentials: { secret_id: DEMO_ID, secret_key: DEMO_KEY }
request:
  ImageBase64: { type: string, input: image_base64 }
response:
  payload: data
  type: Payload
  checks:
    - { name: api, code: code, message: msg, success: ["0"] }
types:
  Payload:
    fields:
      Number: { type: string }
      Total: { type: string }
      Date: { type: string }
errors:
  "7": { en: Unreadable image, kind: image_quality }
mapping:
  fields:
    number: Number
    total: { from: Total, normalize: money }
    date: { from: Date, normalize: date }
"#;

/// Every spec example body (the vendors' documented replies), plus error envelopes and
/// degenerate JSON written here.
fn response_seeds(repo: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out: Vec<(String, Vec<u8>)> = [
        ("empty-object", "{}"),
        ("tencent-error", r#"{"Response":{"Error":{"Code":"FailedOperation.OcrFailed","Message":"no"},"RequestId":"r-1"}}"#),
        ("envelope-error", r#"{"code":500,"msg":"busy","data":null}"#),
        ("envelope-ok", r#"{"code":0,"msg":"ok","data":{"items":[]}}"#),
        ("not-json", "<html>502</html>"),
    ]
    .iter()
    .map(|(name, body)| ((*name).to_owned(), body.as_bytes().to_vec()))
    .collect();
    for dir in fs::read_dir(repo.join("specs/examples"))? {
        let dir = dir?.path();
        for file in fs::read_dir(&dir)? {
            let file = file?.path();
            let name = format!("{}.{}", file_name(&dir), file_name(&file));
            out.push((name, fs::read(&file)?));
        }
    }
    Ok(out)
}

/// The invoices every decoder makes of the response seeds, as JSON, plus an empty invoice
/// and one with a QR payload that disagrees with its fields.
fn invoice_seeds(bodies: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("empty".to_owned(), b"{}".to_vec()),
        (
            "qr-mismatch".to_owned(),
            format!(r#"{{"kind":"vat_electronic_normal","number":"99999999","total":"1.00","qr_payload":"{LEGACY_QR}"}}"#).into_bytes(),
        ),
    ];
    for (body_name, body) in bodies {
        for api in registry() {
            let Ok(Reply::Success { payload, .. }) = api.decode_invoices(body) else {
                continue;
            };
            for (i, invoice) in payload.iter().enumerate() {
                if let Ok(json) = serde_json::to_vec_pretty(invoice) {
                    let id = api.descriptor().id;
                    out.push((format!("{body_name}.{id}.{i}"), json));
                }
            }
        }
    }
    out
}

fn qr_seeds() -> Vec<String> {
    [
        LEGACY_QR,
        DIGITAL_QR,
        "01,04,3200183130,12345678,88.50,20190830,12345678901234567890,",
        "01,01,3100204130,87654321,1,20201231,,abcd",
        "\u{feff} 01,20,,00000001,-5.00,20220101,, \n",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// 大写 amounts written by `amount_words::format`, plus the variants the parser tolerates.
fn amount_seeds() -> Vec<String> {
    let mut out: Vec<String> = [0, 2, 1070, 8990, 31800, 1_060_000, 10_000_000_00, -1234]
        .iter()
        .filter_map(|&fen| amount_words::format(Decimal::new(fen, 2)).ok())
        .collect();
    out.extend(
        [
            "⊗壹仟陆佰捌拾元叁角贰分",
            "人民币贰拾圆正",
            "负伍角",
            "貳萬參仟圓整",
            "壹亿零壹圆整",
        ]
        .map(str::to_owned),
    );
    out
}

fn normalize_seeds() -> Vec<String> {
    [
        "¥87.28",
        "￥-12.00",
        "1,234.50元",
        "***",
        "８７．２８",
        "13%",
        "免税",
        "0.06",
        "2024年01月05日",
        "2024-01-05",
        "20240105",
        "18:51",
        "１８：５１：０２",
        "是",
        "false",
        "壹佰圆整",
        "No.12345678",
        " 12 ",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Each format's magic bytes alone, tiny real PNG/JPEG images (one holding an invoice QR),
/// a small PDF with a text layer, and minimal BMP/GIF/TIFF/WebP headers.
fn file_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = [
        ("magic.png", b"\x89PNG\r\n\x1a\n".to_vec()),
        ("magic.jpeg", vec![0xFF, 0xD8, 0xFF, 0xE0]),
        ("magic.pdf", b"%PDF-1.7\n".to_vec()),
        ("magic.zip", b"PK\x03\x04".to_vec()),
        ("magic.gif", b"GIF89a\x10\x00\x20\x00".to_vec()),
        ("magic.tiff", b"II*\x00\x08\x00\x00\x00".to_vec()),
        (
            "magic.webp",
            b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x0f\x00\x00\x07\x00\x00"
                .to_vec(),
        ),
        ("magic.bmp", bmp_header(64, 48)),
    ]
    .into_iter()
    .map(|(name, bytes)| (name.to_owned(), bytes))
    .collect();
    let qr = qr_image(LEGACY_QR);
    out.push(("qr.png".to_owned(), encode(&qr, ImageFormat::Png)));
    out.push(("qr.jpeg".to_owned(), encode(&qr, ImageFormat::Jpeg)));
    out.push((
        "blank.png".to_owned(),
        encode(&GrayImage::new(3, 2), ImageFormat::Png),
    ));
    out.push(("text.pdf".to_owned(), text_pdf()));
    out
}

fn bmp_header(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"BM".to_vec();
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&[1, 0, 24, 0]);
    out
}

/// `text` as a QR code, 3 pixels a module, with a 4-module quiet zone.
fn qr_image(text: &str) -> GrayImage {
    const SCALE: u32 = 3;
    const QUIET: u32 = 4;
    let code = qrcode::QrCode::new(text.as_bytes()).expect("the payload fits a QR code");
    let modules = u32::try_from(code.width()).expect("QR width fits u32");
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (
            (x / SCALE).wrapping_sub(QUIET),
            (y / SCALE).wrapping_sub(QUIET),
        );
        let dark = mx < modules
            && my < modules
            && colors[(my * modules + mx) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

fn encode(image: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .expect("in-memory encoding succeeds");
    out.into_inner()
}

/// A one-page PDF whose text layer carries invoice labels, in a UCS-2 font as legacy
/// e-invoice generators write them, with the cross-reference table computed here.
fn text_pdf() -> Vec<u8> {
    let lines = [
        (700, "发票代码：044031900111"),
        (680, "发票号码：00123456"),
        (660, "开票日期：2024年01月05日"),
        (640, "价税合计（大写）壹仟圆整 （小写）¥1000.00"),
    ];
    let mut content = String::from("BT /F1 10 Tf\n");
    for (y, text) in lines {
        let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
        content.push_str(&format!("1 0 0 1 40 {y} Tm <{hex}> Tj\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H >>"
            .to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Two OFD packages as parts (see `fapiao_fuzz::OFD_PARTS`): a legacy e-invoice with
/// `original_invoice.xml`, and a 数电 invoice read through custom tags and page text.
fn ofd_seeds() -> Vec<(String, Vec<Vec<u8>>)> {
    let ns = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;
    let ofd = format!(
        r#"<ofd:OFD {ns} Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>d1</ofd:DocID><ofd:CustomDatas><ofd:CustomData Name="发票号码">00123456</ofd:CustomData></ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    );
    let document = format!(
        r#"<ofd:Document {ns}><ofd:CommonData><ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages><ofd:Page ID="7" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments><ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags></ofd:Document>"#
    );
    let res = format!(
        r#"<ofd:Res {ns} BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="30" Type="Image"><ofd:MediaFile>qr.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"#
    );
    let public_res = format!(
        r#"<ofd:Res {ns}><ofd:Fonts><ofd:Font ID="1" FontName="SimSun"/></ofd:Fonts></ofd:Res>"#
    );
    let attachments = format!(
        r#"<ofd:Attachments {ns}><ofd:Attachment ID="40" Name="original_invoice" Format="xml"><ofd:FileLoc>original_invoice.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"#
    );
    let original = format!(
        r#"<eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019"><fp:InvoiceCode>044031900111</fp:InvoiceCode><fp:InvoiceNo>00123456</fp:InvoiceNo><fp:IssueDate>2024年01月05日</fp:IssueDate><fp:InvoiceCheckCode>12345678901234567890</fp:InvoiceCheckCode><fp:Buyer><fp:BuyerName>买方公司</fp:BuyerName><fp:BuyerTaxID>91110000000000000X</fp:BuyerTaxID></fp:Buyer><fp:Seller><fp:SellerName>卖方公司</fp:SellerName></fp:Seller><fp:TaxExclusiveTotalAmount>943.40</fp:TaxExclusiveTotalAmount><fp:TaxTotalAmount>56.60</fp:TaxTotalAmount><fp:TaxInclusiveTotalAmount>1000.00</fp:TaxInclusiveTotalAmount><fp:GraphCode>{LEGACY_QR}</fp:GraphCode><fp:GoodsInfos><fp:GoodsInfo><fp:Item>*服务*咨询费</fp:Item><fp:Quantity>1</fp:Quantity><fp:Price>943.40</fp:Price><fp:Amount>943.40</fp:Amount><fp:TaxScheme>6%</fp:TaxScheme><fp:TaxAmount>56.60</fp:TaxAmount></fp:GoodsInfo></fp:GoodsInfos></eInvoice>"#
    );
    let tags_index = format!(
        r#"<ofd:CustomTags {ns}><ofd:CustomTag TypeID="invoice"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>"#
    );
    let tag = |name: &str, id: u32| {
        format!(r#"<ofd:{name}><ofd:ObjectRef PageRef="7">{id}</ofd:ObjectRef></ofd:{name}>"#)
    };
    let custom_tag = format!(
        "<ofd:root {ns}>{}{}{}{}{}</ofd:root>",
        tag("InvoiceNo", 11),
        tag("IssueDate", 12),
        tag("Item", 13),
        tag("Amount", 14),
        tag("TaxInclusiveTotalAmount", 15)
    );
    let text = |id: u32, x: u32, y: u32, s: &str| {
        format!(
            r#"<ofd:TextObject ID="{id}" Boundary="{x} {y} 50 5" Font="1" Size="3.2"><ofd:TextCode X="0" Y="3">{s}</ofd:TextCode></ofd:TextObject>"#
        )
    };
    let page = |objects: &str| {
        format!(
            r#"<ofd:Page {ns}><ofd:Content><ofd:Layer ID="3">{objects}</ofd:Layer></ofd:Content></ofd:Page>"#
        )
    };
    let page0 = page(&[
        text(11, 160, 10, "24442000000012345678"),
        text(12, 160, 16, "2024年03月01日"),
        text(13, 5, 60, "*软件*许可费"),
        text(14, 120, 60, "100.00"),
        text(15, 150, 95, "113.00"),
        text(16, 60, 95, "壹佰壹拾叁圆整"),
        r#"<ofd:ImageObject ID="31" Boundary="5 5 20 20" CTM="20 0 0 20 0 0" ResourceID="30"/>"#.to_owned(),
    ]
    .concat());
    let template = page(&text(5, 70, 8, "电子发票（普通发票）"));
    let png = encode(&qr_image(DIGITAL_QR), ImageFormat::Png);
    let legacy: Vec<Vec<u8>> = [
        &ofd,
        &document,
        &res,
        &public_res,
        &attachments,
        &original,
        "",
        "",
        "",
        "",
        "",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let digital: Vec<Vec<u8>> = [
        &ofd,
        &document,
        &res,
        &public_res,
        "",
        "",
        &tags_index,
        &custom_tag,
        &page0,
        &template,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([png])
    .collect();
    vec![
        ("legacy.ofd".to_owned(), legacy),
        ("digital.ofd".to_owned(), digital),
    ]
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
