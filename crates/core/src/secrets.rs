//! Passwords and tokens.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngExt;
use sha2::{Digest, Sha256};
use switchboard_domain::Error;

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// A token in the form of Rails' `has_secure_token` (24 base58 characters, ~140 bits),
/// used for `api_access_token` and `pubsub_token`.
pub fn secure_token() -> String {
    random_string(BASE58, 24)
}

/// Active Storage's blob keys: `len` lower-case letters and digits.
pub fn base36_token(len: usize) -> String {
    random_string(b"0123456789abcdefghijklmnopqrstuvwxyz", len)
}

/// A URL-safe random secret of `len` characters (6 bits each).
pub fn url_safe_token(len: usize) -> String {
    random_string(URL_SAFE, len)
}

/// `bytes` random bytes as lower-case hex (Ruby's `SecureRandom.hex`).
pub fn hex_token(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// How secrets are stored when they need not be shown again.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with Argon2id, off the async threads.
pub async fn hash_password(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Right, but stored as a Devise bcrypt hash: re-hash with Argon2 now.
    YesUpgrade,
}

pub async fn verify_password(password: &str, stored: &str) -> Verified {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        if stored.starts_with("$2") {
            return match bcrypt::verify(&password, &stored) {
                Ok(true) => Verified::YesUpgrade,
                _ => Verified::No,
            };
        }
        match PasswordHash::new(&stored) {
            Ok(hash)
                if Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok() =>
            {
                Verified::Yes
            }
            _ => Verified::No,
        }
    })
    .await
    .unwrap_or(Verified::No)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2_round_trip() {
        let h = hash_password("Password1!").await.unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify_password("Password1!", &h).await, Verified::Yes);
        assert_eq!(verify_password("password1!", &h).await, Verified::No);
    }

    #[tokio::test]
    async fn devise_bcrypt_is_accepted_and_flagged_for_upgrade() {
        let h = bcrypt::hash("Password1!", 4).unwrap_or_default();
        assert_eq!(
            verify_password("Password1!", &h).await,
            Verified::YesUpgrade
        );
        assert_eq!(verify_password("nope", &h).await, Verified::No);
        assert_eq!(verify_password("x", "garbage").await, Verified::No);
    }

    #[test]
    fn tokens_have_the_expected_shape() {
        let t = secure_token();
        assert_eq!(t.len(), 24);
        assert!(t.bytes().all(|b| BASE58.contains(&b)));
        assert_ne!(secure_token(), t);
        assert_eq!(digest("a").len(), 64);
    }
}
