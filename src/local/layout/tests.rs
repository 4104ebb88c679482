//! Each failure class met on real files, rebuilt as a synthetic page.

use rust_decimal::Decimal;

use super::{Page, Rect, TextBox, read_page};
use crate::invoice::Invoice;
use crate::local::fields::Draft;

/// Text drawn as one string, left edge at `x`, baseline at `y` (y down), `size` units high;
/// CJK glyphs one em wide, others half.
fn text(x: f64, y: f64, size: f64, s: &str, group: u32) -> TextBox {
    let width: f64 = s
        .chars()
        .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
        .sum::<f64>()
        * size;
    TextBox {
        text: s.to_owned(),
        rect: Rect::spanning(x, y - size, x + width, y),
        size,
        group,
        suspect: false,
    }
}

/// A page of strings, each its own drawing group.
fn page(strings: &[(f64, f64, &str)], rules: Vec<Rect>) -> Page {
    Page {
        width: 600.0,
        height: 400.0,
        text: strings
            .iter()
            .enumerate()
            .map(|(i, (x, y, s))| text(*x, *y, 9.0, s, i as u32))
            .collect(),
        rules,
    }
}

fn vertical_rule(x: f64, y0: f64, y1: f64) -> Rect {
    Rect::spanning(x - 0.25, y0, x + 0.25, y1)
}

fn read(page: &Page) -> Invoice {
    let mut draft = Draft::new();
    read_page(page, &mut draft, "pdf-text");
    draft.finish()
}

fn dec(s: &str) -> Option<Decimal> {
    s.parse().ok()
}

#[test]
fn a_value_ends_at_the_rule_of_the_next_box_on_its_baseline() {
    // Legacy form: the buyer block, then the 密码区 one cell right; 备注 beside the seller.
    let page = page(
        &[
            (40.0, 60.0, "名    称: 个人"),
            (200.0, 60.0, "4920//289<69>176<78-9386*+1"),
            (40.0, 75.0, "纳税人识别号: 91110108749364121L"),
            (200.0, 75.0, "1"),
            (40.0, 200.0, "名    称: 华为终端有限公司上海分公司"),
            (240.0, 200.0, "订单号:65047079890"),
        ],
        vec![
            vertical_rule(195.0, 40.0, 90.0),
            vertical_rule(235.0, 180.0, 220.0),
        ],
    );
    let inv = read(&page);
    assert_eq!(inv.buyer.name.as_deref(), Some("个人"));
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91110108749364121L"));
    assert_eq!(
        inv.seller.name.as_deref(),
        Some("华为终端有限公司上海分公司")
    );
}

#[test]
fn a_label_drawn_three_times_over_reads_once() {
    // Bold by overprint: every glyph again, a fraction of a point off.
    let mut strings = Vec::new();
    for offset in [0.0, 0.2, 0.4] {
        strings.push((
            400.0 + offset,
            30.0 + offset,
            "发票号码: 25447000001115703415",
        ));
    }
    let inv = read(&page(&strings, Vec::new()));
    assert_eq!(
        inv.number.as_deref(),
        Some("25447000001115703415"),
        "{inv:#?}"
    );
}

#[test]
fn digital_invoices_tell_buyer_from_seller_by_their_side_captions() {
    // 数电 layout: two boxes side by side, a vertical caption down each; the tax ID is
    // printed under its long label.
    let mut strings = vec![
        (40.0, 100.0, "名称：广州华栈天城科技有限公司"),
        (330.0, 100.0, "名称：广州灵感之茶餐饮管理有限公司"),
        (40.0, 130.0, "统一社会信用代码/纳税人识别号："),
        (120.0, 142.0, "91440106068698695J"),
        (330.0, 130.0, "统一社会信用代码/纳税人识别号："),
        (410.0, 142.0, "91440101MA5AL52Y44"),
    ];
    for (i, c) in "购买方信息".chars().enumerate() {
        strings.push((
            20.0,
            95.0 + 14.0 * i as f64,
            Box::leak(c.to_string().into_boxed_str()),
        ));
    }
    for (i, c) in "销售方信息".chars().enumerate() {
        strings.push((
            310.0,
            95.0 + 14.0 * i as f64,
            Box::leak(c.to_string().into_boxed_str()),
        ));
    }
    let inv = read(&page(&strings, Vec::new()));
    assert_eq!(inv.buyer.name.as_deref(), Some("广州华栈天城科技有限公司"));
    assert_eq!(
        inv.seller.name.as_deref(),
        Some("广州灵感之茶餐饮管理有限公司")
    );
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91440106068698695J"));
    assert_eq!(inv.seller.tax_id.as_deref(), Some("91440101MA5AL52Y44"));
}

#[test]
fn currency_signs_and_spaced_full_width_colons_are_read() {
    let inv = read(&page(
        &[
            (400.0, 20.0, "发票代码 ：011001900111"),
            (40.0, 300.0, "合 计"),
            (300.0, 300.0, "´200.00"),
            (500.0, 300.0, "´26.00"),
            (40.0, 320.0, "价税合计（大写）"),
            (150.0, 320.0, "贰佰贰拾陆圆整"),
            (400.0, 320.0, "（小写）￥226.00"),
        ],
        Vec::new(),
    ));
    assert_eq!(inv.code.as_deref(), Some("011001900111"));
    assert_eq!((inv.amount, inv.tax), (dec("200.00"), dec("26.00")));
    assert_eq!(inv.total, dec("226.00"));
    assert_eq!(inv.total_in_words.as_deref(), Some("贰佰贰拾陆圆整"));
}

/// The item table of a legacy form: header, rows, 合计.
fn item_table(rows: &[(f64, f64, &'static str)]) -> Vec<(f64, f64, &'static str)> {
    let mut strings = vec![
        (40.0, 150.0, "货物或应税劳务、服务名称"),
        (180.0, 150.0, "规格型号"),
        (230.0, 150.0, "单 位"),
        (275.0, 150.0, "数 量"),
        (340.0, 150.0, "单 价"),
        (420.0, 150.0, "金 额"),
        (480.0, 150.0, "税率"),
        (535.0, 150.0, "税 额"),
    ];
    strings.extend_from_slice(rows);
    strings.push((60.0, 260.0, "合       计"));
    strings
}

#[test]
fn wrapped_names_discount_lines_and_subtotals_make_the_right_rows() {
    let strings = item_table(&[
        (27.0, 165.0, "*电子计算机*笔记本电脑Magi"),
        (232.0, 165.0, "台"),
        (300.0, 165.0, "1"),
        (360.0, 165.0, "3822.12"),
        (440.0, 165.0, "3822.12"),
        (486.0, 165.0, "13%"),
        (545.0, 165.0, "496.88"),
        (27.0, 177.0, "cBook Pro 冰河银"),
        (27.0, 189.0, "*电子计算机*笔记本电脑"),
        (442.0, 189.0, "-100.00"),
        (486.0, 189.0, "13%"),
        (545.0, 189.0, "-13.00"),
        (27.0, 201.0, "小计"),
        (440.0, 201.0, "3722.12"),
        (486.0, 201.0, "13%"),
        (545.0, 201.0, "483.88"),
    ]);
    let inv = read(&page(&strings, Vec::new()));
    let names: Vec<_> = inv.items.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("*电子计算机*笔记本电脑MagicBook Pro 冰河银"),
            Some("*电子计算机*笔记本电脑")
        ]
    );
    let first = &inv.items[0];
    assert_eq!(
        (first.quantity, first.unit_price),
        (dec("1"), dec("3822.12"))
    );
    assert_eq!((first.amount, first.tax), (dec("3822.12"), dec("496.88")));
    assert_eq!(first.unit.as_deref(), Some("台"));
    assert_eq!(
        (inv.items[1].amount, inv.items[1].tax),
        (dec("-100.00"), dec("-13.00"))
    );
}

#[test]
fn a_neighbouring_columns_value_printed_over_a_wrapped_name_stays_out_of_it() {
    // The name (one string) runs under the 规格型号 heading; 无 is drawn over it.
    let strings = item_table(&[
        (27.0, 165.0, "*图书*计算机科学丛书第一卷精装版"),
        (185.0, 165.0, "无"),
        (300.0, 165.0, "1"),
        (360.0, 165.0, "88.00"),
        (440.0, 165.0, "88.00"),
        (486.0, 165.0, "免税"),
        (545.0, 165.0, "***"),
    ]);
    let inv = read(&page(&strings, Vec::new()));
    assert_eq!(inv.items.len(), 1, "{:#?}", inv.items);
    assert_eq!(
        inv.items[0].name.as_deref(),
        Some("*图书*计算机科学丛书第一卷精装版")
    );
    assert_eq!(inv.items[0].spec.as_deref(), Some("无"));
    assert_eq!(inv.items[0].amount, dec("88.00"));
}

#[test]
fn glyphs_placed_one_by_one_and_letter_spaced_read_as_words() {
    // Re-rendered files place every glyph alone, CJK ~1.9 em apart, digits ~0.8 em.
    let mut boxes = Vec::new();
    let mut group = 0;
    let mut spaced = |x0: f64, y: f64, s: &str, pitch_cjk: f64, pitch_ascii: f64| {
        let mut x = x0;
        for c in s.chars() {
            boxes.push(text(x, y, 9.0, &c.to_string(), group));
            group += 1;
            x += if c.is_ascii() { pitch_ascii } else { pitch_cjk };
        }
    };
    spaced(40.0, 60.0, "名称：中国移动通信集团四川有限公司", 26.0, 12.0);
    spaced(40.0, 90.0, "合计", 120.0, 12.0);
    spaced(400.0, 90.0, "2129.34", 26.0, 12.0);
    spaced(520.0, 90.0, "21.29", 26.0, 12.0);
    let page = Page {
        width: 700.0,
        height: 400.0,
        text: boxes,
        rules: Vec::new(),
    };
    let inv = read(&page);
    assert_eq!(
        inv.buyer.name.as_deref(),
        Some("中国移动通信集团四川有限公司")
    );
    assert_eq!((inv.amount, inv.tax), (dec("2129.34"), dec("21.29")));
}

#[test]
fn a_text_layer_that_spells_no_label_yields_no_names() {
    // Codes mapped to the wrong characters: text is there, labels are not.
    let garbled = [
        (40.0, 60.0, "#$ %&'()*+,-./"),
        (40.0, 75.0, "!\"#$%&'()*"),
        (40.0, 90.0, "0123 4567 89:;"),
        (40.0, 105.0, "<=>?@ABCDEFG"),
        (40.0, 120.0, "HIJKLMNOPQ RSTU"),
    ];
    let mut draft = Draft::new();
    read_page(&page(&garbled, Vec::new()), &mut draft, "pdf-text");
    let inv = draft.finish();
    assert_eq!(inv.buyer, Default::default());
    assert!(inv.title.is_none() && inv.items.is_empty());
    assert!(
        inv.extra["local:pdf_text"]
            .as_str()
            .unwrap()
            .contains("no invoice labels")
    );
}

#[test]
fn copies_drawn_outside_the_page_are_not_read() {
    let inv = read(&page(
        &[
            (300.0, 380.0, "开票人：田梦"),
            (300.0, 812.0, "开票人：某某"),
        ],
        Vec::new(),
    ));
    assert_eq!(inv.issuer.as_deref(), Some("田梦"));
    let inv = read(&page(&[(300.0, 812.0, "开票人：田梦")], Vec::new()));
    assert_eq!(inv.issuer, None);
}

#[test]
fn kangxi_radicals_fold_into_the_ideographs_they_stand_for() {
    let inv = read(&page(
        &[
            (40.0, 60.0, "名称：⼀⼈⼤⽅电⼦公司"),
            (40.0, 80.0, "开票日期：2023年07月07日"),
        ],
        Vec::new(),
    ));
    assert_eq!(inv.buyer.name.as_deref(), Some("一人大方电子公司"));
}

#[test]
fn text_its_font_cannot_vouch_for_gives_no_names_and_only_proven_tax_ids() {
    let mut page = page(
        &[
            (40.0, 60.0, "名称：广州华栈天城科技有限公司"),
            (40.0, 80.0, "纳税人识别号：91440106068698695J"),
            (300.0, 60.0, "名称：广州灵感之茶餐饮管理有限公司"),
            (300.0, 80.0, "纳税人识别号：91440101MA5AL52Y4Q"),
            (400.0, 20.0, "发票号码：25447000001115703415"),
        ],
        Vec::new(),
    );
    for text in &mut page.text {
        text.suspect = true;
    }
    let mut draft = Draft::new();
    read_page(&page, &mut draft, "pdf-text");
    let inv = draft.finish();
    assert_eq!(
        (inv.buyer.name.as_deref(), inv.seller.name.as_deref()),
        (None, None)
    );
    // The buyer's ID proves itself by its check character; the seller's does not.
    assert_eq!(inv.buyer.tax_id.as_deref(), Some("91440106068698695J"));
    assert_eq!(inv.seller.tax_id, None);
    assert_eq!(inv.number.as_deref(), Some("25447000001115703415"));
    assert!(
        inv.extra["local:pdf_text"]
            .as_str()
            .unwrap()
            .contains("cannot be trusted")
    );
}

#[test]
fn labels_that_name_their_block_need_no_caption() {
    let inv = read(&page(
        &[
            (40.0, 60.0, "购买方名称：深圳市某某科技有限公司"),
            (40.0, 75.0, "购买方纳税人识别号：91440300799214981G"),
            (320.0, 60.0, "销售方名称：深圳市某某餐饮有限公司"),
            (320.0, 75.0, "销售方纳税人识别号：91440101MA5AL52Y44"),
            (40.0, 300.0, "合计金额：¥47.17"),
            (200.0, 300.0, "合计税额：¥2.83"),
            (360.0, 300.0, "价税合计（小写）：¥50.00"),
        ],
        Vec::new(),
    ));
    assert_eq!(inv.buyer.name.as_deref(), Some("深圳市某某科技有限公司"));
    assert_eq!(inv.seller.name.as_deref(), Some("深圳市某某餐饮有限公司"));
    assert_eq!(inv.seller.tax_id.as_deref(), Some("91440101MA5AL52Y44"));
    assert_eq!(
        (inv.amount, inv.tax, inv.total),
        (dec("47.17"), dec("2.83"), dec("50.00"))
    );
}

#[test]
fn toll_invoice_columns_between_name_and_amount_stay_out_of_the_name() {
    let strings = vec![
        (30.0, 150.0, "项目名称"),
        (130.0, 150.0, "车牌号"),
        (190.0, 150.0, "类 型"),
        (240.0, 150.0, "通行日期起"),
        (310.0, 150.0, "通行日期止"),
        (420.0, 150.0, "金 额"),
        (480.0, 150.0, "征收率"),
        (535.0, 150.0, "税 额"),
        (27.0, 165.0, "*经营租赁*通行费"),
        (128.0, 165.0, "苏A12345"),
        (192.0, 165.0, "客车"),
        (240.0, 165.0, "20240501"),
        (310.0, 165.0, "20240531"),
        (440.0, 165.0, "97.09"),
        (486.0, 165.0, "3%"),
        (545.0, 165.0, "2.91"),
        (60.0, 200.0, "合 计"),
    ];
    let inv = read(&page(&strings, Vec::new()));
    assert_eq!(inv.items.len(), 1, "{:#?}", inv.items);
    assert_eq!(inv.items[0].name.as_deref(), Some("*经营租赁*通行费"));
    assert_eq!(
        (inv.items[0].amount, inv.items[0].tax),
        (dec("97.09"), dec("2.91"))
    );
    assert_eq!(
        (inv.items[0].quantity, inv.items[0].unit_price),
        (None, None)
    );
}

#[test]
fn a_label_in_a_cell_of_its_own_takes_the_next_cells_value_but_no_further() {
    // Label cells and value cells side by side (fiscal and toll bills); the 地址、电话 row
    // is empty, and the rule beyond its empty cell must not hand it the next box.
    let inv = read(&page(
        &[
            (40.0, 60.0, "名称"),
            (110.0, 60.0, "江苏某某高速公路有限公司"),
            (40.0, 80.0, "地址、电话:"),
            (300.0, 80.0, "5*5451<23>3*///0</+1/<<748+"),
        ],
        vec![
            vertical_rule(62.0, 50.0, 90.0),
            vertical_rule(290.0, 50.0, 90.0),
        ],
    ));
    assert_eq!(inv.buyer.name.as_deref(), Some("江苏某某高速公路有限公司"));
    assert_eq!(inv.buyer.address_phone, None);
}

#[test]
fn a_number_printed_with_a_no_prefix_is_read_without_it() {
    let inv = read(&page(&[(400.0, 30.0, "发票号码：No.07292535")], Vec::new()));
    assert_eq!(inv.number.as_deref(), Some("07292535"));
}

/// Glyphs the generated pages draw from: label characters, captions, digits, money signs.
const ALPHABET: &[&str] = &[
    "发",
    "票",
    "号",
    "码",
    "名",
    "称",
    "纳",
    "税",
    "人",
    "识",
    "别",
    "合",
    "计",
    "金",
    "额",
    "购",
    "买",
    "方",
    "销",
    "售",
    "信",
    "息",
    "价",
    "大",
    "写",
    "小",
    "(",
    ")",
    ":",
    "：",
    "¥",
    "´",
    "%",
    "-",
    ".",
    "0",
    "1",
    "7",
    "9",
    "X",
    " ",
    "详见销货清单",
];

proptest::proptest! {
    /// Any page — overlapping, degenerate, huge or non-finite boxes, rules anywhere — is
    /// read without a panic.
    #[test]
    fn any_page_reads_without_panicking(
        boxes in proptest::collection::vec(
            (0..ALPHABET.len(), -50.0..700.0f64, -50.0..500.0f64, -5.0..60.0f64,
             0.0..30.0f64, 0u32..6, proptest::bool::ANY),
            0..120,
        ),
        rules in proptest::collection::vec(
            (-10.0..700.0f64, -10.0..500.0f64, 0.0..300.0f64, 0.0..300.0f64),
            0..20,
        ),
        poison in proptest::bool::ANY,
    ) {
        let mut text: Vec<TextBox> = boxes
            .into_iter()
            .map(|(c, x, y, w, size, group, suspect)| TextBox {
                text: ALPHABET[c].to_owned(),
                rect: Rect::spanning(x, y, x + w, y + size),
                size,
                group,
                suspect,
            })
            .collect();
        if poison && let Some(first) = text.first_mut() {
            first.rect.x0 = f64::NAN;
            first.size = f64::INFINITY;
        }
        let page = Page {
            width: 600.0,
            height: 400.0,
            text,
            rules: rules
                .into_iter()
                .map(|(x, y, w, h)| Rect::spanning(x, y, x + w / 50.0, y + h))
                .collect(),
        };
        let mut draft = Draft::new();
        read_page(&page, &mut draft, "pdf-text");
        let _ = draft.finish();
    }
}
