//! The policy for a new password beyond its length: not the account's email
//! address, and not one of the most common passwords. Server only: the list is
//! compiled into the server binary and never into the WASM bundle.
//!
//! `common_passwords.txt` is, byte for byte, Django's list of 20,000 common
//! passwords (19,640 lines once lower-cased and deduplicated), ordered from the
//! most common, created by Royce Williams
//! (<https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce>).
//! It is `django/contrib/auth/common-passwords.txt.gz` from the PyPI package
//! `django` 5.2.19, decompressed; to update it, take the same file from a newer
//! release (`pip download --no-deps django`). One password a line; a line may
//! start with `#`, so the file has no comments and its notice is kept here.
//!
//! Django is distributed under the BSD 3-Clause licence:
//!
//! > Copyright (c) Django Software Foundation and individual contributors.
//! > All rights reserved.
//! >
//! > Redistribution and use in source and binary forms, with or without
//! > modification, are permitted provided that the following conditions are met:
//! >
//! > 1. Redistributions of source code must retain the above copyright notice,
//! >    this list of conditions and the following disclaimer.
//! >
//! > 2. Redistributions in binary form must reproduce the above copyright
//! >    notice, this list of conditions and the following disclaimer in the
//! >    documentation and/or other materials provided with the distribution.
//! >
//! > 3. Neither the name of Django nor the names of its contributors may be used
//! >    to endorse or promote products derived from this software without
//! >    specific prior written permission.
//! >
//! > THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
//! > AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
//! > IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
//! > ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE
//! > LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
//! > CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
//! > SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
//! > INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
//! > CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
//! > ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
//! > POSSIBILITY OF SUCH DAMAGE.

use std::collections::HashSet;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use crate::auth::domain::{Email, Password};
use crate::error::AppError;

impl Password {
    /// The whole policy for a *new* password of the account `email`: the length
    /// (see [`Password::parse_new`]), not the email address nor the part before
    /// its `@`, and not one of the most common passwords. These comparisons
    /// ignore case and surrounding spaces. Server only: the list of common
    /// passwords never goes into the WASM bundle.
    pub fn parse_new_for(email: &Email, raw: &str) -> Result<Self, AppError> {
        let password = Self::parse_new(raw)?;
        let key = Self::comparison_form(password.expose());
        let email_key = Self::comparison_form(email.as_str());
        if key == email_key {
            return Err(AppError::invalid(
                "password",
                "Your password cannot be your email address",
            ));
        }
        if email_key
            .split_once('@')
            .is_some_and(|(local, _)| key == local)
        {
            return Err(AppError::invalid(
                "password",
                "Your password cannot be the part of your email address before the @",
            ));
        }
        if is_common(&key) {
            return Err(AppError::invalid(
                "password",
                "This password is too common; choose one that is harder to guess",
            ));
        }
        Ok(password)
    }

    /// How a password is compared with an email address or a list entry:
    /// normalised, without surrounding spaces, lower-cased.
    fn comparison_form(text: &str) -> String {
        text.nfkc().collect::<String>().trim().to_lowercase()
    }
}

const LIST: &str = include_str!("common_passwords.txt");

/// Every entry in [`Password::comparison_form`], built on first use.
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    LIST.lines()
        .map(Password::comparison_form)
        .filter(|entry| !entry.is_empty())
        .collect()
});

/// Whether `key`, already in [`Password::comparison_form`], is a common password.
fn is_common(key: &str) -> bool {
    COMMON.contains(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_at_least_ten_thousand_distinct_entries() {
        assert!(COMMON.len() >= 10_000, "{} entries", COMMON.len());
    }

    #[test]
    fn well_known_passwords_are_on_it() {
        for password in [
            "password",
            "12345678",
            "password123",
            "qwerty123",
            "iloveyou",
        ] {
            assert!(is_common(password), "{password:?}");
        }
        assert!(!is_common("correct horse battery"));
    }

    #[test]
    fn lookups_ignore_case_and_surrounding_spaces() {
        assert!(is_common(&Password::comparison_form(" PassWord123 ")));
        assert!(is_common(&Password::comparison_form("QWERTY123")));
    }

    mod new_password_policy {
        use super::*;

        fn ann() -> Email {
            Email::parse("annabelle.lee@example.com").unwrap()
        }

        fn refusal(raw: &str) -> String {
            let err = Password::parse_new_for(&ann(), raw).unwrap_err();
            assert_eq!(err.field(), Some("password"), "{raw:?}");
            err.to_string()
        }

        #[test]
        fn a_good_password_passes_the_whole_policy() {
            let password = Password::parse_new_for(&ann(), "correct horse battery").unwrap();
            assert_eq!(password.expose(), "correct horse battery");
        }

        #[test]
        fn common_passwords_are_refused_whatever_their_case_or_form() {
            for raw in [
                "password123",
                "qwerty123",
                "iloveyou",
                "PassWord123",
                " qwerty123 ",
                // Full-width letters normalise to `password1`.
                "ｐａｓｓｗｏｒｄ１",
            ] {
                assert!(refusal(raw).contains("too common"), "{raw:?}");
            }
        }

        #[test]
        fn the_email_address_is_refused_as_a_password() {
            for raw in [
                "annabelle.lee@example.com",
                "Annabelle.Lee@Example.COM",
                " annabelle.lee@example.com ",
            ] {
                assert!(refusal(raw).contains("email address"), "{raw:?}");
            }
            assert!(refusal("Annabelle.Lee").contains("before the @"));
            // Merely containing it is fine.
            assert!(Password::parse_new_for(&ann(), "annabelle.lee@example.com!?").is_ok());
        }

        #[test]
        fn the_length_rule_still_comes_first() {
            assert!(refusal("qwerty").contains("at least 8 characters"));
        }
    }
}
