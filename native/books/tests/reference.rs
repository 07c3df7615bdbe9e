//! Cases the random trace does not reach, each with the values the Python reference gives.
//! Produced with `.venv/bin/python -c '...'` running the
//! statements quoted in each test's comment on `service.domain.ledger.AccountBook` and
//! `service.domain.group_totals.GroupTotals`.

use credit_books::{AccountBook, GroupTotals, NotOpen, OpenInvoice};
use credit_model::{Ccy, Day, GroupView};

fn eur() -> Ccy {
    Ccy::parse("EUR").expect("EUR")
}

fn invoice(open_amount: i128, due: i32, invoice_date: i32) -> OpenInvoice {
    OpenInvoice {
        open_amount,
        due: Day(due),
        invoice_date: Day(invoice_date),
    }
}

#[test]
fn a_zero_record_set_back_is_paid_with_a_zero_change() {
    // b.set_invoices({"I1": OpenInvoice(0, 739000, 738990), "I2": OpenInvoice(50, 739001, 738990)})
    // b.post_payment(30, ()) -> {739000: 0, 739001: -30}; invoice_items() {'I2': (20, 739001,
    // 738990)}; credit 0; receivable -30
    let mut book = AccountBook::new(eur());
    book.set_invoices([
        ("I1", invoice(0, 739_000, 738_990)),
        ("I2", invoice(50, 739_001, 738_990)),
    ]);
    let no_names: &[&str] = &[];
    assert_eq!(
        book.post_payment(30, no_names),
        vec![(Day(739_000), 0), (Day(739_001), -30)]
    );
    assert_eq!(
        book.invoice_items(),
        vec![("I2", invoice(20, 739_001, 738_990))]
    );
    assert_eq!((book.credit(), book.receivable()), (0, -30));
}

#[test]
fn set_orders_leaves_the_total_and_remove_order_refuses_an_unknown_order() {
    // b.set_orders({"O1": 5, "O2": 7}) -> order_items {'O1': 5, 'O2': 7}, open_order_total 0;
    // b.remove_order("O9") -> KeyError('O9'); b.remove_order("O2") -> 7, {'O1': 5}, total -7
    let mut book = AccountBook::new(eur());
    book.set_orders([("O1", 5), ("O2", 7)]);
    assert_eq!(book.order_items(), vec![("O1", 5), ("O2", 7)]);
    assert_eq!(book.open_order_total(), 0);
    assert_eq!(book.remove_order("O9"), Err(NotOpen("O9".into())));
    assert_eq!(book.remove_order("O2"), Ok(7));
    assert_eq!(book.order_items(), vec![("O1", 5)]);
    assert_eq!(book.open_order_total(), -7);
}

#[test]
fn absorb_adds_orders_replaces_invoices_in_place_and_merges_ids() {
    // b.add_order("O1", 100); p.add_order("O1", 30); p.add_order("O2", 1)
    // p.post_invoice("I1", 40, 739000, 739030); p.post_invoice("I9", 7, 739000, 739031)
    // p.mark_seen(3); p.mark_seen(1); b.mark_seen(3); b.mark_seen(2)
    // b.post_invoice("I1", 500, 738000, 738030); b.post_invoice("I0", 5, 738000, 738030)
    // b.absorb(p) -> orders {'O1': 30, 'O2': 1}, total 131; invoices I1 (40, 739030, 739000),
    // I0 (5, 738030, 738000), I9 (7, 739031, 739000); receivable 552, credit 0; ids [3, 2, 1]
    let mut book = AccountBook::new(eur());
    let mut present = AccountBook::new(eur());
    book.add_order("O1", 100);
    present.add_order("O1", 30);
    present.add_order("O2", 1);
    present.post_invoice("I1", 40, Day(739_000), Day(739_030));
    present.post_invoice("I9", 7, Day(739_000), Day(739_031));
    present.mark_seen(3);
    present.mark_seen(1);
    book.mark_seen(3);
    book.mark_seen(2);
    book.post_invoice("I1", 500, Day(738_000), Day(738_030));
    book.post_invoice("I0", 5, Day(738_000), Day(738_030));
    book.absorb(present);
    assert_eq!(book.order_items(), vec![("O1", 30), ("O2", 1)]);
    assert_eq!(book.open_order_total(), 131);
    let expected = vec![
        ("I1", invoice(40, 739_030, 739_000)),
        ("I0", invoice(5, 738_030, 738_000)),
        ("I9", invoice(7, 739_031, 739_000)),
    ];
    assert_eq!(book.invoice_items(), expected);
    assert_eq!((book.receivable(), book.credit()), (552, 0));
    assert_eq!(book.seen_log(), vec![3, 2, 1]);
}

#[test]
fn credit_covering_an_invoice_leaves_no_record() {
    // b.post_payment(100, ()); b.post_invoice("I1", 60, 739000, 739030) -> {}; credit 40;
    // receivable -40; invoices None
    let mut book = AccountBook::new(eur());
    let no_names: &[&str] = &[];
    book.post_payment(100, no_names);
    assert_eq!(
        book.post_invoice("I1", 60, Day(739_000), Day(739_030)),
        vec![]
    );
    assert_eq!((book.credit(), book.receivable()), (40, -40));
    assert!(book.open_invoices().is_empty());
}

#[test]
fn a_book_python_cannot_pack_reports_every_due() {
    // b.post_invoice("A", 10, 739000, 739001); b.post_invoice("B", 2**63, 739000, 739002)
    // b.post_invoice("C", 3, 739000, 739003) -> {739001: 0, 739002: 0, 739003: 3} (the table
    // is a dict now); b.post_invoice("I\x00", 4, 739000, 739004) -> {739001: 0, 739002: 0,
    // 739003: 0, 739004: 4}
    let mut book = AccountBook::new(eur());
    book.post_invoice("A", 10, Day(739_000), Day(739_001));
    book.post_invoice("B", 1 << 63, Day(739_000), Day(739_002));
    let changes = book.post_invoice("C", 3, Day(739_000), Day(739_003));
    assert_eq!(
        changes,
        vec![(Day(739_001), 0), (Day(739_002), 0), (Day(739_003), 3)]
    );
    let changes = book.post_invoice("I\u{0}", 4, Day(739_000), Day(739_004));
    let expected = vec![
        (Day(739_001), 0),
        (Day(739_002), 0),
        (Day(739_003), 0),
        (Day(739_004), 4),
    ];
    assert_eq!(changes, expected);
}

#[test]
fn a_long_log_read_back_is_a_table_and_a_short_one_stays_as_given() {
    // b.load_seen(digests 9, 2, 9, 4) -> seen_bytes() the same 32 bytes; has_seen(4) True
    let mut book = AccountBook::new(eur());
    book.load_seen(&[9, 2, 9, 4]);
    assert_eq!(book.seen_log(), vec![9, 2, 9, 4]);
    assert!(book.has_seen(4) && !book.has_seen(5));
    let long: Vec<u64> = (0..70).rev().collect();
    book.load_seen(&long);
    assert_eq!(book.seen_log(), (0..70).collect::<Vec<_>>());
}

#[test]
fn group_totals_sign_zero_and_cutoff_at_zero() {
    // bk = AccountBook("USD"); bk.add_order("O", 9); bk.post_invoice("I", 20, 739000, 739010)
    // g.add_book(bk, "C1", 1); g.add_book(bk, "C1", 0) -> buckets {('USD','C1'): [20, 9]},
    // dues {} (sign 0 takes the dues off); g.add_book(bk, "C1", 1); g.overdue(day 5, 100) {};
    // g.overdue(739011, 0) {"USD": 20}; g.overdue(739010, 0) {}; g.exposure(set()) {"USD": 58},
    // g.exposure({"C1"}) {"USD": 40}
    let usd = Ccy::parse("USD").expect("USD");
    let mut book = AccountBook::new(usd);
    book.add_order("O", 9);
    book.post_invoice("I", 20, Day(739_000), Day(739_010));
    let mut totals = GroupTotals::new();
    totals.add_book(&book, "C1", 1);
    totals.add_book(&book, "C1", 0);
    assert_eq!(totals.buckets(), vec![(usd, "C1", 20, 9)]);
    assert!(totals.dues().is_empty());
    totals.add_book(&book, "C1", 1);
    assert!(totals.overdue(Day(5), 100).is_empty());
    assert_eq!(totals.overdue(Day(739_011), 0), vec![(usd, 20)]);
    assert!(totals.overdue(Day(739_010), 0).is_empty());
    let none = |_: &str| false;
    let all = |_: &str| true;
    assert_eq!(totals.exposure(&none), vec![(usd, 58)]);
    assert_eq!(totals.exposure(&all), vec![(usd, 40)]);
}
