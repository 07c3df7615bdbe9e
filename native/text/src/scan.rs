//! A strict JSON scanner over one input line: exactly the grammar of RFC 8259, minus what
//! pydantic's parser (jiter) might read differently (`NaN`/`Infinity` literals, nesting
//! deeper than `MAX_DEPTH`), which it refuses. It never builds a value tree: a field's value
//! is kept as a borrowed [`Raw`] and read by the event builders.

use crate::plain::plain_run;
use crate::NotCanonical;

pub(crate) type Res<T> = Result<T, NotCanonical>;

/// Nesting allowed inside an ignored field (jiter's own limit is about 200).
const MAX_DEPTH: u32 = 64;

/// Longest number accepted (jiter refuses integers of more than 4300 digits).
const MAX_NUMBER_LEN: usize = 100;

pub(crate) fn bad<T>(why: &str) -> Res<T> {
    Err(NotCanonical(why.to_owned()))
}

/// A JSON string's content between its quotes, syntax already checked (escapes well formed,
/// surrogates paired, no raw control characters, valid UTF-8).
#[derive(Clone, Copy, Debug)]
pub(crate) struct JStr<'a> {
    pub raw: &'a [u8],
    pub escaped: bool,
}

impl<'a> JStr<'a> {
    /// The raw text, checked to be UTF-8 when scanned (`Scanner::string`, or a plain run of
    /// `compact::scan_compact`: the only makers of a `JStr`), so not checked again.
    fn text(&self) -> &'a str {
        debug_assert!(std::str::from_utf8(self.raw).is_ok());
        // SAFETY: `Scanner::string` and `scan_compact` make every `JStr`, and only after
        // finding its bytes all ASCII (a plain run) or checking them with `from_utf8`.
        unsafe { std::str::from_utf8_unchecked(self.raw) }
    }

    /// The text when it has no escapes (dates, amounts, codes: escaped forms are refused).
    pub fn plain(&self) -> Option<&'a str> {
        (!self.escaped).then(|| self.text())
    }

    /// The decoded text.
    #[inline(always)]
    pub fn decode(&self) -> Res<credit_model::Id> {
        if !self.escaped {
            return Ok(self.text().into());
        }
        decode_escaped(self.raw).map(Into::into)
    }

    /// Whether the decoded text is empty (`""`; any escape is at least one character).
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

/// A field's JSON value as scanned: scalars, or the span of an array or object.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Raw<'a> {
    Absent,
    Null,
    Bool(bool),
    Str(JStr<'a>),
    /// the number's text, grammar checked
    Num(&'a [u8]),
    /// from `[` to `]` inclusive, contents checked
    Array(&'a [u8]),
    Object,
}

pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn hex_value(byte: u8) -> Option<u32> {
    match byte {
        b'0'..=b'9' => Some((byte - b'0') as u32),
        b'a'..=b'f' => Some((byte - b'a' + 10) as u32),
        b'A'..=b'F' => Some((byte - b'A' + 10) as u32),
        _ => None,
    }
}

impl<'a> Scanner<'a> {
    pub fn new(bytes: &'a [u8]) -> Scanner<'a> {
        Scanner { bytes, pos: 0 }
    }

    /// A scanner of `bytes` from `pos` on.
    pub fn at(bytes: &'a [u8], pos: usize) -> Scanner<'a> {
        Scanner { bytes, pos }
    }

    /// Where the scanner is.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    #[inline]
    pub fn ws(&mut self) {
        while let Some(&byte) = self.bytes.get(self.pos) {
            if byte == b' ' || byte == b'\n' || byte == b'\r' || byte == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    pub fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    #[inline]
    pub fn expect(&mut self, byte: u8) -> Res<()> {
        if self.eat(byte) {
            Ok(())
        } else {
            bad("not JSON")
        }
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Res<u32> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(hex_value);
            match digit {
                Some(digit) => code = code * 16 + digit,
                None => return bad("bad \\u escape"),
            }
            self.pos += 1;
        }
        Ok(code)
    }

    /// The escape after a backslash (the backslash consumed).
    fn escape(&mut self) -> Res<()> {
        let Some(byte) = self.peek() else { return bad("bad escape") };
        self.pos += 1;
        match byte {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let code = self.hex4()?;
                if (0xDC00..0xE000).contains(&code) {
                    return bad("lone surrogate");
                }
                if (0xD800..0xDC00).contains(&code) {
                    if !(self.eat(b'\\') && self.eat(b'u')) {
                        return bad("lone surrogate");
                    }
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return bad("lone surrogate");
                    }
                }
                Ok(())
            }
            _ => bad("bad escape"),
        }
    }

    /// A string, the opening quote next.
    #[inline(always)]
    pub fn string(&mut self) -> Res<JStr<'a>> {
        self.expect(b'"')?;
        let start = self.pos;
        let end = plain_run(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') {
            // the everyday string: printable ASCII only
            self.pos = end + 1;
            return Ok(JStr { raw: &self.bytes[start..end], escaped: false });
        }
        self.pos = end;
        self.string_rest(start)
    }

    /// The rest of a string that has an escape, a byte above 0x7F or an error in it, from its
    /// first such byte (`start`: the string's first byte).
    #[inline(never)]
    fn string_rest(&mut self, start: usize) -> Res<JStr<'a>> {
        let mut escaped = false;
        let mut non_ascii = false;
        loop {
            // the run of printable ASCII, the bulk of every string
            self.pos = plain_run(self.bytes, self.pos);
            let Some(&byte) = self.bytes.get(self.pos) else { return bad("unterminated string") };
            match byte {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    self.escape()?;
                }
                0..=0x1F => return bad("control character in string"),
                0x80.. => {
                    non_ascii = true;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        let raw = &self.bytes[start..self.pos];
        self.pos += 1;
        if non_ascii && std::str::from_utf8(raw).is_err() {
            return bad("invalid UTF-8");
        }
        Ok(JStr { raw, escaped })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number by the JSON grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Res<&'a [u8]> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return bad("bad number"),
        }
        if self.eat(b'.') && self.digits() == 0 {
            return bad("bad number");
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return bad("bad number");
            }
        }
        if self.pos - start > MAX_NUMBER_LEN {
            return bad("number too long");
        }
        Ok(&self.bytes[start..self.pos])
    }

    fn literal(&mut self, word: &[u8]) -> Res<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            bad("not JSON")
        }
    }

    /// Any value, checked and passed over (`depth` = enclosing containers).
    fn skip_container(&mut self, depth: u32) -> Res<()> {
        if depth >= MAX_DEPTH {
            return bad("nested too deep");
        }
        let close = if self.eat(b'[') { b']' } else { self.expect(b'{').map(|_| b'}')? };
        self.ws();
        if self.eat(close) {
            return Ok(());
        }
        loop {
            if close == b'}' {
                self.string()?;
                self.ws();
                self.expect(b':')?;
                self.ws();
            }
            self.value(depth + 1)?;
            self.ws();
            if self.eat(b',') {
                self.ws();
                continue;
            }
            return self.expect(close);
        }
    }

    /// A value at `depth` containers deep, scanned into a [`Raw`].
    pub fn value(&mut self, depth: u32) -> Res<Raw<'a>> {
        let Some(byte) = self.peek() else { return bad("not JSON") };
        match byte {
            b'"' => self.string().map(Raw::Str),
            b'-' | b'0'..=b'9' => self.number().map(Raw::Num),
            b't' => self.literal(b"true").map(|_| Raw::Bool(true)),
            b'f' => self.literal(b"false").map(|_| Raw::Bool(false)),
            b'n' => self.literal(b"null").map(|_| Raw::Null),
            b'[' => {
                let start = self.pos;
                self.skip_container(depth)?;
                Ok(Raw::Array(&self.bytes[start..self.pos]))
            }
            b'{' => self.skip_container(depth).map(|_| Raw::Object),
            _ => bad("not JSON"),
        }
    }

    /// The items of an array already checked by [`Scanner::value`], the `[` next.
    pub fn array_items(&mut self) -> Res<Vec<Raw<'a>>> {
        let mut items = Vec::new();
        self.expect(b'[')?;
        self.ws();
        if self.eat(b']') {
            return Ok(items);
        }
        loop {
            items.push(self.value(1)?);
            self.ws();
            if self.eat(b',') {
                self.ws();
                continue;
            }
            self.expect(b']')?;
            return Ok(items);
        }
    }
}

/// Decodes a string's content that has escapes (already checked by [`Scanner::string`]).
fn decode_escaped(raw: &[u8]) -> Res<String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut scanner = Scanner::new(raw);
    while let Some(byte) = scanner.peek() {
        scanner.pos += 1;
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        let Some(kind) = scanner.peek() else { return bad("bad escape") };
        scanner.pos += 1;
        let code = match kind {
            b'"' => '"' as u32,
            b'\\' => '\\' as u32,
            b'/' => '/' as u32,
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => 0x0A,
            b'r' => 0x0D,
            b't' => 0x09,
            b'u' => {
                let high = scanner.hex4()?;
                if (0xD800..0xDC00).contains(&high) {
                    if !(scanner.eat(b'\\') && scanner.eat(b'u')) {
                        return bad("lone surrogate");
                    }
                    let low = scanner.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return bad("lone surrogate");
                    }
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                }
            }
            _ => return bad("bad escape"),
        };
        let Some(ch) = char::from_u32(code) else { return bad("lone surrogate") };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    String::from_utf8(out).or_else(|_| bad("invalid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Res<Raw<'_>> {
        let mut scanner = Scanner::new(text.as_bytes());
        let raw = scanner.value(0)?;
        if scanner.at_end() {
            Ok(raw)
        } else {
            bad("trailing")
        }
    }

    #[test]
    fn strings_decode_as_json() {
        let Ok(Raw::Str(s)) = scan(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) else { panic!() };
        assert_eq!(s.decode().unwrap(), "a\"\\/\u{8}\u{c}\n\r\té😀");
        let Ok(Raw::Str(s)) = scan("\"é\"") else { panic!() };
        assert_eq!(s.plain(), Some("é"));
        for refused in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#, r#""\x""#, "\"\u{1}\"", r#""\u12""#] {
            assert!(scan(refused).is_err(), "{refused}");
        }
        assert!(Scanner::new(b"\"\xff\"").string().is_err());
    }

    #[test]
    fn numbers_and_literals_follow_the_grammar() {
        for ok in ["0", "-0", "1.5", "1e5", "1E+5", "-1.5e-3", "[1,[2,{}],{\"a\":null}]", "true", "null"] {
            assert!(scan(ok).is_ok(), "{ok}");
        }
        for refused in ["01", "1.", ".5", "+1", "1e", "1E+", "-", "NaN", "Infinity", "tru", "[1,]", "{\"a\":1,}", "[1 2]"] {
            assert!(scan(refused).is_err(), "{refused}");
        }
        let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
        assert!(scan(&deep).is_err());
        // pydantic: "number out of range" for an integer of 4301 digits
        assert!(scan(&"1".repeat(4301)).is_err());
        assert!(scan(&"1".repeat(100)).is_ok());
    }
}
