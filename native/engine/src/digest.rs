//! Stable 64-bit digests of ids (`reference.source_digest`, `packing.id_digest`): BLAKE2b with
//! an 8-byte digest, read big-endian, exactly as the Python engine computes them, so that a
//! redelivered event is spotted the same way.

mod blake2b;

use blake2::digest::{Update, VariableOutput};
use blake2::Blake2bVar;

fn blake2b_64(parts: &[&[u8]]) -> u64 {
    if let Some(digest) = blake2b::digest_64(parts) {
        return digest; // one block, AVX2
    }
    let mut hasher = Blake2bVar::new(8).expect("8 is a valid BLAKE2b output size");
    for part in parts {
        hasher.update(part);
    }
    let mut digest = [0u8; 8];
    hasher.finalize_variable(&mut digest).expect("the buffer has the output size");
    u64::from_be_bytes(digest)
}

/// The digest of the reference event a record came from.
pub fn source_digest(event_id: &str) -> u64 {
    blake2b_64(&[event_id.as_bytes()])
}

/// The digest of a business id: of `"{kind}:{business_id}"` (`order`, `invoice`, `payment`).
pub fn id_digest(kind: &str, business_id: &str) -> u64 {
    blake2b_64(&[kind.as_bytes(), b":", business_id.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_equal_pythons() {
        // python: int.from_bytes(hashlib.blake2b(b"e-1", digest_size=8).digest())
        //         int.from_bytes(hashlib.blake2b(b"order:o-1001", digest_size=8).digest())
        assert_eq!(source_digest("e-1"), PY_SOURCE_E1);
        assert_eq!(id_digest("order", "o-1001"), PY_ORDER_O1001);
    }

    const PY_SOURCE_E1: u64 = 3_563_339_379_545_017_759;
    const PY_ORDER_O1001: u64 = 13_937_751_490_744_657_249;
}
