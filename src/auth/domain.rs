//! Values that are valid by construction: once a handler holds an [`Email`] or a
//! [`Password`], nothing downstream checks the raw string again.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::AppError;

/// The user as the browser may know them: an id and an email, never a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
}

/// An email address, trimmed and lower-cased so that `Ann@Example.com ` and
/// `ann@example.com` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// RFC 5321 caps a forward path at 254 octets.
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid = |message: &str| Err(AppError::invalid("email", message));
        if email.is_empty() {
            return invalid("Enter your email address");
        }
        if email.len() > Self::MAX_LEN {
            return invalid("That email address is too long");
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("An email address cannot contain spaces");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid("Enter a valid email address, like name@example.com");
        };
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || !domain_ok {
            return invalid("Enter a valid email address, like name@example.com");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the length policy. Its `Debug` never prints it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// Checks the policy for a *new* password (signup).
    pub fn parse_new(raw: &str) -> Result<Self, AppError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(AppError::invalid(
                "password",
                format!(
                    "Use at least {} characters for your password",
                    Self::MIN_CHARS
                ),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(AppError::invalid(
                "password",
                format!(
                    "Use at most {} characters for your password",
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Accepts any candidate for a *login*, only refusing absurd lengths so that
    /// nobody can make the server hash megabytes. A password that breaks today's
    /// policy can still be checked against an older account's hash.
    pub fn parse_candidate(raw: &str) -> Result<Self, AppError> {
        if raw.is_empty() || raw.chars().count() > Self::MAX_CHARS {
            return Err(AppError::InvalidCredentials);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where to send the browser after logging in: only a path on this site, so the
/// `next` parameter cannot be turned into an open redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPath(String);

impl NextPath {
    pub const DEFAULT: &'static str = "/dashboard";

    /// Falls back to the dashboard for anything that is not a plain local path.
    pub fn parse_or_default(raw: Option<&str>) -> Self {
        match raw.map(str::trim) {
            Some(path) if Self::is_local(path) => Self(path.to_owned()),
            _ => Self(Self::DEFAULT.to_owned()),
        }
    }

    fn is_local(path: &str) -> bool {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains('\\')
            && !path.chars().any(char::is_control)
            && path.len() <= 512
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_the_field_named() {
        for raw in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@@example.com",
            "ann@.example.com",
            "ann@example.com.",
            "ann@exa..mple.com",
        ] {
            let err = Email::parse(raw).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{raw:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(Password::parse_new("1234567").is_err());
        assert!(Password::parse_new("12345678").is_ok());
        // Eight characters, sixteen bytes.
        assert!(Password::parse_new("ééééééèè").is_ok());
        assert!(Password::parse_new(&"x".repeat(128)).is_ok());
        let err = Password::parse_new(&"x".repeat(129)).unwrap_err();
        assert_eq!(err.field(), Some("password"));
    }

    #[test]
    fn password_debug_output_is_redacted() {
        let password = Password::parse_new("hunter2hunter2").unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }

    #[test]
    fn next_path_only_allows_local_paths() {
        assert_eq!(
            NextPath::parse_or_default(Some("/dashboard?x=1")).as_str(),
            "/dashboard?x=1"
        );
        for raw in [
            None,
            Some(""),
            Some("https://evil.example"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("dashboard"),
            Some("/a\r\nSet-Cookie: x"),
        ] {
            assert_eq!(
                NextPath::parse_or_default(raw).as_str(),
                "/dashboard",
                "{raw:?}"
            );
        }
    }
}
