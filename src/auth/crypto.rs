//! Hash and MAC primitives shared by the signers.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `data`: the "hashed payload" / "hashed canonical request" of every
/// SigV4-style scheme.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&sha256(data))
}

/// Lowercase hex of `bytes` (what `hex::encode` gives, without its per-character iterator:
/// signers hex-encode up to three digests per request). Every signer uses this one.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    mac::<Hmac<Sha256>>(key)
        .chain_update(msg)
        .finalize()
        .into_bytes()
        .into()
}

/// HMAC-SHA1 of `msg` under `key`.
pub(crate) fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    mac::<Hmac<Sha1>>(key)
        .chain_update(msg)
        .finalize()
        .into_bytes()
        .into()
}

/// A MAC keyed with `key`.
fn mac<M: Mac + KeyInit>(key: &[u8]) -> M {
    // HMAC accepts keys of any length (RFC 2104 §2: long keys are hashed, short ones padded),
    // and `Hmac::new_from_slice` never returns its error, whatever the input.
    M::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// The chained key derivation of TC3 and JDCLOUD2: `k0 = HMAC(seed, parts[0])`,
/// `k1 = HMAC(k0, parts[1])`, … Returns every intermediate key, in order, because the vendors
/// publish them as test vectors.
pub(crate) fn hmac_sha256_chain<const N: usize>(seed: &[u8], parts: [&str; N]) -> [[u8; 32]; N] {
    let mut previous: Option<[u8; 32]> = None;
    parts.map(|part| {
        let key = previous.as_ref().map_or(seed, |k| k.as_slice());
        let next = hmac_sha256(key, part.as_bytes());
        previous = Some(next);
        next
    })
}

/// Compares two byte strings in time that depends only on their lengths, so a verifier does not
/// leak how many leading signature bytes a forger got right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_published_primitives() {
        // darabonba-openapi-util `test_hex_encode` (more_vendors.md §B.5).
        assert_eq!(
            sha256_hex(b"test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hmac_sha256_matches_published_primitive() {
        // darabonba-openapi-util PHP `testSign` (more_vendors.md §B.5).
        assert_eq!(
            hex::encode(hmac_sha256(b"secret", b"source")),
            "1d93c62698a1c26427265668e79fac099aa26c1df873669599a2fb2f272e64c9"
        );
    }

    #[test]
    fn hmac_accepts_keys_longer_than_a_block() {
        let long_key = [7u8; 200];
        // RFC 2104: a key longer than the block is replaced by its hash.
        let hashed_key = Sha256::digest(long_key);
        assert_eq!(hmac_sha256(&long_key, b"m"), hmac_sha256(&hashed_key, b"m"));
    }

    #[test]
    fn chain_feeds_each_key_into_the_next() {
        let [first, second] = hmac_sha256_chain(b"seed", ["a", "b"]);
        assert_eq!(first, hmac_sha256(b"seed", b"a"));
        assert_eq!(second, hmac_sha256(&first, b"b"));
    }

    #[test]
    fn hex_lower_matches_the_hex_crate() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_lower(&bytes), hex::encode(&bytes));
        assert_eq!(hex_lower(&[]), "");
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
