//! The JSON the changelog's versions 1 and 2 and Python's held-order lines are written in:
//! a reader with `json.loads`' grammar (a dict keeps a repeated key at its first place with
//! its last value, as Python's `dict` does) and a string writer with `json.dumps`' default
//! `ensure_ascii=True` escaping.

use credit_model::Minor;

/// Nesting deeper than this is refused (a book record is 4 levels deep; Python refuses past
/// its recursion limit).
const MAX_DEPTH: usize = 32;

/// A JSON value as `json.loads` gives it, as far as an account book can hold it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Int(Minor),
    /// a number with a fraction or an exponent, or `NaN`/`Infinity` (no book field is one)
    Float,
    Str(String),
    List(Vec<Json>),
    /// key and value, in the order first seen
    Object(Vec<(String, Json)>),
}

/// Why a text is not JSON a book can be read from.
pub(crate) type Refusal = &'static str;

/// `json.loads(text)`: one value, with whitespace around it.
pub(crate) fn parse(text: &[u8]) -> Result<Json, Refusal> {
    let mut reader = Reader { text, at: 0 };
    let value = reader.value(0)?;
    reader.skip_space();
    if reader.at != text.len() {
        return Err("JSON: extra data after the value");
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.text[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    fn value(&mut self, depth: usize) -> Result<Json, Refusal> {
        if depth > MAX_DEPTH {
            return Err("JSON: nested too deeply");
        }
        self.skip_space();
        match self.peek() {
            Some(b'[') => self.list(depth),
            Some(b'{') => self.object(depth),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.literal(b"null") => Ok(Json::Null),
            _ if self.literal(b"true") => Ok(Json::Bool(true)),
            _ if self.literal(b"false") => Ok(Json::Bool(false)),
            _ if self.literal(b"NaN") || self.literal(b"Infinity") => Ok(Json::Float),
            _ => Err("JSON: expecting a value"),
        }
    }

    /// After the opening bracket: values separated by commas, then the closing one.
    fn items(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        self.at += 1;
        self.skip_space();
        if self.peek() == Some(close) {
            self.at += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(found) if found == close => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err("JSON: expecting ',' or a closing bracket"),
            }
        }
    }

    fn list(&mut self, depth: usize) -> Result<Json, Refusal> {
        let mut values = Vec::new();
        self.items(b']', |reader| {
            values.push(reader.value(depth + 1)?);
            Ok(())
        })?;
        Ok(Json::List(values))
    }

    fn object(&mut self, depth: usize) -> Result<Json, Refusal> {
        let mut pairs: Vec<(String, Json)> = Vec::new();
        self.items(b'}', |reader| {
            reader.skip_space();
            if reader.peek() != Some(b'"') {
                return Err("JSON: a key must be a string");
            }
            let key = reader.string()?;
            reader.skip_space();
            if reader.peek() != Some(b':') {
                return Err("JSON: expecting ':'");
            }
            reader.at += 1;
            let value = reader.value(depth + 1)?;
            match pairs.iter_mut().find(|(found, _)| *found == key) {
                Some((_, slot)) => *slot = value,
                None => pairs.push((key, value)),
            }
            Ok(())
        })?;
        Ok(Json::Object(pairs))
    }

    /// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?` (Python's `NUMBER_RE`), or `-Infinity`.
    fn number(&mut self) -> Result<Json, Refusal> {
        let start = self.at;
        if self.literal(b"-Infinity") {
            return Ok(Json::Float);
        }
        self.literal(b"-");
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err("JSON: expecting a value"),
        }
        let integer_end = self.at;
        let mut float = false;
        if self.peek() == Some(b'.') && self.text.get(self.at + 1).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
            self.digits();
            float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let mark = self.at;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                self.digits();
                float = true;
            } else {
                self.at = mark;
            }
        }
        if float {
            return Ok(Json::Float);
        }
        let digits =
            std::str::from_utf8(&self.text[start..integer_end]).map_err(|_| "JSON: a number")?;
        digits
            .parse()
            .map(Json::Int)
            .map_err(|_| "JSON: an integer beyond 128 bits")
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
    }

    /// A string from its opening quote: escapes decoded, a surrogate pair joined; a lone
    /// surrogate (which Python keeps) is refused, as a Rust string cannot hold it.
    fn string(&mut self) -> Result<String, Refusal> {
        self.at += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let run = self.text[self.at..]
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
                .ok_or("JSON: an unterminated string")?;
            out.extend_from_slice(&self.text[self.at..self.at + run]);
            self.at += run;
            match self.text[self.at] {
                b'"' => {
                    self.at += 1;
                    return String::from_utf8(out).map_err(|_| "JSON: a string not in UTF-8");
                }
                b'\\' => self.escape(&mut out)?,
                _ => return Err("JSON: a control character in a string"),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), Refusal> {
        let code = *self
            .text
            .get(self.at + 1)
            .ok_or("JSON: an unterminated string")?;
        self.at += 2;
        let plain = match code {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape()?,
            _ => return Err("JSON: an invalid escape"),
        };
        let mut buffer = [0u8; 4];
        out.extend_from_slice(plain.encode_utf8(&mut buffer).as_bytes());
        Ok(())
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` of its low half.
    fn unicode_escape(&mut self) -> Result<char, Refusal> {
        let unit = self.hex4()?;
        if (0xD800..0xDC00).contains(&unit) && self.text[self.at..].starts_with(b"\\u") {
            let mark = self.at;
            self.at += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let joined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(joined).ok_or("JSON: an invalid escape");
            }
            self.at = mark;
        }
        char::from_u32(unit).ok_or("JSON: a lone surrogate (a Rust string cannot hold it)")
    }

    fn hex4(&mut self) -> Result<u32, Refusal> {
        let raw = self
            .text
            .get(self.at..self.at + 4)
            .ok_or("JSON: an invalid \\u escape")?;
        let text = std::str::from_utf8(raw).map_err(|_| "JSON: an invalid \\u escape")?;
        if !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err("JSON: an invalid \\u escape");
        }
        self.at += 4;
        u32::from_str_radix(text, 16).map_err(|_| "JSON: an invalid \\u escape")
    }
}

/// A JSON string as `json.dumps` writes it with `ensure_ascii=True` (`credit_model::format`).
pub(crate) use credit_model::format::json_str as push_str;

/// An integer as `json.dumps` writes it.
pub(crate) fn push_int(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    out.extend_from_slice(value.to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Vec<u8> {
        let mut out = Vec::new();
        push_str(&mut out, value);
        out
    }

    /// Expected: `json.dumps(value)` in CPython 3.11.7.
    #[test]
    fn strings_are_escaped_as_json_dumps_does() {
        assert_eq!(text("O1"), b"\"O1\"");
        assert_eq!(
            text("a\"b\\c\n\u{7f}\u{0}"),
            b"\"a\\\"b\\\\c\\n\\u007f\\u0000\""
        );
        assert_eq!(text("é日😀"), b"\"\\u00e9\\u65e5\\ud83d\\ude00\"");
        assert_eq!(text("\t\r\u{8}\u{c}/"), b"\"\\t\\r\\b\\f/\"");
    }

    #[test]
    fn values_are_read_as_json_loads_does() {
        let read = |raw: &str| parse(raw.as_bytes());
        let list =
            read(" [1,-0,\"\\u00e9\\ud83d\\ude00\",null,true,{\"a\":1,\"b\":2,\"a\":3},2.5,1e3] ");
        let expected = Json::List(vec![
            Json::Int(1),
            Json::Int(0),
            Json::Str("é😀".to_owned()),
            Json::Null,
            Json::Bool(true),
            Json::Object(vec![
                ("a".to_owned(), Json::Int(3)),
                ("b".to_owned(), Json::Int(2)),
            ]),
            Json::Float,
            Json::Float,
        ]);
        assert_eq!(list, Ok(expected));
        assert_eq!(
            read("-170141183460469231731687303715884105728"),
            Ok(Json::Int(Minor::MIN))
        );
        for bad in [
            "",
            "[",
            "[1,]",
            "01",
            "[1] x",
            "\"a",
            "\"\\x\"",
            "\"\\ud800\"",
            "{1:2}",
            "\"\u{1}\"",
            "1.",
            "-",
            "[1 2]",
            "170141183460469231731687303715884105728",
            "nul",
        ] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
        assert!(read(&"[".repeat(40)).is_err());
        assert_eq!(
            read("[\"\\/\"]"),
            Ok(Json::List(vec![Json::Str("/".to_owned())]))
        );
    }
}
