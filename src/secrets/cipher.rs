//! Sealing and opening tenant secrets: XChaCha20-Poly1305 with a random 192-bit nonce per
//! secret (random nonces of that size never collide in practice) and the tenant and row ids
//! as associated data, so a sealed secret cannot be moved to another tenant or row.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use uuid::Uuid;

use super::key::SecretKey;

pub struct SecretCipher {
    key: SecretKey,
    aead: XChaCha20Poly1305,
}

/// A sealed secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the secret was sealed with key {sealed_with}, not with the configured key {configured}"
    )]
    WrongKey {
        sealed_with: String,
        configured: String,
    },
    #[error("the secret cannot be opened: it was altered or belongs to another row")]
    Tampered,
}

impl SecretCipher {
    pub fn new(key: SecretKey) -> Self {
        let aead = XChaCha20Poly1305::new(key.bytes().into());
        Self { key, aead }
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    pub fn seal(&self, tenant_id: Uuid, secret_id: Uuid, plaintext: &str) -> Sealed {
        self.seal_bytes(&associated_data(tenant_id, secret_id), plaintext.as_bytes())
    }

    pub fn open(
        &self,
        tenant_id: Uuid,
        secret_id: Uuid,
        sealed: &Sealed,
    ) -> Result<String, SecretError> {
        let plaintext = self.open_bytes(&associated_data(tenant_id, secret_id), sealed)?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Tampered)
    }

    /// Seals any bytes, bound to `aad` (what the sealed value belongs to: it opens only
    /// with the same `aad`).
    pub fn seal_bytes(&self, aad: &[u8], plaintext: &[u8]) -> Sealed {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the operating system provides randomness");
        let ciphertext = self
            .aead
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any message below 256 GiB");
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_fingerprint: self.fingerprint(),
        }
    }

    pub fn open_bytes(&self, aad: &[u8], sealed: &Sealed) -> Result<Vec<u8>, SecretError> {
        if sealed.key_fingerprint != self.fingerprint() {
            return Err(SecretError::WrongKey {
                sealed_with: sealed.key_fingerprint.clone(),
                configured: self.fingerprint(),
            });
        }
        let nonce: [u8; 24] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::Tampered)?;
        self.aead
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map_err(|_| SecretError::Tampered)
    }
}

fn associated_data(tenant_id: Uuid, secret_id: Uuid) -> [u8; 32] {
    let mut aad = [0u8; 32];
    aad[..16].copy_from_slice(tenant_id.as_bytes());
    aad[16..].copy_from_slice(secret_id.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let cipher = SecretCipher::new(SecretKey::generate());
        let (tenant, row) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = cipher.seal(tenant, row, "s3cr3t value");
        assert!(!String::from_utf8_lossy(&sealed.ciphertext).contains("s3cr3t"));
        assert_eq!(cipher.open(tenant, row, &sealed).unwrap(), "s3cr3t value");
        assert_eq!(
            cipher.open(Uuid::now_v7(), row, &sealed),
            Err(SecretError::Tampered)
        );
        assert_eq!(
            cipher.open(tenant, Uuid::now_v7(), &sealed),
            Err(SecretError::Tampered)
        );
        let mut altered = sealed.clone();
        altered.ciphertext[0] ^= 1;
        assert_eq!(
            cipher.open(tenant, row, &altered),
            Err(SecretError::Tampered)
        );
        let other = SecretCipher::new(SecretKey::generate());
        assert!(matches!(
            other.open(tenant, row, &sealed),
            Err(SecretError::WrongKey { .. })
        ));
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let cipher = SecretCipher::new(SecretKey::generate());
        let (tenant, row) = (Uuid::now_v7(), Uuid::now_v7());
        assert_ne!(
            cipher.seal(tenant, row, "x").ciphertext,
            cipher.seal(tenant, row, "x").ciphertext
        );
    }

    #[test]
    fn keys_parse_from_base64_and_never_print() {
        let key = SecretKey::generate();
        let parsed = SecretKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(parsed, key);
        assert!(!format!("{key:?}").contains(&key.to_base64()));
        assert_eq!(
            SecretKey::from_base64("c2hvcnQ="),
            Err(super::super::key::InvalidSecretKey::WrongLength(5))
        );
        assert!(SecretKey::from_base64("not base64 !!").is_err());
    }
}
