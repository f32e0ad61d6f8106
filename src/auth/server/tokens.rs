//! One-time tokens sent by email: a password reset, an address to confirm,
//! a new address to confirm. The token travels only in the message; the
//! database keeps its SHA-256 ([`TokenDigest`]), so a copy of the database
//! opens no account. A token is 32 random bytes (256 bits: no guessing, so
//! its digest need not be slow), and each is used at most once.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Set a new password without the old one (`/reset-password`).
    PasswordReset,
    /// Prove the account's address is the user's (`/confirm-email`).
    ConfirmEmail,
    /// Prove a new address is the user's, which then becomes the account's.
    ChangeEmail,
}

impl TokenPurpose {
    /// As stored in `email_tokens.purpose`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::ConfirmEmail => "confirm_email",
            Self::ChangeEmail => "change_email",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::PasswordReset, Self::ConfirmEmail, Self::ChangeEmail]
            .into_iter()
            .find(|purpose| purpose.as_str() == raw)
    }
}

/// A fresh token, as it goes into a link: 32 random bytes, base64url
/// without padding (43 characters, safe in a URL as it is).
pub struct MailedToken(String);

/// Bytes of randomness in a token.
const TOKEN_BYTES: usize = 32;
/// Characters of a token's text.
const TOKEN_CHARS: usize = 43;

impl MailedToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> TokenDigest {
        TokenDigest::of(&self.0)
    }
}

/// The SHA-256 of a token's text, lower-case hex: what the database keeps
/// and looks tokens up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDigest(String);

impl TokenDigest {
    fn of(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        Self(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// The digest of a token a browser brought back; `None` unless it has
    /// the shape of one (so nothing else reaches the database).
    pub fn of_presented(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let shaped = raw.len() == TOKEN_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        shaped.then(|| Self::of(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_stored_only_as_their_digest() {
        let (a, b) = (MailedToken::generate(), MailedToken::generate());
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(TokenDigest::of_presented(a.as_str()), Some(a.digest()));
        assert_eq!(a.digest().as_str().len(), 64);
        assert!(!a.digest().as_str().contains(a.as_str()));
    }

    #[test]
    fn only_the_shape_of_a_token_reaches_the_database() {
        let token = MailedToken::generate();
        let padded = format!(" {} ", token.as_str());
        assert_eq!(TokenDigest::of_presented(&padded), Some(token.digest()));
        for bad in [
            "",
            "abc",
            &"a".repeat(44),
            &format!("{}=", &token.as_str()[..42]),
            &"é".repeat(43),
        ] {
            assert_eq!(TokenDigest::of_presented(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn purposes_round_trip_through_their_stored_names() {
        for purpose in [
            TokenPurpose::PasswordReset,
            TokenPurpose::ConfirmEmail,
            TokenPurpose::ChangeEmail,
        ] {
            assert_eq!(TokenPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(TokenPurpose::parse("other"), None);
    }
}
