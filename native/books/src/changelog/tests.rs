//! Expected bytes from CPython 3.11.7 running `service.domain.snapshot` on the book of
//! `book()`: `b = AccountBook("EUR"); b.add_order("SO-1", 5000); b.post_invoice("INV-1", 8000,
//! date(2026, 3, 2), date(2026, 4, 1)); b.hold("SO-2", HeldOrder("e-2", Decimal("12.50"),
//! "USD", None, "cash", ("GROUP_LIMIT",), None, None, None, datetime(2026, 3, 2, 9, 0,
//! tzinfo=timezone.utc))); b.mark_seen(id_digest("order", "SO-1")); b.review_notified =
//! date(2026, 3, 2)`, then `book_to_bytes(b)` (and after `b.add_order("SO-3", 2**63)`).

use super::*;
use credit_model::{Dec, Instant, PaymentType};

const BINARY: &str = "03401f000000000000881300000000000000000000000000005d490b000345555210000000630000001900000008000000010000008813000000000000534f2d315b22534f2d32222c22652d32222c2231322e3530222c22555344222c6e756c6c2c2263617368222c5b2247524f55505f4c494d4954225d2c6e756c6c2c6e756c6c2c6e756c6c2c22323032362d30332d30325430393a30303a30302b30303a3030225d01000000401f0000000000007b490b005d490b00494e562d31fa2da316d4a7a2aa";
const WIDE: &str = r#"[2,"EUR",8000,9223372036854780808,0,{"SO-1":5000,"SO-3":9223372036854775808},"[\"SO-2\",\"e-2\",\"12.50\",\"USD\",null,\"cash\",[\"GROUP_LIMIT\"],null,null,null,\"2026-03-02T09:00:00+00:00\"]","AQAAAEAfAAAAAAAAe0kLAF1JCwBJTlYtMQ==","+i2jFtSnoqo=",739677]"#;
const DIGEST: u64 = 18_027_244_201_886_327_466; // id_digest("order", "SO-1"), big-endian

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex"))
        .collect()
}

fn book() -> AccountBook {
    let mut book = AccountBook::new(Ccy::parse("EUR").expect("EUR"));
    book.add_order("SO-1", 5000);
    book.post_invoice("INV-1", 8000, Day(739_677), Day(739_707));
    let held = HeldOrder {
        event_id: "e-2".to_owned(),
        amount: Dec {
            negative: false,
            coefficient: 1250,
            exponent: -2,
        },
        currency: Ccy::parse("USD").expect("USD"),
        ledger_amount: None,
        payment_type: PaymentType::Cash,
        reason_codes: vec!["GROUP_LIMIT"],
        credit_manager: None,
        entered_by: None,
        warehouse_id: None,
        held_at: Instant {
            utc_micros: 1_772_442_000_000_000,
            offset_seconds: 0,
        },
    };
    book.hold("SO-2", held);
    book.mark_seen(DIGEST);
    book.set_review_notified(Some(Day(739_677)));
    book
}

fn same(read: &AccountBook, book: &AccountBook) {
    assert_eq!(read.currency(), book.currency());
    let balances = |b: &AccountBook| (b.receivable(), b.open_order_total(), b.credit());
    assert_eq!(balances(read), balances(book));
    assert_eq!(read.order_items(), book.order_items());
    assert_eq!(read.invoice_items(), book.invoice_items());
    assert_eq!(read.hold_items(), book.hold_items());
    assert_eq!(read.seen_log(), book.seen_log());
    assert_eq!(read.review_notified(), book.review_notified());
}

#[test]
fn a_book_is_written_as_python_writes_it() {
    let book = book();
    assert_eq!(book_to_bytes(&book), unhex(BINARY));
    let read = book_from_bytes(&unhex(BINARY)).expect("version 3");
    same(&read, &book);
    assert_eq!(read.seen_log(), [DIGEST]);
}

#[test]
fn a_book_with_an_amount_past_64_bits_is_written_as_version_2() {
    let mut book = book();
    book.add_order("SO-3", 1 << 63);
    assert_eq!(String::from_utf8(book_to_bytes(&book)).expect("JSON"), WIDE);
    let read = book_from_bytes(WIDE.as_bytes()).expect("version 2");
    same(&read, &book);
    assert_eq!(book_to_bytes(&read), WIDE.as_bytes());
}

#[test]
fn an_empty_book_is_the_head_alone() {
    let book = AccountBook::new(Ccy::parse("JPY").expect("JPY"));
    let payload = book_to_bytes(&book);
    let mut expected = vec![3u8];
    expected.extend([0u8; 28]);
    expected.extend([3, b'J', b'P', b'Y']);
    for length in [-1i32, -1, -1, 0] {
        expected.extend(length.to_le_bytes());
    }
    assert_eq!(payload, expected);
    let read = book_from_bytes(&payload).expect("an empty book");
    same(&read, &book);
}

#[test]
fn version_1_is_read() {
    // version 1 of `book()` as Python's version 1 writer wrote it (the id log in hex)
    let record = r#"[1,"EUR",8000,5000,0,{"SO-1":5000},{"SO-2":["e-2","12.50","USD",null,"cash",["GROUP_LIMIT"],null,null,null,"2026-03-02T09:00:00+00:00"]},{"INV-1":[8000,739707,739677]},"fa2da316d4a7a2aa",739677]"#;
    let read = book_from_bytes(record.as_bytes()).expect("version 1");
    same(&read, &book());
    assert_eq!(book_to_bytes(&read), unhex(BINARY));
}

#[test]
fn what_python_refuses_is_refused() {
    let binary = unhex(BINARY);
    for cut in 0..binary.len() {
        assert!(book_from_bytes(&binary[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = binary.clone();
    longer.push(0);
    assert_eq!(
        book_from_bytes(&longer).err(),
        Some(ChangelogError::Length {
            expected: binary.len(),
            found: binary.len() + 1
        })
    );
    let mut review = binary.clone();
    review[25..29].copy_from_slice(&(-1i32).to_le_bytes());
    assert!(book_from_bytes(&review).is_err());
    let mut currency = binary.clone();
    currency[30] = b'e';
    assert!(matches!(
        book_from_bytes(&currency),
        Err(ChangelogError::Unsupported(_))
    ));
    for record in [
        "[3,\"EUR\",0,0,0,null,null,null,\"\",null]",
        "[2,\"EUR\",0,0,0,null,null,null,\"\"]",
        "[2,\"EUR\",0,0,0,null,null,null,\"AA==\",null]",
        "[2,\"EUR\",0,0,0,{\"O\":1.5},null,null,\"\",null]",
        "[2,\"EUR\",0,0,0,null,\"\",null,\"\",null]",
        "[2,\"EUR\",0,0,0,null,null,{\"I\":[1,2]},\"\",null]",
        "[2,\"EUR\",0,0,0,null,null,null,\"\",3652060]",
        "[1,\"EUR\",0,0,0,{},{},{},\"0\",null]",
    ] {
        assert!(book_from_bytes(record.as_bytes()).is_err(), "{record}");
    }
    assert_eq!(
        book_from_bytes(b"[3,\"EUR\",0,0,0,null,null,null,\"\",null]").err(),
        Some(ChangelogError::UnknownVersion)
    );
    let empty = book_from_bytes(b"[2,\"EUR\",0,0,0,null,null,null,\"\",0]").expect("empty");
    assert_eq!(empty.review_notified(), None);
}
