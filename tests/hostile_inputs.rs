//! Hostile inputs, each refused with a clear error within a stated memory bound: a 1 GiB OFD
//! zip bomb, images declaring 60,000 × 60,000 pixels, an endless vendor answer, oversized
//! requests to the sandbox, PDF content-stream and object-stream bombs and recursive object
//! graphs, JSON nested 10,000 deep, a YAML alias bomb and a 10,000-deep spec, and a 2 GiB
//! file given to `fapiao recognize`.
//!
//! Memory is measured by the kernel: each operation runs in a fresh child process of this
//! test binary and its peak resident set (or that of the `fapiao` binary it runs) must stay
//! under the bound the test names. The bounds are an order of magnitude below what the
//! attack would cost if it worked (a gibibyte of inflated zip entry, a 3.6-gigapixel image,
//! a 2 GB file read whole), and a few times above the real peaks, so they are not flaky.
//!
//! Related points proved elsewhere, and not repeated here: zip bombs by compression ratio,
//! entry counts and path-traversal entry names (`tests/local_backend.rs`), the client's
//! input refusals opening no connection (`tests/client.rs`), anchors rejected in specs
//! (`codegen/tests/bad/23-yaml-alias`).

mod hardening_support;

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use fapiao::api::wire::{get_path, set_path, wrap_example};
use fapiao::api::{DynApi, FileFormat, Input, PayloadFormat, registry};
use fapiao::client::{Error, InputRefusal};
use fapiao::local::{LocalError, LocalLimits, recognize};
use fapiao::sandbox::Sandbox;
use hardening_support::cloud;
use hardening_support::memory::{self, MIB, Peak};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fapiao");

/// Runs `operation` in a child process and checks the child's own peak memory.
fn assert_own_peak_below(test: &str, bound_kib: u64, operation: impl FnOnce()) {
    if let Some(Peak { own, .. }) = memory::in_child(test, operation) {
        println!("{test}: peak RSS {} KiB (bound {bound_kib} KiB)", own);
        assert!(
            own < bound_kib,
            "{test}: peak RSS {own} KiB ≥ {bound_kib} KiB"
        );
    }
}

/// [`assert_own_peak_below`] for async work, run on a single-threaded runtime in the child.
fn assert_async_peak_below<F: std::future::Future>(
    test: &str,
    bound_kib: u64,
    work: impl FnOnce() -> F,
) {
    assert_own_peak_below(test, bound_kib, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(work());
    });
}

/// Runs `operation` (which runs the `fapiao` binary) in a child process and checks the peak
/// memory of the binary.
fn assert_binary_peak_below(test: &str, bound_kib: u64, operation: impl FnOnce()) {
    if let Some(Peak { children, .. }) = memory::in_child(test, operation) {
        println!("{test}: fapiao peak RSS {children} KiB (bound {bound_kib} KiB)");
        assert!(
            children < bound_kib,
            "{test}: fapiao peak RSS {children} KiB ≥ {bound_kib} KiB"
        );
    }
}

/// CRC-32 (IEEE), as zip entries and PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |c, _| {
            if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            }
        })
    })
}

// ---------------------------------------------------------------- OFD zip bomb

/// Bits written least-significant first, as deflate packs them.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    /// Bits still free in the last byte.
    free: u32,
}

impl BitWriter {
    /// Appends the low `count` bits of `value`, lowest first.
    fn bits(&mut self, value: u32, count: u32) {
        for i in 0..count {
            if self.free == 0 {
                self.bytes.push(0);
                self.free = 8;
            }
            let bit = u8::from(value >> i & 1 == 1);
            *self.bytes.last_mut().expect("pushed") |= bit << (8 - self.free);
            self.free -= 1;
        }
    }

    /// Appends a Huffman code of `len` bits, most significant first.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.bits(code >> i & 1, 1);
        }
    }

    /// Appends `count` zero bits, whole bytes at a time.
    fn zeros(&mut self, count: u64) {
        let in_last = u64::from(self.free).min(count);
        self.free -= in_last as u32;
        let rest = count - in_last;
        self.bytes.resize(self.bytes.len() + (rest / 8) as usize, 0);
        if !rest.is_multiple_of(8) {
            self.bytes.push(0);
            self.free = 8 - (rest % 8) as u32;
        }
    }
}

/// A raw deflate stream inflating to `size` zero bytes (a multiple of 258 plus one) at the
/// format's best ratio, about 1032:1.
///
/// One dynamic block whose code gives length 258 (symbol 285) and distance 1 one bit each,
/// so after a literal zero every further 258 bytes cost two zero bits.
fn deflate_zeros(size: u64) -> Vec<u8> {
    let repeats = (size - 1) / 258;
    let mut w = BitWriter::default();
    w.bits(1, 1); // BFINAL
    w.bits(2, 2); // dynamic Huffman
    w.bits(286 - 257, 5); // HLIT: literal/length codes 0..=285
    w.bits(0, 5); // HDIST: one distance code
    w.bits(18 - 4, 4); // HCLEN: code-length codes up to symbol 1 in the permuted order
    // Code-length code lengths, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
    // symbol 18 (a run of zeros) gets 1 bit, symbols 1 and 2 get 2 bits.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        w.bits(len, 3);
    }
    // Canonical codes: 18 → 0; 1 → 10; 2 → 11.
    let zero_run = |w: &mut BitWriter, n: u32| {
        w.code(0, 1);
        w.bits(n - 11, 7);
    };
    w.code(0b11, 2); // literal 0: length 2
    zero_run(&mut w, 138); // literals 1..=138
    zero_run(&mut w, 117); // literals 139..=255
    w.code(0b11, 2); // 256 (end of block): length 2
    zero_run(&mut w, 28); // lengths 257..=284
    w.code(0b10, 2); // 285 (length 258): length 1
    w.code(0b10, 2); // distance 0 (distance 1): length 1
    // Literal/length codes: 285 → 0; 0 → 10; 256 → 11. Distance 0 → 0.
    w.code(0b10, 2); // the literal zero
    w.zeros(2 * repeats); // each 285 + distance: "0" "0"
    w.code(0b11, 2); // end of block
    w.bytes
}

/// A zip archive of deflated `(name, data, declared uncompressed size, crc)` entries, written
/// by hand so that the declared sizes can lie.
fn raw_zip(entries: &[(&str, Vec<u8>, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, declared, crc) in entries {
        let offset = out.len() as u32;
        let fields = |sig: u32| {
            let mut h = sig.to_le_bytes().to_vec();
            if sig == 0x0201_4b50 {
                h.extend(20u16.to_le_bytes()); // made by
            }
            for v in [20u16, 0, 8, 0, 0x21] {
                h.extend(v.to_le_bytes()); // needed, flags, deflate, time, date
            }
            for v in [*crc, data.len() as u32, *declared] {
                h.extend(v.to_le_bytes());
            }
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            h
        };
        out.extend(fields(0x0403_4b50));
        out.extend(name.as_bytes());
        out.extend(data);
        central.extend(fields(0x0201_4b50));
        central.extend([0u8; 10]); // comment, disk, internal and external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    let count = entries.len() as u16;
    for v in [0u16, 0, count, count] {
        out.extend(v.to_le_bytes());
    }
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// An OFD whose second entry inflates to 1 GiB of zeros from about 1 MiB, declaring
/// `declared` bytes.
fn ofd_bomb(declared: u32) -> Vec<u8> {
    const GIB: u64 = 1 << 30;
    let ofd_xml = br#"<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#;
    let stored = deflate_stored(ofd_xml);
    raw_zip(&[
        ("OFD.xml", stored, ofd_xml.len() as u32, crc32(ofd_xml)),
        (
            "Doc_0/Document.xml",
            deflate_zeros(GIB / 258 * 258 + 1),
            declared,
            0,
        ),
    ])
}

/// `data` as a raw deflate stream of one stored block.
fn deflate_stored(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut out = vec![1]; // BFINAL, stored
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(data);
    out
}

#[test]
fn the_bomb_fixture_inflates_to_a_gibibyte_of_zeros() {
    // The construction is honest: a smaller instance inflates as claimed through the zip
    // reader, and the gibibyte one fits in 2 MiB.
    let size = 258 * 4096 + 1;
    let stream = deflate_zeros(size);
    let entry = raw_zip(&[("zeros", stream, size as u32, 0)]);
    let mut archive = zip::ZipArchive::new(Cursor::new(entry)).expect("a zip archive");
    let mut inflated = Vec::new();
    let read = std::io::copy(&mut archive.by_index(0).expect("entry"), &mut inflated);
    // The CRC is left 0, so the reader complains only once everything was inflated.
    assert!(read.is_err(), "the placeholder CRC is noticed");
    assert_eq!(inflated.len() as u64, size);
    assert!(inflated.iter().all(|b| *b == 0));
    let bomb = ofd_bomb(0);
    assert!(bomb.len() < 1 << 21, "{} bytes", bomb.len());
}

#[test]
fn an_ofd_zip_bomb_is_refused_while_inflating_within_64_mib() {
    assert_own_peak_below(
        "an_ofd_zip_bomb_is_refused_while_inflating_within_64_mib",
        64 * MIB,
        || {
            // Declaring 100 MiB, under the 128 MiB total: only inflating shows the ratio.
            let err = recognize(&ofd_bomb(100 << 20), None, &LocalLimits::default())
                .expect_err("a bomb is refused");
            assert_eq!(
                err,
                LocalError::CompressionRatio {
                    what: "Doc_0/Document.xml".to_owned(),
                    limit: 200
                }
            );
            // Declaring 1,000 bytes: the zip reader stops at the declared size.
            let err = recognize(&ofd_bomb(1_000), None, &LocalLimits::default())
                .expect_err("a bomb is refused");
            assert_eq!(
                err,
                LocalError::Archive {
                    reason:
                        "Doc_0/Document.xml: File is larger than its declared uncompressed size"
                            .to_owned()
                }
            );
        },
    );
}

#[test]
fn an_ofd_entry_declaring_a_gibibyte_is_refused_before_inflating() {
    assert_own_peak_below(
        "an_ofd_entry_declaring_a_gibibyte_is_refused_before_inflating",
        32 * MIB,
        || {
            let err = recognize(&ofd_bomb(1 << 30), None, &LocalLimits::default())
                .expect_err("a bomb is refused");
            assert_eq!(
                err,
                LocalError::UncompressedTooLarge {
                    what: "entry Doc_0/Document.xml (declared size)".to_owned(),
                    limit: 128 << 20
                }
            );
        },
    );
}

// ---------------------------------------------------------------- 60,000 × 60,000 images

const HUGE: u32 = 60_000;

/// A real 8×8 PNG whose header is rewritten to declare `HUGE` × `HUGE` pixels.
fn huge_png() -> Vec<u8> {
    let mut png = Vec::new();
    image::GrayImage::new(8, 8)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encodes");
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&HUGE.to_be_bytes());
    png[20..24].copy_from_slice(&HUGE.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A real 8×8 JPEG whose frame header is rewritten to declare `HUGE` × `HUGE` pixels.
fn huge_jpeg() -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::GrayImage::new(8, 8)
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .expect("encodes");
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    let side = (HUGE as u16).to_be_bytes();
    jpeg[sof + 5..sof + 7].copy_from_slice(&side); // height
    jpeg[sof + 7..sof + 9].copy_from_slice(&side); // width
    jpeg
}

#[test]
fn the_huge_image_fixtures_declare_60000_pixels_a_side() {
    use fapiao::client::input_check::image_dimensions;
    assert_eq!(
        image_dimensions(&huge_png(), FileFormat::Png),
        Some((HUGE, HUGE))
    );
    assert_eq!(
        image_dimensions(&huge_jpeg(), FileFormat::Jpeg),
        Some((HUGE, HUGE))
    );
    for bytes in [huge_png(), huge_jpeg()] {
        let reader = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .expect("readable");
        assert_eq!(reader.into_dimensions().expect("a header"), (HUGE, HUGE));
    }
}

#[test]
fn images_declaring_60000_pixels_a_side_are_refused_by_the_local_backend_within_32_mib() {
    assert_own_peak_below(
        "images_declaring_60000_pixels_a_side_are_refused_by_the_local_backend_within_32_mib",
        32 * MIB,
        || {
            for bytes in [huge_png(), huge_jpeg()] {
                let err = recognize(&bytes, None, &LocalLimits::default()).expect_err("refused");
                assert_eq!(
                    err,
                    LocalError::ImageTooLarge {
                        width: HUGE,
                        height: HUGE,
                        limit: 40_000_000
                    }
                );
            }
        },
    );
}

#[test]
fn images_declaring_60000_pixels_a_side_are_refused_by_the_client_before_sending() {
    assert_async_peak_below(
        "images_declaring_60000_pixels_a_side_are_refused_by_the_client_before_sending",
        64 * MIB,
        client_refuses_huge_images,
    );
}

async fn client_refuses_huge_images() {
    let sandbox = Sandbox::start(cloud::sandbox_config())
        .await
        .expect("sandbox");
    let client = cloud::client_builder(&sandbox).build().expect("client");
    let mut checked = 0;
    for api in registry() {
        let d = api.descriptor();
        let Some(max) = d.limits.max_pixels else {
            continue;
        };
        for (format, bytes) in [
            (FileFormat::Png, huge_png()),
            (FileFormat::Jpeg, huge_jpeg()),
        ] {
            if !d.limits.formats.contains(&format) {
                continue;
            }
            let input = Input {
                file: Some(bytes),
                ..Input::default()
            };
            let err = client.recognize(*api, &input).await.expect_err("refused");
            let expected = InputRefusal::Dimensions {
                api: d.id,
                limit: "max_pixels",
                bound: max,
                width: HUGE,
                height: HUGE,
            };
            assert!(
                matches!(&err, Error::InputRefused(r) if *r == expected),
                "{}: {err}",
                d.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "APIs with a pixel limit take PNG and JPEG");
    let stats = sandbox.stats();
    assert!(
        stats.apis.values().all(|api| api.requests == 0),
        "nothing was sent: {stats:?}"
    );
}

// ---------------------------------------------------------------- an endless answer

/// Serves one connection with a 200 whose body never ends, until the client hangs up.
async fn endless_answer(listener: tokio::net::TcpListener) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok((mut stream, _)) = listener.accept().await else {
        return;
    };
    let mut head = vec![0u8; 64 << 10];
    let _ = stream.read(&mut head).await;
    let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
    let chunk = vec![b' '; 64 << 10];
    if stream.write_all(answer).await.is_ok() {
        while stream.write_all(&chunk).await.is_ok() {}
    }
}

#[test]
fn an_endless_response_body_is_cut_off_at_32_mib_within_128_mib() {
    assert_async_peak_below(
        "an_endless_response_body_is_cut_off_at_32_mib_within_128_mib",
        128 * MIB,
        client_cuts_off_an_endless_answer,
    );
}

async fn client_cuts_off_an_endless_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bound");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let server = tokio::spawn(endless_answer(listener));
    let api = fapiao::api::find("tencent.vat_invoice_ocr").expect("registered");
    let d = api.descriptor();
    let client = d
        .auth
        .credentials
        .iter()
        .fold(
            fapiao::client::Client::builder()
                .no_config_file()
                .environment(|_| None)
                .retry(fapiao::client::RetryPolicy::never())
                .endpoint(d.id, url),
            |b, c| b.credential(d.id, c.name, cloud::credential_value(d, c.name)),
        )
        .build()
        .expect("client");
    let input = Input {
        file: Some(cloud::sample_file(d, 0)),
        ..Input::default()
    };
    let err = client.recognize(api, &input).await.expect_err("cut off");
    assert!(
        matches!(&err, Error::MalformedResponse { decode, .. } if decode.reason == "the body exceeds 33554432 bytes"),
        "{err}"
    );
    drop(client);
    server
        .await
        .expect("the server ends once the client hangs up");
}

// ---------------------------------------------------------------- oversized requests to the sandbox

/// Sends `request` to `addr` and returns the answer's status line.
async fn status_line(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    // The sandbox may answer (and close) before taking all of it.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn the_sandbox_refuses_oversized_heads_and_bodies_unread_within_64_mib() {
    assert_async_peak_below(
        "the_sandbox_refuses_oversized_heads_and_bodies_unread_within_64_mib",
        64 * MIB,
        sandbox_refuses_oversized_requests,
    );
}

async fn sandbox_refuses_oversized_requests() {
    let sandbox = Sandbox::start(cloud::sandbox_config())
        .await
        .expect("sandbox");
    let addr = sandbox.addr();
    let api = "jdcloud.ocr_invoice";
    let url = sandbox.endpoint_url(api).expect("served");
    let path = url.trim_start_matches(&sandbox.base_url());
    let big_head = format!(
        "POST {path} HTTP/1.1\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(
        status_line(addr, big_head.as_bytes()).await,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // Bodies announced far over the 64 MiB the sandbox reads are refused before any is sent,
    // with the API's code for a request too large (in its envelope, whatever the status).
    for framing in [
        "Content-Length: 4294967296\r\n\r\n",
        "Transfer-Encoding: chunked\r\n\r\nffffffffff\r\n",
    ] {
        let request = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n{framing}");
        let status = status_line(addr, request.as_bytes()).await;
        assert!(status.starts_with("HTTP/1.1 "), "{framing}: {status}");
    }
    let d = fapiao::api::find(api).expect("registered").descriptor();
    let too_large = d
        .emulation
        .too_large
        .map_or("http:413".to_owned(), str::to_owned);
    let stats = &sandbox.stats().apis[api];
    assert_eq!(stats.requests, 2, "{stats:?}");
    assert_eq!(stats.successes, 0, "{stats:?}");
    assert_eq!(stats.failures.get(&too_large), Some(&2), "{stats:?}");
}

// ---------------------------------------------------------------- PDF

/// A PDF of the given object bodies (object `n` is `bodies[n - 1]`, object 1 the catalog)
/// with a correct cross-reference table, written by hand so that any structure can be made.
fn pdf(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    let trailer = format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        bodies.len() + 1
    );
    out.extend(trailer.as_bytes());
    out
}

/// An unfiltered stream object.
fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend(data);
    body.extend(b"\nendstream");
    body
}

/// A catalog, a page tree with one page and the page (objects 1–3); `page` is added to the
/// page's dictionary.
fn one_page(page: &str) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page} >>").into_bytes(),
    ]
}

/// A Form XObject drawing the forms named in `draws`, which its resources map to objects.
fn form(draws: &[(&str, u32)]) -> Vec<u8> {
    let resources: String = draws
        .iter()
        .map(|(n, id)| format!("/{n} {id} 0 R "))
        .collect();
    let content: String = draws.iter().map(|(n, _)| format!("/{n} Do ")).collect();
    let dict = format!(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << {resources}>> >>"
    );
    stream(&dict, content.as_bytes())
}

/// 4 MiB of `q` operators: parsed, they would take over a gigabyte.
fn content_bomb() -> Vec<u8> {
    b"q\n".repeat(2 << 20)
}

#[test]
fn a_pdf_content_stream_bomb_is_refused_within_64_mib() {
    assert_own_peak_below(
        "a_pdf_content_stream_bomb_is_refused_within_64_mib",
        64 * MIB,
        || {
            let mut page = one_page("/Contents 4 0 R");
            page.push(stream("", &content_bomb()));
            let err = recognize(&pdf(&page), None, &LocalLimits::default()).expect_err("refused");
            assert_eq!(
                err,
                LocalError::UncompressedTooLarge {
                    what: "the content of page 1".to_owned(),
                    limit: 512 << 10
                }
            );
            // The same bomb as a form the page draws.
            let mut drawn = one_page("/Contents 4 0 R /Resources << /XObject << /F 5 0 R >> >>");
            drawn.push(stream("", b"/F Do"));
            drawn.push(stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 1 1]",
                &content_bomb(),
            ));
            let err = recognize(&pdf(&drawn), None, &LocalLimits::default()).expect_err("refused");
            assert!(
                matches!(err, LocalError::UncompressedTooLarge { .. }),
                "{err}"
            );
        },
    );
}

#[test]
fn a_pdf_object_stream_bomb_is_refused_within_64_mib() {
    assert_own_peak_below(
        "a_pdf_object_stream_bomb_is_refused_within_64_mib",
        64 * MIB,
        || {
            // Object 5, inside the object stream, is an array of two million integers.
            let header = b"5 0 ";
            let mut data = header.to_vec();
            data.push(b'[');
            data.extend(b"1 ".repeat(2 << 20));
            data.push(b']');
            let mut bodies = one_page("/Annots 5 0 R");
            let dict = format!("/Type /ObjStm /N 1 /First {}", header.len());
            bodies.push(stream(&dict, &data));
            let err = recognize(&pdf(&bodies), None, &LocalLimits::default()).expect_err("refused");
            assert_eq!(
                err,
                LocalError::UncompressedTooLarge {
                    what: "an object or cross-reference stream".to_owned(),
                    limit: 2 << 20
                }
            );
        },
    );
}

/// PDFs whose object graphs loop or nest without end: what they do, the PDF, the error.
fn recursive_pdfs() -> Vec<(&'static str, Vec<u8>, LocalError)> {
    let nested = |open: &str, close: &str| {
        let depth = 100_000;
        let mut body = open.repeat(depth).into_bytes();
        body.extend(close.repeat(depth).as_bytes());
        body
    };
    let page_tree_cycle = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 /Parent 3 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Contents 4 0 R >>".to_vec(),
        stream("", b"BT (x) Tj ET"),
    ];
    let mut forms = one_page("/Contents 4 0 R /Resources << /XObject << /A 5 0 R /B 6 0 R >> >>");
    forms.push(stream("", b"/A Do /B Do"));
    forms.push(form(&[("A", 5)])); // draws itself
    forms.push(form(&[("C", 7)])); // B draws C …
    forms.push(form(&[("B", 6), ("D", 8)])); // … which draws B again, and D
    forms.push(form(&[("A", 5), ("B", 6), ("C", 7), ("D", 8)])); // D draws everything
    let mut references = one_page("/Contents 4 0 R /Resources 6 0 R");
    references.push(b"5 0 R".to_vec());
    references.push(b"4 0 R".to_vec()); // 4 → 5 → 4 …
    references.push(b"6 0 R".to_vec()); // 6 → 6 …
    let mut deep = one_page("/Annots 4 0 R /Group 5 0 R");
    deep.push(nested("[", "]"));
    deep.push(nested("<< /A ", ">>"));
    // Nothing to find, once every loop has been cut.
    let nothing = || LocalError::NothingFound {
        reason: "no QR code found".to_owned(),
    };
    vec![
        (
            "a page tree that contains itself",
            pdf(&page_tree_cycle),
            LocalError::Pdf {
                reason: "reference cycle with object ID 2 0".to_owned(),
            },
        ),
        (
            "forms that draw themselves and each other",
            pdf(&forms),
            nothing(),
        ),
        (
            "references that resolve to themselves",
            pdf(&references),
            nothing(),
        ),
        (
            "arrays and dictionaries nested 100,000 deep",
            pdf(&deep),
            nothing(),
        ),
    ]
}

#[test]
fn pdfs_with_recursive_object_graphs_end_with_an_error_within_64_mib() {
    assert_own_peak_below(
        "pdfs_with_recursive_object_graphs_end_with_an_error_within_64_mib",
        64 * MIB,
        || {
            for (what, bytes, expected) in recursive_pdfs() {
                let result = recognize(&bytes, None, &LocalLimits::default());
                assert_eq!(result, Err(expected), "{what}");
            }
        },
    );
}

// ---------------------------------------------------------------- JSON nested 10,000 deep

const JSON_DEPTH: usize = 10_000;

/// `[[[…]]]` and `{"a":{"a":…}}` nested [`JSON_DEPTH`] deep, each with its shallow twin: the
/// same document with the nesting cut short.
fn deep_json() -> [(String, &'static str); 2] {
    let array = format!("{}{}", "[".repeat(JSON_DEPTH), "]".repeat(JSON_DEPTH));
    let object = format!(
        "{}1{}",
        r#"{"a":"#.repeat(JSON_DEPTH),
        "}".repeat(JSON_DEPTH)
    );
    [(array, "[null]"), (object, r#"{"a":null}"#)]
}

/// A success example of `api` with `deep` as an extra member of its payload (inside the
/// embedded document, for payloads sent as a JSON string).
fn example_with_deep_member(api: &dyn DynApi, deep: &str) -> String {
    const MARK: &str = "fapiao-deep-member";
    let d = api.descriptor();
    let example = d
        .examples
        .iter()
        .find(|e| !e.is_error())
        .unwrap_or_else(|| panic!("{} has a success example", d.id));
    let mut wire = wrap_example(d, example).expect("JSON");
    let payload = d.response.payload;
    match d.response.payload_format {
        PayloadFormat::Json => {
            let member = [payload, "FapiaoDeep"].join(".");
            set_path(&mut wire, member.trim_start_matches('.'), MARK.into());
        }
        PayloadFormat::JsonString => {
            let text = get_path(&wire, payload)
                .and_then(Value::as_str)
                .expect("a string");
            let mut inner: Value = serde_json::from_str(text).expect("embedded JSON");
            set_path(&mut inner, "FapiaoDeep", MARK.into());
            set_path(&mut wire, payload, Value::String(inner.to_string()));
        }
    }
    let text = wire.to_string();
    // In an embedded document the member's quotes are escaped, and so must its own be.
    let replacements = [
        (format!("\"{MARK}\""), deep.to_owned()),
        (format!("\\\"{MARK}\\\""), deep.replace('"', "\\\"")),
    ];
    assert!(
        replacements.iter().any(|(m, _)| text.contains(m.as_str())),
        "{}",
        d.id
    );
    replacements
        .iter()
        .fold(text, |text, (mark, with)| text.replace(mark.as_str(), with))
}

/// Fails unless `api` refuses `body` with an error naming it, or decodes it exactly as
/// `twin`, the same document with the deep part cut short: deep nesting is refused, or skipped
/// (serde_json skips unknown members without recursion), never half-read.
fn assert_refused_or_skipped(api: &dyn DynApi, body: &str, twin: &str) {
    let id = api.descriptor().id;
    match api.decode_value(body.as_bytes()) {
        Err(err) => assert_eq!(err.api, id, "{err}"),
        Ok(reply) => assert_eq!(Ok(reply), api.decode_value(twin.as_bytes()), "{id}"),
    }
    match api.decode_invoices(body.as_bytes()) {
        Err(err) => assert_eq!(err.api, id, "{err}"),
        Ok(reply) => assert_eq!(Ok(reply), api.decode_invoices(twin.as_bytes()), "{id}"),
    }
}

#[test]
fn json_nested_10000_deep_is_refused_or_skipped_by_every_generated_decoder_within_64_mib() {
    assert_own_peak_below(
        "json_nested_10000_deep_is_refused_or_skipped_by_every_generated_decoder_within_64_mib",
        64 * MIB,
        || {
            for api in registry() {
                for (deep, twin) in deep_json() {
                    // As the whole body, and as an extra member of a success payload.
                    assert_refused_or_skipped(*api, &deep, twin);
                    let body = example_with_deep_member(*api, &deep);
                    let twin = example_with_deep_member(*api, twin);
                    assert_refused_or_skipped(*api, &body, &twin);
                }
            }
        },
    );
}

#[test]
fn json_nested_10000_deep_is_refused_by_fapiao_validate_within_64_mib() {
    assert_binary_peak_below(
        "json_nested_10000_deep_is_refused_by_fapiao_validate_within_64_mib",
        64 * MIB,
        || {
            for (deep, _) in deep_json() {
                let mut child = Command::new(BIN)
                    .args(["validate", "-"])
                    .env_clear()
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("fapiao runs");
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(deep.as_bytes())
                    .expect("written");
                let out = child.wait_with_output().expect("finishes");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{stderr}");
                assert!(
                    stderr.starts_with(
                        "fapiao: error: -: not JSON or JSONL: recursion limit exceeded"
                    ),
                    "{stderr}"
                );
            }
        },
    );
}

// ---------------------------------------------------------------- YAML given to the generator

/// The opening of a spec, before the hostile part.
const SPEC_START: &str = "api: acme.ocr\nvendor: { id: acme, en: Acme }\n";

/// A billion laughs among the request fields: ten levels of nine aliases each, 10⁹
/// strings once expanded.
fn alias_bomb() -> String {
    let mut yaml = format!("{SPEC_START}request:\n");
    yaml.push_str(
        "  L0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in 1..=9 {
        let refs = vec![format!("*l{}", level - 1); 9].join(",");
        yaml.push_str(&format!("  L{level}: &l{level} [{refs}]\n"));
    }
    yaml
}

/// Where a generator failure points, as a byte offset into the spec.
fn failure_offset(failure: &fapiao_codegen::Failure) -> usize {
    assert_eq!(failure.diagnostics.len(), 1, "{failure}");
    failure.diagnostics[0].primary.span.start
}

#[test]
fn a_yaml_alias_bomb_is_refused_at_its_first_anchor_within_32_mib() {
    assert_own_peak_below(
        "a_yaml_alias_bomb_is_refused_at_its_first_anchor_within_32_mib",
        32 * MIB,
        || {
            let spec = alias_bomb();
            let failure = fapiao_codegen::check_source("bomb.yaml", &spec).expect_err("refused");
            let rendered = failure.to_string();
            assert!(
                rendered.contains("anchors and aliases are not allowed in specs"),
                "{rendered}"
            );
            // It stops at the first anchor, before any alias: nothing was expanded.
            let at = failure_offset(&failure);
            let first = spec.find("&l0").expect("an anchor");
            let first_alias = spec.find('*').expect("an alias");
            assert!(first <= at && at < first_alias, "at byte {at}: {rendered}");
        },
    );
}

#[test]
fn a_spec_nested_10000_deep_is_refused_at_the_depth_limit_within_32_mib() {
    assert_own_peak_below(
        "a_spec_nested_10000_deep_is_refused_at_the_depth_limit_within_32_mib",
        32 * MIB,
        || {
            // A mapping source (`first:`) holds sources: the spec's one recursive type.
            let (open, close) = ("{first: [", "]}");
            let prefix = format!("{SPEC_START}mapping:\n  fields:\n    code: ");
            let spec = format!("{prefix}{}X{}\n", open.repeat(10_000), close.repeat(10_000));
            let failure = fapiao_codegen::check_source("deep.yaml", &spec).expect_err("refused");
            let rendered = failure.to_string();
            assert!(rendered.contains("the spec nests too deeply"), "{rendered}");
            // It stops at the depth limit, a few dozen levels in.
            let at = failure_offset(&failure) - prefix.len();
            assert!(at < 32 * open.len(), "stopped at byte {at}: {rendered}");
        },
    );
}

// ---------------------------------------------------------------- a 2 GB file

/// A sparse file of 2 GiB: it takes no disk space, but reading it whole would take 2 GiB of
/// memory.
fn sparse_2_gib(path: &Path) {
    std::fs::File::create(path)
        .and_then(|f| f.set_len(2 << 30))
        .expect("a sparse file");
}

/// Runs `fapiao` with `args`, an empty environment plus `env`; exit code and stdout.
fn fapiao(args: &[&str], env: &[(&str, String)]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("fapiao runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

/// The one JSONL record of a run, checked to refuse the 2 GiB file unread, naming `limit`.
fn assert_refused_unread(jsonl: &str, limit: u64) {
    let records: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    let [record] = records.as_slice() else {
        panic!("one record: {jsonl}");
    };
    assert_eq!(record["status"], "error", "{record}");
    assert_eq!(
        record["sha256"],
        Value::Null,
        "not read, so not hashed: {record}"
    );
    assert_eq!(record["error"]["kind"], "too_large", "{record}");
    assert_eq!(record["error"]["code"], "file_too_large", "{record}");
    let message = record["error"]["message"].as_str().expect("a message");
    assert!(message.contains(&(2u64 << 30).to_string()), "{message}");
    assert!(message.contains(&format!("the {limit} bytes")), "{message}");
}

#[test]
fn a_2_gib_file_is_refused_by_size_before_it_is_read_within_64_mib() {
    assert_binary_peak_below(
        "a_2_gib_file_is_refused_by_size_before_it_is_read_within_64_mib",
        64 * MIB,
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            let big = dir.path().join("big.png");
            sparse_2_gib(&big);
            let path = big.to_str().expect("UTF-8 path");
            let (code, stdout) = fapiao(&["recognize", "--format", "jsonl", path], &[]);
            assert_eq!(code, Some(1));
            assert_refused_unread(&stdout, 32 << 20);
        },
    );
}

#[test]
fn a_2_gib_file_is_refused_unread_and_unsent_by_a_cloud_chain_within_64_mib() {
    assert_binary_peak_below(
        "a_2_gib_file_is_refused_unread_and_unsent_by_a_cloud_chain_within_64_mib",
        64 * MIB,
        || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(cloud_chain_refuses_2_gib());
        },
    );
}

async fn cloud_chain_refuses_2_gib() {
    let sandbox = Sandbox::start(cloud::sandbox_config())
        .await
        .expect("sandbox");
    let api = fapiao::api::find("tencent.vat_invoice_ocr").expect("registered");
    let d = api.descriptor();
    let env: Vec<(&str, String)> = d
        .auth
        .credentials
        .iter()
        .map(|c| (c.env, cloud::credential_value(d, c.name)))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.png");
    sparse_2_gib(&big);
    let path = big.to_str().expect("UTF-8 path").to_owned();
    let base_url = sandbox.base_url();
    let (code, stdout) = tokio::task::spawn_blocking(move || {
        let args = [
            "recognize",
            "--format",
            "jsonl",
            "--api",
            d.id,
            "--endpoint",
            &base_url,
            &path,
        ];
        fapiao(&args, &env)
    })
    .await
    .expect("the run ends");
    assert_eq!(code, Some(1), "{stdout}");
    // 7,340,032 bytes of base64 hold 5,505,024 bytes of file.
    assert_refused_unread(&stdout, 5_505_024);
    assert_eq!(sandbox.stats().apis[d.id].requests, 0, "nothing was sent");
}

#[test]
fn a_recorded_file_replaced_by_2_gib_is_not_read_on_resume_within_64_mib() {
    assert_binary_peak_below(
        "a_recorded_file_replaced_by_2_gib_is_not_read_on_resume_within_64_mib",
        64 * MIB,
        || {
            let dir = tempfile::tempdir().expect("tempdir");
            let input = dir.path().join("invoice.ofd");
            let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/quickstart-einvoice.ofd");
            std::fs::copy(fixture, &input).expect("copied");
            let output = dir.path().join("out.jsonl");
            let args = |resume: bool| {
                let mut args = vec![
                    "recognize",
                    "--output",
                    output.to_str().expect("UTF-8"),
                    input.to_str().expect("UTF-8"),
                ];
                if resume {
                    args.push("--resume");
                }
                args.iter()
                    .map(|a| (*a).to_owned())
                    .collect::<Vec<String>>()
            };
            let run = |resume| {
                let args = args(resume);
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                fapiao(&refs, &[]).0
            };
            assert_eq!(run(false), Some(0), "the fixture is recognised");
            // The recorded file now holds 2 GiB: resuming must not read it to hash it.
            sparse_2_gib(&input);
            assert_eq!(run(true), Some(1));
            assert_refused_unread(&std::fs::read_to_string(&output).expect("output"), 32 << 20);
        },
    );
}
