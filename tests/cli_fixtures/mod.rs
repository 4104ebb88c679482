//! Fixtures for the command-line tests, built in code: a synthetic OFD e-invoice (the README's
//! quick-start file is this one, checked in), QR-code PNGs, and distinct small PNGs for
//! batches. Used by `tests/cli.rs` and `tests/readme.rs` (included with `#[path]`), which
//! also include `local_fixtures` for the QR rendering.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use image::{GrayImage, Luma};

use crate::local_fixtures::{encode_png, render_qr};

/// The quick-start fixture, relative to the crate root.
pub const QUICKSTART_OFD: &str = "tests/fixtures/quickstart-einvoice.ofd";

/// Facts of the synthetic e-invoice.
pub const CODE: &str = "044032300111";
/// 发票号码.
pub const NUMBER: &str = "12345678";
/// 价税合计.
pub const TOTAL: &str = "106.00";
/// 购买方名称.
pub const BUYER: &str = "示例科技有限公司";
/// The one line item's name.
pub const ITEM: &str = "*信息技术服务*软件服务费";
/// 校验码.
const CHECK_CODE: &str = "10593421468290531477";

/// A 统一社会信用代码 with valid GB 11714 and GB 32100 check characters.
fn tax_id(region: &str, org_body: &str) -> String {
    use fapiao::domain::tax_id::{organization_code_check_character, uscc_check_character};
    let org_check = organization_code_check_character(org_body).expect("8-character body");
    let first17 = format!("91{region}{org_body}{org_check}");
    let check = uscc_check_character(&first17).expect("17 USCC characters");
    format!("{first17}{check}")
}

/// The QR payload printed on the synthetic e-invoice.
pub fn qr_payload() -> String {
    format!("01,10,{CODE},{NUMBER},100.00,20230615,{CHECK_CODE},5A1C,")
}

/// A 增值税电子普通发票 as an OFD with `original_invoice.xml` (every field, one line item);
/// the QR payload travels in `GraphCode`.
pub fn einvoice_ofd() -> Vec<u8> {
    let ns = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;
    let ofd = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>quickstart</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    );
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID></ofd:CommonData><ofd:Pages/><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>"#
    );
    let attachments = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments {ns}><ofd:Attachment ID="8" Name="original_invoice" Format="xml"><ofd:FileLoc>original_invoice.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"#
    );
    let buyer_id = tax_id("440300", "MA5F0X7K");
    let seller_id = tax_id("440300", "MA5G2L9D");
    let qr = qr_payload();
    let invoice = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019" Version="1.0"><fp:DocID>01</fp:DocID><fp:InvoiceCode>{CODE}</fp:InvoiceCode><fp:InvoiceNo>{NUMBER}</fp:InvoiceNo><fp:IssueDate>2023年06月15日</fp:IssueDate><fp:InvoiceCheckCode>{CHECK_CODE}</fp:InvoiceCheckCode><fp:MachineNo>661234567890</fp:MachineNo><fp:Buyer><fp:BuyerName>{BUYER}</fp:BuyerName><fp:BuyerTaxID>{buyer_id}</fp:BuyerTaxID></fp:Buyer><fp:Seller><fp:SellerName>样例软件服务有限公司</fp:SellerName><fp:SellerTaxID>{seller_id}</fp:SellerTaxID><fp:SellerAddrTel>深圳市南山区科技园路1号 0755-12345678</fp:SellerAddrTel></fp:Seller><fp:TaxExclusiveTotalAmount>100.00</fp:TaxExclusiveTotalAmount><fp:TaxTotalAmount>6.00</fp:TaxTotalAmount><fp:TaxInclusiveTotalAmount>{TOTAL}</fp:TaxInclusiveTotalAmount><fp:InvoiceClerk>张三</fp:InvoiceClerk><fp:GraphCode>{qr}</fp:GraphCode><fp:GoodsInfos><fp:GoodsInfo><fp:Item>{ITEM}</fp:Item><fp:MeasurementDimension>项</fp:MeasurementDimension><fp:Price>100</fp:Price><fp:Quantity>1</fp:Quantity><fp:Amount>100.00</fp:Amount><fp:TaxScheme>6%</fp:TaxScheme><fp:TaxAmount>6.00</fp:TaxAmount></fp:GoodsInfo></fp:GoodsInfos></eInvoice>"#
    );
    zip(&[
        ("OFD.xml", ofd.as_bytes()),
        ("Doc_0/Document.xml", document.as_bytes()),
        ("Doc_0/Attachs/Attachments.xml", attachments.as_bytes()),
        ("Doc_0/Attachs/original_invoice.xml", invoice.as_bytes()),
    ])
}

/// A zip with fixed timestamps, stored uncompressed, so the bytes depend on the entries only.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// A PNG of an invoice QR code carrying `payload`.
pub fn qr_png(payload: &str) -> Vec<u8> {
    encode_png(&render_qr(payload, 4, 4))
}

/// A 64×64 grey PNG whose pixels encode `n`, so every `n` gives different bytes.
pub fn distinct_png(n: u32) -> Vec<u8> {
    let bytes = n.to_le_bytes();
    let image = GrayImage::from_fn(64, 64, |x, y| match (x, y) {
        (0..4, 0) => Luma([bytes[x as usize]]),
        _ => Luma([((x * 3 + y * 5) % 251) as u8]),
    });
    encode_png(&image)
}
