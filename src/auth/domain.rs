//! Values that are valid by construction: once a handler holds an [`Email`] or a
//! [`Password`], nothing downstream checks the raw string again.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

/// The user as the browser may know them: an id and an email, never a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
}

/// The logged-in user's address as the dashboard and account page show it
/// (`POST /api/email/status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailStatus {
    pub email: String,
    /// The user followed a confirmation link sent to `email`.
    pub confirmed: bool,
    /// A new address that becomes the account's once the link sent to it
    /// is followed.
    pub pending_email: Option<String>,
}

/// An email address in its one canonical form, so that addresses that look
/// the same are one account: trimmed, Unicode NFKC-normalised (composed and
/// decomposed accents, fullwidth letters), case-folded (Unicode full case
/// folding: `Straße` and `STRASSE` are one), and normalised again. Invisible
/// (Default_Ignorable_Code_Point, such as U+200B or U+00AD) and
/// text-direction (Bidi_Control) characters are refused rather than
/// dropped: they have no place in an address and only serve to make two
/// look alike. This is the form stored, looked up, throttled and unique.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// RFC 5321 caps a forward path at 254 octets.
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        let invalid = |message: &str| Err(AppError::invalid("email", message));
        if raw.is_empty() {
            return invalid("Enter your email address");
        }
        // A bound before normalising: NFKC can expand a character up to 18-fold.
        if raw.len() > 4 * Self::MAX_LEN {
            return invalid("That email address is too long");
        }
        // Judged before and after normalising, so that none comes in either way.
        let email = canonical_caseless(raw);
        if raw
            .chars()
            .chain(email.chars())
            .any(is_invisible_or_directional)
        {
            return invalid(
                "An email address cannot contain invisible or text-direction characters",
            );
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

    /// An address a new account, or an address change, is to have: mail
    /// goes to the canonical form, so it must be the address as typed but
    /// for letter case and Unicode composition. An address that folding
    /// rewrites beyond that (`ß` to `ss`, fullwidth or ligature letters,
    /// which may name another mailbox) is refused: the owner of the
    /// rewritten mailbox would receive this account's reset links.
    ///
    /// A new address is also a plain address, nothing a mail library reads
    /// as something else: no display name (`eve <x@y>`), quoting, comment,
    /// IP literal or MIME encoded word (`=?utf-8?q?bob?=@…`, which some
    /// servers decode to `bob@…`). The server checks the rest with the mailer's own
    /// parser (`auth::server::new_address`).
    pub fn parse_new(raw: &str) -> Result<Self, AppError> {
        let email = Self::parse(raw)?;
        let special = ['"', '<', '>', '(', ')', '[', ']', '\\', ',', ';', ':'];
        if email.0.contains(special) || email.0.contains("=?") {
            return Err(AppError::invalid(
                "email",
                "Enter a plain email address, like name@example.com",
            ));
        }
        let as_typed: String = raw.trim().nfc().collect::<String>().to_lowercase();
        if email.0 != as_typed {
            return Err(AppError::invalid(
                "email",
                "Type the address as your mail provider writes it, without special letter \
                 forms (such as \u{df}, \u{fb01} or fullwidth letters)",
            ));
        }
        Ok(email)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Unicode's compatibility caseless form (The Unicode Standard, 3.13,
/// D146: NFKD(toCasefold(NFKD(toCasefold(NFD(X)))))), stored composed
/// (NFKC): two strings match caselessly exactly when these are equal.
fn canonical_caseless(raw: &str) -> String {
    let folded = caseless::default_case_fold_str(&raw.nfd().collect::<String>());
    let folded = caseless::default_case_fold_str(&folded.nfkd().collect::<String>());
    folded.nfkc().collect()
}

/// Unicode's Default_Ignorable_Code_Point (invisible: zero-width spaces and
/// joiners, the soft hyphen, variation selectors, …) or Bidi_Control (the
/// marks and overrides that reorder text).
fn is_invisible_or_directional(c: char) -> bool {
    use icu_properties::CodePointSetData;
    use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint};
    CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointSetData::new::<BidiControl>().contains(c)
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password, Unicode NFKC-normalised, that passed the policy of the
/// constructor that made it. Its `Debug` never prints it.
///
/// The normalised form is what is counted, compared and hashed, so the same
/// password typed in another but equivalent Unicode form (a composed `é` or
/// `e` + combining accent, the `ﬁ` ligature or `fi`) logs in all the same.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Both counted in characters (Unicode scalar values) after normalisation.
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// The policy for a *new* password that needs neither the account nor the
    /// server: the length, counted after normalisation, and no control
    /// characters (NUL, a line break: nothing a password field lets a person
    /// type, NIST SP 800-63B's "printing characters"). A signup must go through
    /// `Password::parse_new_for` (server only), which adds the rest of the policy.
    pub fn parse_new(raw: &str) -> Result<Self, AppError> {
        let password = Self::normalise(raw);
        if password.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "password",
                "A password cannot contain control characters (such as a line break)",
            ));
        }
        let chars = password.chars().count();
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
        Ok(Self(password))
    }

    /// Accepts any candidate for a *login*, only refusing absurd lengths so that
    /// nobody can make the server hash megabytes. A password that breaks today's
    /// policy can still be checked against an older account's hash. Normalised
    /// like a new password, so it matches the hash whatever form it was typed in.
    pub fn parse_candidate(raw: &str) -> Result<Self, AppError> {
        let password = Self::normalise(raw);
        if password.is_empty() || password.chars().count() > Self::MAX_CHARS {
            return Err(AppError::InvalidCredentials);
        }
        Ok(Self(password))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Unicode NFKC, so that equivalent spellings are one password. Stops one
    /// character past [`Self::MAX_CHARS`], which is enough to refuse the
    /// password as too long without normalising megabytes.
    fn normalise(raw: &str) -> String {
        raw.nfkc().take(Self::MAX_CHARS + 1).collect()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where to send the browser after logging in: one of this app's pages (not
/// the login or signup page, which would loop), with its query.
///
/// The raw value is resolved as the browser's router will resolve it (the
/// WHATWG URL rules: dot segments, `%2e`, backslashes, stripped tabs and
/// newlines) before it is judged, so `/..//evil.example`, which a prefix
/// check takes for a local path, is seen for what it is: another host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPath(String);

impl NextPath {
    pub const DEFAULT: &'static str = "/dashboard";
    const MAX_LEN: usize = 512;

    /// Falls back to the dashboard for anything that is not one of the
    /// pages a login may lead to.
    pub fn parse_or_default(raw: Option<&str>) -> Self {
        raw.and_then(Self::parse)
            .unwrap_or_else(|| Self(Self::DEFAULT.to_owned()))
    }

    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if !raw.starts_with('/') || raw.len() > Self::MAX_LEN {
            return None;
        }
        let page = resolve_page(raw)?;
        let path = page.split('?').next().unwrap_or_default();
        (!matches!(path, "/login" | "/signup")).then_some(Self(page))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `raw` (a path, absolute or relative to the site's root) resolved as a
/// browser would, when it names one of this app's pages ([`crate::app::PAGES`])
/// on this app's origin: that page's path and query (`/dashboard?before=…`),
/// without any fragment. `None` for another origin, an API endpoint, or any
/// path the app has no page for.
pub fn resolve_page(raw: &str) -> Option<String> {
    let (path, query) = resolve_on_placeholder_origin(raw)?;
    if !crate::app::is_page(&path) {
        return None;
    }
    Some(match query.is_empty() {
        true => path,
        false => format!("{path}?{query}"),
    })
}

/// Only whether a resolved URL stays on this origin matters.
const PLACEHOLDER_BASE: &str = "http://app.invalid/";

/// `raw` resolved against [`PLACEHOLDER_BASE`]: its path and query (without
/// the `?`), or `None` when it leaves that origin. On the server by the url
/// crate, in the browser by the browser's own `URL`: both implement the
/// WHATWG URL standard.
#[cfg(not(feature = "hydrate"))]
fn resolve_on_placeholder_origin(raw: &str) -> Option<(String, String)> {
    let base = url::Url::parse(PLACEHOLDER_BASE).expect("a valid base URL");
    let url = base.join(raw).ok()?;
    (url.origin() == base.origin()).then(|| {
        (
            url.path().to_owned(),
            url.query().unwrap_or_default().to_owned(),
        )
    })
}

#[cfg(feature = "hydrate")]
fn resolve_on_placeholder_origin(raw: &str) -> Option<(String, String)> {
    let url = web_sys::Url::new_with_base(raw, PLACEHOLDER_BASE).ok()?;
    let base_origin = PLACEHOLDER_BASE.trim_end_matches('/');
    (url.origin() == base_origin).then(|| {
        let search = url.search();
        let query = search.strip_prefix('?').unwrap_or(&search).to_owned();
        (url.pathname(), query)
    })
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
    fn a_new_address_is_the_address_as_typed_but_for_case_and_composition() {
        let new = |raw: &str| Email::parse_new(raw).map(|e| e.as_str().to_owned());
        assert_eq!(new(" Ann@Example.COM ").unwrap(), "ann@example.com");
        assert_eq!(
            new("K\u{c1}te@example.com").unwrap(),
            "k\u{e1}te@example.com"
        );
        assert_eq!(
            new("ka\u{301}te@example.com").unwrap(),
            "k\u{e1}te@example.com"
        );
        for not_plain in [
            "eve<evil@evil.example>",
            "\"bob\"@example.com",
            "a(comment)@example.com",
            "user@[127.0.0.1]",
            "a\\b@example.com",
            "a:b@example.com",
            "=?utf-8?q?bob?=@example.com",
        ] {
            assert_eq!(
                new(not_plain).unwrap_err().field(),
                Some("email"),
                "{not_plain}"
            );
        }
        for rewritten in [
            "stra\u{df}e@example.com",
            "\u{ff4b}\u{ff41}\u{ff54}\u{ff45}@example.com",
            "\u{fb01}le@example.com",
        ] {
            let err = new(rewritten).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{rewritten}");
            // Looking an existing account up still finds it.
            assert!(Email::parse(rewritten).is_ok());
        }
    }

    #[test]
    fn emails_that_look_alike_have_one_canonical_form() {
        let canonical = |raw: &str| Email::parse(raw).unwrap().as_str().to_owned();
        assert_eq!(
            canonical("k\u{e1}te@example.com"),
            canonical("ka\u{301}te@example.com")
        );
        assert_eq!(
            canonical("k\u{e1}te@example.com"),
            "k\u{e1}te@example.com",
            "composed"
        );
        assert_eq!(
            canonical("\u{ff4b}\u{ff41}\u{ff54}\u{ff45}@example.com"),
            "kate@example.com"
        );
        assert_eq!(canonical("KATE@EXAMPLE.COM"), "kate@example.com");
        assert_eq!(
            canonical("STRASSE@example.com"),
            canonical("stra\u{df}e@example.com")
        );
        assert_eq!(
            canonical("\u{212a}ate@example.com"),
            "kate@example.com",
            "the Kelvin sign"
        );
        // Full case folding decomposes U+1F52; the stored form is composed.
        assert_eq!(canonical("\u{1f52}@example.com"), "\u{1f52}@example.com");
        assert_eq!(
            canonical("\u{3a5}\u{313}\u{300}@example.com"),
            "\u{1f52}@example.com"
        );
    }

    #[test]
    fn invisible_and_text_direction_characters_are_refused() {
        for c in [
            '\u{200b}',
            '\u{feff}',
            '\u{2060}',
            '\u{200d}',
            '\u{180e}',
            '\u{34f}',
            '\u{ad}',
            '\u{200c}',
            '\u{200e}',
            '\u{202e}',
            '\u{2066}',
            '\u{61c}',
            '\u{fe0f}',
            '\u{e0041}',
        ] {
            for raw in [
                format!("kate@example.com{c}"),
                format!("ka{c}te@example.com"),
                format!("{c}kate@example.com"),
            ] {
                let err = Email::parse(&raw).unwrap_err();
                assert_eq!(err.field(), Some("email"), "{raw:?}");
                assert!(err.to_string().contains("invisible"), "{raw:?}: {err}");
            }
        }
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
    fn password_length_is_counted_after_normalisation() {
        // Eight `e`s each followed by a combining acute: sixteen characters as
        // typed, eight composed `é`s once normalised.
        let decomposed = "e\u{301}".repeat(8);
        assert_eq!(decomposed.chars().count(), 16);
        let password = Password::parse_new(&decomposed).unwrap();
        assert_eq!(password.expose(), "é".repeat(8));
        assert_eq!(password.expose().chars().count(), 8);
        // Seven `e` + accent pairs are fourteen characters, but only seven `é`s.
        let err = Password::parse_new(&"e\u{301}".repeat(7)).unwrap_err();
        assert_eq!(err.field(), Some("password"));
        // 128 pairs fit (128 `é`s); NFKC expansion counts against the maximum:
        // 43 `…` are 43 characters as typed but 129 dots once normalised.
        assert!(Password::parse_new(&"e\u{301}".repeat(128)).is_ok());
        assert_eq!("…".repeat(43).chars().count(), 43);
        assert!(Password::parse_new(&"…".repeat(43)).is_err());
        assert!(Password::parse_new(&"…".repeat(42)).is_ok());
    }

    #[test]
    fn equivalent_unicode_forms_are_one_password() {
        let pairs = [
            // The `ﬁ` ligature (U+FB01) and `fi`.
            ("ﬁnish line rope", "finish line rope"),
            // A composed `é` and `e` + combining acute accent.
            ("caf\u{e9} au lait", "cafe\u{301} au lait"),
            // Full-width Latin letters and digits.
            ("ｓｑｕａｔ ２００ｋｇ", "squat 200kg"),
        ];
        for (typed, plain) in pairs {
            let new = Password::parse_new(typed).unwrap();
            assert_eq!(new.expose(), Password::parse_new(plain).unwrap().expose());
            // Login normalises the same way, so either form matches the hash.
            assert_eq!(
                Password::parse_candidate(typed).unwrap().expose(),
                new.expose()
            );
            assert_eq!(
                Password::parse_candidate(plain).unwrap().expose(),
                new.expose()
            );
        }
    }

    #[test]
    fn login_candidates_refuse_only_empty_or_absurd_lengths() {
        assert!(Password::parse_candidate("").is_err());
        assert!(Password::parse_candidate("x").is_ok());
        assert!(Password::parse_candidate(&"x".repeat(128)).is_ok());
        assert!(Password::parse_candidate(&"x".repeat(129)).is_err());
        assert!(Password::parse_candidate(&"x".repeat(1_000_000)).is_err());
    }

    #[test]
    fn a_new_password_has_no_control_characters() {
        for raw in [
            "a\0a\0a\0a\0a\0",
            "correct horse\nbattery",
            "correct\u{7f}horse",
            "tab\there please",
        ] {
            let err = Password::parse_new(raw).err().unwrap();
            assert_eq!(err.field(), Some("password"), "{raw:?}");
        }
        assert!(Password::parse_new("correct horse battery \u{1f40e}").is_ok());
        // Logging in is judged by the stored hash alone.
        assert!(Password::parse_candidate("a\0a\0a\0a\0a\0").is_ok());
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
            // Dot segments, and their encoded and whitespace-split siblings,
            // that resolve to another host.
            Some("/..//evil.example"),
            Some("/a/../..//evil.example"),
            Some("/%2e%2e//evil.example"),
            Some("/.%2E//evil.example"),
            Some("/\t/evil.example"),
            Some("/\n/evil.example/dashboard"),
            Some("/..\\/evil.example"),
            // This app, but not a page a login leads to.
            Some("/login"),
            Some("/signup?next=/login"),
            Some("/./login"),
            Some("/api/logout"),
            Some("/api/account/delete"),
            Some("/pkg/workout_log.js"),
            Some("/no-such-page"),
        ] {
            assert_eq!(
                NextPath::parse_or_default(raw).as_str(),
                "/dashboard",
                "{raw:?}"
            );
        }
    }

    #[test]
    fn next_path_resolves_dot_segments_to_the_page_they_name() {
        for (raw, page) in [
            ("/./account", "/account"),
            ("/a/../account", "/account"),
            ("/dashboard/..", "/"),
            ("/%2e/dashboard?before=x#top", "/dashboard?before=x"),
            ("/", "/"),
        ] {
            assert_eq!(
                NextPath::parse_or_default(Some(raw)).as_str(),
                page,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn next_path_may_name_a_page_with_a_parameter() {
        assert_eq!(
            NextPath::parse_or_default(Some("/exercises/12")).as_str(),
            "/exercises/12"
        );
        for raw in ["/exercises/", "/exercises", "/exercises/1/2"] {
            assert_eq!(
                NextPath::parse_or_default(Some(raw)).as_str(),
                NextPath::DEFAULT,
                "{raw:?}"
            );
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            /// An accepted email is normalised and storable; anything else is
            /// a 422 on `email`.
            #[test]
            fn any_email_is_normalised_or_refused(raw in prop_oneof!["[ A-Za-z0-9._%+@-]{0,40}", any::<String>()]) {
                match Email::parse(&raw) {
                    Ok(email) => {
                        let s = email.as_str();
                        prop_assert_eq!(s, s.trim());
                        prop_assert!(!s.chars().any(is_invisible_or_directional));
                        // A fixed point of the canonical form (folding alone may
                        // decompose: U+1F52 folds to three code points, which NFKC
                        // composes back).
                        prop_assert_eq!(canonical_caseless(s), s, "canonical");
                        prop_assert!(s.len() <= Email::MAX_LEN);
                        prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
                        prop_assert_eq!(s.matches('@').count(), 1);
                        prop_assert_eq!(Email::parse(s).unwrap(), email.clone());
                    }
                    Err(err) => prop_assert_eq!(err.field(), Some("email")),
                }
            }

            /// Whatever `next` says, the target is one of this app's pages,
            /// and resolving it again changes nothing (what the router gets).
            #[test]
            fn any_next_is_one_of_this_apps_pages(raw in prop_oneof!["[/.\\\\%2eE\t\nadshbor?#:@]{0,24}", any::<String>()]) {
                let next = NextPath::parse_or_default(Some(&raw));
                let path = next.as_str().split('?').next().unwrap();
                prop_assert!(crate::app::is_page(path));
                prop_assert!(path != "/login" && path != "/signup");
                let again = resolve_page(next.as_str());
                prop_assert_eq!(again.as_deref(), Some(next.as_str()));
            }

            /// Length is counted in characters after NFKC, never bytes.
            #[test]
            fn any_new_password_is_counted_in_characters(raw in any::<String>()) {
                let chars = Password::normalise(&raw).chars().count();
                let control = Password::normalise(&raw).chars().any(char::is_control);
                match Password::parse_new(&raw) {
                    Ok(_) => prop_assert!((Password::MIN_CHARS..=Password::MAX_CHARS).contains(&chars) && !control),
                    Err(err) => {
                        prop_assert_eq!(err.field(), Some("password"));
                        prop_assert!(control || !(Password::MIN_CHARS..=Password::MAX_CHARS).contains(&chars));
                    }
                }
            }
        }
    }
}
