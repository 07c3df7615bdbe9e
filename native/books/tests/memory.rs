//! What a typical account book costs: `size_of::<AccountBook>()` plus its heap, counted by a
//! global allocator that tallies live bytes and allocations (requested sizes; glibc rounds
//! each chunk up to a multiple of 16 with 8 bytes of header, at least 32).

use credit_books::AccountBook;
use credit_model::{Ccy, Day};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

/// A counter of this thread's allocations only: the test harness allocates on other threads
/// while a test runs (its output, the other tests), which a process-wide count would include.
struct ThreadCount(&'static std::thread::LocalKey<Cell<isize>>);

impl ThreadCount {
    fn fetch_add(&self, value: isize, _: Ordering) {
        self.0.with(|cell| cell.set(cell.get() + value));
    }
    fn fetch_sub(&self, value: isize, _: Ordering) {
        self.0.with(|cell| cell.set(cell.get() - value));
    }
    fn load(&self, _: Ordering) -> isize {
        self.0.with(Cell::get)
    }
}

/// (the counters keep the atomics' call shape)
#[derive(Clone, Copy)]
enum Ordering {
    SeqCst,
}

thread_local! {
    static BYTES: Cell<isize> = const { Cell::new(0) };
    static BLOCKS: Cell<isize> = const { Cell::new(0) };
    static CHUNKS: Cell<isize> = const { Cell::new(0) };
}
static LIVE_BYTES: ThreadCount = ThreadCount(&BYTES);
static LIVE_BLOCKS: ThreadCount = ThreadCount(&BLOCKS);
static LIVE_CHUNKS: ThreadCount = ThreadCount(&CHUNKS);

/// glibc's chunk for a request: request + 8, rounded up to 16, at least 32.
fn chunk(size: usize) -> isize {
    ((size + 8).div_ceil(16) * 16).max(32) as isize
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::SeqCst);
        LIVE_BLOCKS.fetch_add(1, Ordering::SeqCst);
        LIVE_CHUNKS.fetch_add(chunk(layout.size()), Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        LIVE_BLOCKS.fetch_sub(1, Ordering::SeqCst);
        LIVE_CHUNKS.fetch_sub(chunk(layout.size()), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst);
        LIVE_CHUNKS.fetch_add(chunk(new_size) - chunk(layout.size()), Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The counters are global: one measuring test at a time.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// 2 open invoices, 1 open order, 6 ids seen (the order, the invoices, payments), ids of
/// everyday length (`SO-2026-000123`, `INV-2026-0000123`).
fn typical(n: usize) -> AccountBook {
    let mut book = AccountBook::new(Ccy::parse("EUR").expect("EUR"));
    for k in 0..6u64 {
        book.mark_seen((n as u64) << 8 | k);
    }
    book.add_order(&format!("SO-2026-{n:06}"), 125_000);
    book.post_invoice(
        &format!("INV-2026-{n:07}"),
        80_000,
        Day(739_000),
        Day(739_030),
    );
    book.post_invoice(
        &format!("INV-2026-{:07}", n + 1),
        45_000,
        Day(739_010),
        Day(739_040),
    );
    book
}

#[test]
fn a_typical_book_is_small() {
    const BOOKS: usize = 10_000;
    let _alone = MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (bytes, blocks, chunks) = (
        LIVE_BYTES.load(Ordering::SeqCst),
        LIVE_BLOCKS.load(Ordering::SeqCst),
        LIVE_CHUNKS.load(Ordering::SeqCst),
    );
    let mut books = Vec::with_capacity(BOOKS);
    let after_vec = LIVE_BYTES.load(Ordering::SeqCst);
    for n in 0..BOOKS {
        books.push(typical(n));
    }
    let heap = (LIVE_BYTES.load(Ordering::SeqCst) - after_vec) as usize / BOOKS;
    let allocations = (LIVE_BLOCKS.load(Ordering::SeqCst) - blocks - 1) as usize / BOOKS;
    let chunk_bytes = (LIVE_CHUNKS.load(Ordering::SeqCst)
        - chunks
        - chunk((after_vec - bytes) as usize)) as usize
        / BOOKS;
    let inline = std::mem::size_of::<AccountBook>();
    println!(
        "AccountBook: {inline} B inline; typical book heap {heap} B requested in {allocations} \
         allocations ({chunk_bytes} B in glibc chunks); heap_bytes() says {}",
        books[0].heap_bytes()
    );
    assert_eq!(inline, 8);
    assert_eq!(allocations, 1); // one buffer: balances, id log, orders, invoices
    // the currency (3); header: no review day (1), receivable and open-order total 125 000 (3
    // varint bytes each), credit 0, the log's length and the orders' and invoices' byte
    // lengths (1 each); 6 digests of 8; the order: amount (3), id length (1), 14-byte id; each
    // invoice: amount, due (3 each), its 30 days' terms (1), id length (1), 16-byte id
    let packed = 3 + (1 + 3 + 3 + 1 + 1 + 1 + 1) + 6 * 8 + (3 + 1 + 14) + 2 * (3 + 3 + 1 + 1 + 16);
    assert_eq!(packed, 128);
    assert_eq!(heap, 2 + packed); // after its length: 2 varint bytes from 128 on
    assert_eq!(books[0].heap_bytes(), heap);
    assert_eq!(AccountBook::new(Ccy::parse("EUR").expect("EUR")).heap_bytes(), 1 + 3 + 7);
    assert!(books
        .iter()
        .all(|book| book.has_order(&format!("SO-2026-{:06}", 0)) == std::ptr::eq(book, &books[0])));
}

mod common;

/// The books of `make bench`'s load at its end, replayed on the Python engine and dumped by
/// `tests/dump_bench_books.py 10000 <file>` and named by `BENCH_BOOKS=<file>`, rebuilt here:
/// what they cost natively. Run with `cargo test -p credit_books --test memory -- --ignored
/// --nocapture`.
#[test]
#[ignore = "needs BENCH_BOOKS, a dump of the Python engine's books after make bench's load"]
fn bench_load_books() {
    let _alone = MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = std::env::var("BENCH_BOOKS").expect("BENCH_BOOKS: the dumped books");
    let raw = std::fs::read_to_string(path).expect("the dumped books");
    let dumped: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
    let dumped = dumped.as_array().expect("a list of books");
    let before = (
        LIVE_BYTES.load(Ordering::SeqCst),
        LIVE_CHUNKS.load(Ordering::SeqCst),
    );
    let mut books = Vec::with_capacity(dumped.len());
    let vec_bytes = LIVE_BYTES.load(Ordering::SeqCst) - before.0;
    let vec_chunk = LIVE_CHUNKS.load(Ordering::SeqCst) - before.1;
    for book in dumped {
        let mut rebuilt = AccountBook::new(common::ccy(&book["currency"]));
        let orders: Vec<(&str, i128)> = book["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .map(|o| (common::text(&o[0]), common::minor(&o[1])))
            .collect();
        rebuilt.set_orders(orders);
        let invoices = book["invoices"]
            .as_array()
            .expect("invoices")
            .iter()
            .map(|i| {
                let open = credit_books::OpenInvoice {
                    open_amount: common::minor(&i[1]),
                    due: common::day(&i[2]),
                    invoice_date: common::day(&i[3]),
                };
                (common::text(&i[0]), open)
            });
        rebuilt.set_invoices(invoices.collect::<Vec<_>>());
        let seen: Vec<u64> = book["seen"]
            .as_array()
            .expect("seen")
            .iter()
            .map(|d| d.as_u64().expect("digest"))
            .collect();
        rebuilt.load_seen(&seen);
        for hold in book["holds"].as_array().expect("holds") {
            rebuilt.hold(common::text(&hold[0]), common::held_order(&hold[1]));
        }
        books.push(rebuilt);
    }
    let n = books.len() as isize;
    let heap = LIVE_BYTES.load(Ordering::SeqCst) - before.0 - vec_bytes;
    let chunks = LIVE_CHUNKS.load(Ordering::SeqCst) - before.1 - vec_chunk;
    let inline = std::mem::size_of::<AccountBook>() as isize;
    println!(
        "{n} books: {inline} B inline + {} B heap requested ({} B in glibc chunks) = {} B a book",
        heap / n,
        chunks / n,
        inline + chunks / n
    );
    assert!(inline + chunks / n < 200);
}
