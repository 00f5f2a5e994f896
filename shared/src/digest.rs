//! Short hex digests used as keys, ETags and content addresses.

use sha2::{Digest, Sha256};

/// Lower-case hex of the first `n_bytes` bytes of the SHA-256 of `data` (all 32 if more are
/// asked for).
pub fn sha256_hex(data: &[u8], n_bytes: usize) -> String {
    let digest = Sha256::digest(data);
    hex::encode(&digest[..n_bytes.min(digest.len())])
}

/// The first 8 bytes of the SHA-256 of `data` as a big-endian number (stable hash shards).
pub fn sha256_u64(data: &[u8]) -> u64 {
    let digest = Sha256::digest(data);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_lower_case_hex_of_a_prefix_of_the_digest() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex(b"abc", 32), abc);
        assert_eq!(sha256_hex(b"abc", 64), abc);
        assert_eq!(sha256_hex(b"abc", 16), &abc[..32]);
        assert_eq!(sha256_hex(b"abc", 8), &abc[..16]);
        assert_eq!(sha256_hex(b"abc", 0), "");
        assert_eq!(sha256_u64(b"abc"), 0xba78_16bf_8f01_cfea);
    }
}
