//! The most common passwords, which a new password may not be. Server only: the
//! list is compiled into the server binary and never into the WASM bundle.
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

use super::domain::Password;

const LIST: &str = include_str!("common_passwords.txt");

/// Every entry in [`Password::comparison_form`], built on first use.
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    LIST.lines()
        .map(Password::comparison_form)
        .filter(|entry| !entry.is_empty())
        .collect()
});

/// Whether `key`, already in [`Password::comparison_form`], is a common password.
pub fn is_common(key: &str) -> bool {
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
}
