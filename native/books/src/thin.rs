//! An owned, immutable-length byte buffer held by one pointer: its length is a LEB128 varint at
//! the start of its own allocation (1 byte up to 127, 2 up to 16,383), where a `Box<[u8]>`
//! keeps the length beside the pointer. An account book is one of these: 8 bytes inline, and
//! `Option<AccountBook>` too.
//!
//! The allocation is a `Box<[u8]>` of the varint and the bytes, written by `ThinBytes::filled`
//! and given back to `Box` when dropped; an empty buffer allocates nothing (a dangling pointer,
//! which no allocation returns).

use std::ptr::NonNull;

pub(crate) struct ThinBytes(NonNull<u8>);

// SAFETY: `ThinBytes` owns its allocation alone, as a `Box<[u8]>` does, and has no interior
// mutability: sharing or sending it is as safe as a `Box<[u8]>`'s.
unsafe impl Send for ThinBytes {}
// SAFETY: as above.
unsafe impl Sync for ThinBytes {}

fn varint_len(value: usize) -> usize {
    (usize::BITS - value.leading_zeros()).div_ceil(7).max(1) as usize
}

impl ThinBytes {
    /// A buffer of these bytes.
    #[cfg(test)]
    pub(crate) fn new(bytes: &[u8]) -> ThinBytes {
        ThinBytes::filled(bytes.len(), |out| out.extend_from_slice(bytes))
    }

    /// A buffer of `len` bytes, which `fill` appends (exactly `len` of them: checked).
    pub(crate) fn filled(len: usize, fill: impl FnOnce(&mut Vec<u8>)) -> ThinBytes {
        if len == 0 {
            return ThinBytes::default();
        }
        let mut all = Vec::with_capacity(varint_len(len) + len);
        let mut rest = len;
        while rest >= 0x80 {
            all.push(rest as u8 | 0x80);
            rest >>= 7;
        }
        all.push(rest as u8);
        fill(&mut all);
        assert_eq!(all.len(), varint_len(len) + len, "filled with {len} bytes");
        let raw = Box::into_raw(all.into_boxed_slice()) as *mut u8;
        ThinBytes(NonNull::new(raw).expect("a box is never null"))
    }

    /// Bytes allocated: the length's varint and the bytes (0 when empty).
    pub(crate) fn allocated(&self) -> usize {
        if self.is_unallocated() {
            return 0;
        }
        let (start, len) = self.lengths();
        start + len
    }

    fn is_unallocated(&self) -> bool {
        self.0 == NonNull::dangling()
    }

    /// (bytes before the data, data length): the varint at the start of the allocation.
    fn lengths(&self) -> (usize, usize) {
        let (mut len, mut at) = (0usize, 0usize);
        loop {
            // SAFETY: an allocated buffer starts with the varint `filled` wrote: every byte read
            // here, up to and including the one without the continuation bit, is inside it.
            let byte = unsafe { *self.0.as_ptr().add(at) };
            len |= ((byte & 0x7f) as usize) << (7 * at);
            at += 1;
            if byte < 0x80 {
                return (at, len);
            }
        }
    }
}

impl Default for ThinBytes {
    fn default() -> ThinBytes {
        ThinBytes(NonNull::dangling())
    }
}

impl std::ops::Deref for ThinBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        if self.is_unallocated() {
            return &[];
        }
        let (start, len) = self.lengths();
        // SAFETY: the allocation holds `start + len` initialised bytes (`filled`), owned by self
        // and borrowed for as long as self is.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().add(start), len) }
    }
}

impl std::ops::DerefMut for ThinBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        if self.is_unallocated() {
            return &mut [];
        }
        let (start, len) = self.lengths();
        // SAFETY: as for `deref`, and the borrow of self is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_ptr().add(start), len) }
    }
}

impl Drop for ThinBytes {
    fn drop(&mut self) {
        if self.is_unallocated() {
            return;
        }
        let (start, len) = self.lengths();
        let all = std::ptr::slice_from_raw_parts_mut(self.0.as_ptr(), start + len);
        // SAFETY: `all` is exactly the `Box<[u8]>` `filled` leaked (same pointer and length), and
        // it is given back once.
        drop(unsafe { Box::from_raw(all) });
    }
}

impl Clone for ThinBytes {
    fn clone(&self) -> ThinBytes {
        ThinBytes::filled(self.len(), |out| out.extend_from_slice(self))
    }
}

impl std::fmt::Debug for ThinBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_of_every_length_class_come_back_and_can_be_changed_in_place() {
        for len in [0usize, 1, 127, 128, 16_383, 16_384, 70_000] {
            let given: Vec<u8> = (0..len).map(|n| (n * 7 % 251) as u8).collect();
            let mut thin = ThinBytes::new(&given);
            assert_eq!(&thin[..], &given[..]);
            assert_eq!(thin.is_unallocated(), len == 0);
            assert_eq!(thin.allocated(), if len == 0 { 0 } else { varint_len(len) + len });
            if let Some(first) = thin.first_mut() {
                *first = 0xff;
            }
            let copy = thin.clone();
            assert_eq!(copy.len(), len);
            assert!(len == 0 || copy[0] == 0xff);
            drop(thin);
            assert_eq!(copy.get(1..), given.get(1..)); // the clone owns its own bytes
        }
        assert_eq!(std::mem::size_of::<Option<ThinBytes>>(), 8);
        assert!(ThinBytes::default().is_empty());
    }
}
