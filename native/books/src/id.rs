//! Business ids (order ids, invoice ids) as a book keeps them: inline when short.

/// Ids up to this many bytes are kept inside the record, with no allocation of their own.
const INLINE: usize = 22;

/// An order or invoice id: the text inline when it is at most 22 bytes (most business ids),
/// else on the heap. 24 bytes either way.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Id {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Id {
    pub(crate) fn new(text: &str) -> Id {
        let raw = text.as_bytes();
        if raw.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..raw.len()].copy_from_slice(raw);
            Id::Inline {
                len: raw.len() as u8,
                bytes,
            }
        } else {
            Id::Heap(text.into())
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Id::Inline { len, bytes } => &bytes[..*len as usize],
            Id::Heap(text) => text.as_bytes(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // the bytes are a whole `&str` copied in `new`, so this never falls back
            Id::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Id::Heap(text) => text,
        }
    }

    /// Bytes of its own on the heap (0 when inline).
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Id::Inline { .. } => 0,
            Id::Heap(text) => text.len(),
        }
    }

    /// Whether this is the id `text` (Python's `==` on `str`).
    pub(crate) fn is(&self, text: &str) -> bool {
        self.as_bytes() == text.as_bytes()
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_round_trip() {
        assert_eq!(std::mem::size_of::<Id>(), 24);
        for text in [
            "",
            "INV-1",
            "é\u{0}x",
            "exactly-22-bytes-long!",
            "twenty-three bytes long",
            "ß".repeat(40).as_str(),
        ] {
            let id = Id::new(text);
            assert_eq!(id.as_str(), text);
            assert!(id.is(text));
            assert!(!id.is("other"));
        }
        assert!(matches!(
            Id::new("exactly-22-bytes-long!"),
            Id::Inline { .. }
        ));
        assert!(matches!(Id::new("twenty-three bytes long"), Id::Heap(_)));
    }
}
