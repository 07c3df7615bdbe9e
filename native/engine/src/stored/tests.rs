//! Stored books against books decoded at once, over the example file.

use credit_books::book_to_bytes;
use credit_model::InputEvent;

use crate::engine::Engine;

fn examples() -> Vec<InputEvent> {
    let examples = include_str!("../../../../examples/events.jsonl");
    examples.lines().map(|line| credit_text::parse_event(line.as_bytes()).expect("an example"))
        .collect()
}

fn is_reference(event: &InputEvent) -> bool {
    matches!(event, InputEvent::CompanyUpserted(_) | InputEvent::WarehouseUpserted(_)
        | InputEvent::CustomerUpserted(_) | InputEvent::GroupUpserted(_)
        | InputEvent::ExchangeRateSet(_))
}

impl Engine {
    fn new_ran(events: &[InputEvent]) -> Engine {
        let mut engine = Engine::new();
        outputs(&mut engine, events);
        engine
    }
}

fn outputs(engine: &mut Engine, events: &[InputEvent]) -> Vec<String> {
    let mut written = Vec::new();
    for event in events {
        let outcome = engine.handle(event).expect("a valid event");
        for output in &outcome.outputs {
            let mut line = Vec::new();
            credit_text::write_output(output, &mut line);
            written.push(String::from_utf8(line).expect("UTF-8"));
        }
    }
    written
}

/// Each account with its book's bytes.
type Books = Vec<(String, String, Vec<u8>)>;

/// Every book's bytes and every group's totals.
fn state(engine: &mut Engine) -> (Books, Vec<String>) {
    engine.load_all().expect("readable books");
    let books = engine.book_accounts().into_iter().map(|(company, customer)| {
        let book = engine.book(&company, &customer).expect("a held book");
        (company.to_string(), customer.to_string(), book_to_bytes(book))
    });
    let mut groups: Vec<String> = engine.group_totals.iter().map(|(group, totals)| {
        let (mut buckets, mut dues) = (totals.buckets(), totals.dues());
        buckets.sort_by_key(|bucket| format!("{bucket:?}")); // in the order they were opened
        dues.sort_by_key(|due| format!("{due:?}"));
        format!("{group}: {buckets:?} {dues:?}")
    }).collect();
    groups.sort();
    (books.collect(), groups)
}

/// A new owner at `split`: the reference events so far, then the books of an engine that
/// ran to `split`, adopted as bytes.
fn restarted(events: &[InputEvent], split: usize) -> (Engine, usize) {
    let mut first = Engine::new();
    outputs(&mut first, &events[..split]);
    let mut engine = Engine::new();
    let reference: Vec<InputEvent> =
        events[..split].iter().filter(|event| is_reference(event)).cloned().collect();
    outputs(&mut engine, &reference);
    let mut count = 0;
    for (company, customer) in first.book_accounts() {
        let payload = book_to_bytes(first.book(&company, &customer).expect("a held book"));
        engine.adopt_stored(&company, &customer, &payload);
        count += 1;
    }
    (engine, count)
}

#[test]
fn a_restart_with_stored_books_decides_as_one_that_never_stopped() {
    let events = examples();
    let first_transaction = events.iter().position(|event| !is_reference(event)).expect("some");
    for split in (first_transaction..=events.len()).step_by(7) {
        let mut running = Engine::new();
        outputs(&mut running, &events[..split]);
        let expected = outputs(&mut running, &events[split..]);
        let (mut engine, count) = restarted(&events, split);
        assert_eq!(engine.stored.len(), count);
        assert!(engine.books.iter().all(Option::is_none), "nothing decoded at adopt");
        assert_eq!(outputs(&mut engine, &events[split..]), expected, "split at {split}");
        let (books, groups) = state(&mut engine);
        let (running_books, running_groups) = state(&mut running);
        assert_eq!(books, running_books, "split at {split}");
        assert_eq!(groups, running_groups, "split at {split}");
        assert!(engine.stored.is_empty());
    }
}

#[test]
fn a_group_is_loaded_in_full_before_its_totals_are_read() {
    let events = examples();
    let (mut engine, _) = restarted(&events, events.len());
    let mut running = Engine::new();
    outputs(&mut running, &events);
    let grouped: Vec<String> = running.group_totals.keys().map(ToString::to_string).collect();
    assert!(!grouped.is_empty());
    for group in &grouped {
        assert!(engine.group_totals.get(group.as_str()).is_none(), "counted nowhere yet");
        let sorted = |totals: &credit_books::GroupTotals| {
            let mut buckets = totals.buckets();
            buckets.sort_by_key(|bucket| format!("{bucket:?}"));
            format!("{buckets:?}")
        };
        let loaded = engine.loaded_totals(group).expect("readable").map(sorted);
        assert_eq!(loaded, running.group_totals.get(group.as_str()).map(sorted));
    }
}

#[test]
fn a_stored_book_that_cannot_be_read_names_its_account_and_stays() {
    let events = examples();
    let (mut engine, _) = restarted(&events, events.len());
    let (company, customer) = Engine::new_ran(&events).book_accounts().remove(0);
    engine.adopt_stored(&company, &customer, b"\x03 no book");
    let why = engine.loaded_book(&company, &customer).expect_err("unreadable");
    assert!(why.contains(&format!("('{company}', '{customer}')")), "{why}");
    assert!(engine.holds_book(&company, &customer), "kept: nothing is lost");
    assert!(engine.load_all().is_err());
}

#[test]
fn dropping_a_stored_book_leaves_its_group_untouched() {
    let events = examples();
    let mut running = Engine::new();
    outputs(&mut running, &events);
    let (mut engine, count) = restarted(&events, events.len());
    assert!(engine.book_accounts().is_empty(), "none decoded");
    let (company, customer) = &running.book_accounts()[0];
    assert!(engine.drop_book(company, customer));
    assert!(!engine.holds_book(company, customer) && !engine.drop_book(company, customer));
    assert_eq!(engine.stored.len(), count - 1);
}

#[test]
fn settle_leaves_nothing_to_load_for_the_event() {
    let events = examples();
    let first_transaction = events.iter().position(|event| !is_reference(event)).expect("some");
    let (mut engine, _) = restarted(&events, first_transaction + 20);
    let unsettled = events[first_transaction + 20..].iter().filter(|e| !engine.is_settled(e));
    assert!(unsettled.count() > 0, "some events read stored books");
    for event in &events[first_transaction + 20..] {
        engine.settle(event).expect("readable books");
        assert!(engine.is_settled(event));
        engine.apply(event).expect("a valid event");
    }
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "apply of an event not settled")]
fn applying_an_event_not_settled_is_refused_in_tests() {
    let events = examples();
    let (mut engine, _) = restarted(&events, events.len());
    let order = events.iter().rev().find(|event| !engine.is_settled(event)).expect("one");
    let _ = engine.apply(&order.clone());
}
