//! An account's security record, as the account page shows it and the auth
//! feature keeps it: the user's sessions and their audit trail. Times are
//! Unix seconds (UTC); the browser formats them.

use serde::{Deserialize, Serialize};

/// One active session of the user, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// An opaque random handle, not the session id (which never leaves the
    /// server except in its own signed cookie).
    pub handle: String,
    /// "Firefox on Linux", from the User-Agent at login.
    pub device: String,
    pub ip: String,
    pub created_at: i64,
    pub last_active: i64,
    /// The session of the request that asked.
    pub current: bool,
    /// Logged in with "Remember me".
    pub remembered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditKind {
    SignedUp,
    LoggedIn,
    LoginFailed,
    LoggedOut,
    PasswordChanged,
    SessionRevoked,
    OtherSessionsEnded,
    PasswordResetRequested,
    PasswordReset,
    EmailConfirmed,
    EmailChangeRequested,
    EmailChanged,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedUp => "signed_up",
            Self::LoggedIn => "logged_in",
            Self::LoginFailed => "login_failed",
            Self::LoggedOut => "logged_out",
            Self::PasswordChanged => "password_changed",
            Self::SessionRevoked => "session_revoked",
            Self::OtherSessionsEnded => "other_sessions_ended",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordReset => "password_reset",
            Self::EmailConfirmed => "email_confirmed",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailChanged => "email_changed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::SignedUp,
            Self::LoggedIn,
            Self::LoginFailed,
            Self::LoggedOut,
            Self::PasswordChanged,
            Self::SessionRevoked,
            Self::OtherSessionsEnded,
            Self::PasswordResetRequested,
            Self::PasswordReset,
            Self::EmailConfirmed,
            Self::EmailChangeRequested,
            Self::EmailChanged,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == raw)
    }

    /// How the account page words it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SignedUp => "Account created",
            Self::LoggedIn => "Logged in",
            Self::LoginFailed => "Failed login attempt",
            Self::LoggedOut => "Logged out",
            Self::PasswordChanged => "Password changed",
            Self::SessionRevoked => "Session revoked",
            Self::OtherSessionsEnded => "Logged out everywhere else",
            Self::PasswordResetRequested => "Password reset link sent",
            Self::PasswordReset => "Password reset by email link",
            Self::EmailConfirmed => "Email address confirmed",
            Self::EmailChangeRequested => "Email change requested",
            Self::EmailChanged => "Email address changed",
        }
    }
}

/// One entry of the user's audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: i64,
    pub kind: AuditKind,
    pub ip: String,
}

/// A short description of the browser and system in a User-Agent header:
/// enough for a person to recognise their own devices, nothing more.
pub fn describe_user_agent(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chromium/") {
        "Chromium"
    } else if ua.contains("Chrome/") || ua.contains("HeadlessChrome") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.starts_with("curl/") {
        "curl"
    } else {
        "Unknown browser"
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        ""
    };
    if system.is_empty() {
        browser.to_owned()
    } else {
        format!("{browser} on {system}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_read_as_browser_on_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        let chrome_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        let safari_ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(describe_user_agent(firefox), "Firefox on Linux");
        assert_eq!(describe_user_agent(chrome_win), "Chrome on Windows");
        assert_eq!(describe_user_agent(safari_ios), "Safari on iOS");
        assert_eq!(describe_user_agent(edge), "Edge on Windows");
        assert_eq!(describe_user_agent("curl/8.5.0"), "curl");
        assert_eq!(describe_user_agent(""), "Unknown browser");
    }

    #[test]
    fn audit_kinds_round_trip_through_their_stored_names() {
        for kind in [
            AuditKind::SignedUp,
            AuditKind::OtherSessionsEnded,
            AuditKind::LoginFailed,
        ] {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AuditKind::parse("nonsense"), None);
    }
}
