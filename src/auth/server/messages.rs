//! The text of every message the app sends: plain text, with links built
//! by [`Mailer::link`] from `PUBLIC_URL`, never from a request.

use std::time::Duration;

use super::tokens::MailedToken;
use crate::server::mail::{Mail, Mailer};

/// The link that lets the bearer set a new password.
pub fn password_reset(mailer: &Mailer, to: &str, token: &MailedToken) -> Mail {
    let link = mailer.link(&format!("/reset-password?token={}", token.as_str()));
    Mail {
        to: to.to_owned(),
        subject: "Reset your Workout log password".to_owned(),
        body: format!(
            "Someone, hopefully you, asked to reset the password of the Workout log account {to}.\n\n\
             Choose a new password here (the link works once, for {}):\n\n{link}\n\n\
             If it was not you, ignore this message: your password stays as it is.\n",
            describe(mailer.password_reset_ttl)
        ),
    }
}

/// The notice that the password changed, by a reset or on the account page.
pub fn password_changed(mailer: &Mailer, to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Your Workout log password was changed".to_owned(),
        body: format!(
            "The password of the Workout log account {to} was just changed, and every \
             other device was logged out.\n\n\
             If it was not you, reset your password now and check the account page:\n\n{}\n",
            mailer.link("/forgot-password")
        ),
    }
}

/// The link that confirms the account's address (sent at signup, and again
/// on request).
pub fn confirm_address(mailer: &Mailer, to: &str, token: &MailedToken) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Confirm your email address for Workout log".to_owned(),
        body: format!(
            "Confirm that {to} is your address for Workout log (the link works for {}):\n\n{}\n\n\
             If you did not sign up, ignore this message.\n",
            describe(mailer.email_confirmation_ttl),
            confirm_link(mailer, token)
        ),
    }
}

/// The link that makes `to` the account's new address.
pub fn confirm_new_address(mailer: &Mailer, to: &str, token: &MailedToken) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Confirm your new email address for Workout log".to_owned(),
        body: format!(
            "Someone, hopefully you, asked to make {to} the address of a Workout log account.\n\n\
             Confirm it here (the link works for {}):\n\n{}\n\n\
             If it was not you, ignore this message: nothing changes.\n",
            describe(mailer.email_confirmation_ttl),
            confirm_link(mailer, token)
        ),
    }
}

/// The notice to the old address that a change to `new` was asked for.
pub fn address_change_notice(mailer: &Mailer, old: &str, new: &str) -> Mail {
    Mail {
        to: old.to_owned(),
        subject: "Your Workout log email address is being changed".to_owned(),
        body: format!(
            "Someone logged in to the Workout log account {old} asked to change its address to \
             {new}. It changes once the link sent there is followed.\n\n\
             If it was not you, change your password now and check the account page:\n\n{}\n",
            mailer.link("/account")
        ),
    }
}

/// The notice to the old address that the change went through.
pub fn address_changed(mailer: &Mailer, old: &str, new: &str) -> Mail {
    Mail {
        to: old.to_owned(),
        subject: "Your Workout log email address was changed".to_owned(),
        body: format!(
            "The Workout log account that had the address {old} now has the address {new}: \
             the link sent there was followed. Mail about the account goes to {new} from now on.\n\n\
             If it was not you, contact the site's operator at once: the account can no longer \
             be recovered through this address.\n\n{}\n",
            mailer.link("/")
        ),
    }
}

fn confirm_link(mailer: &Mailer, token: &MailedToken) -> String {
    mailer.link(&format!("/confirm-email?token={}", token.as_str()))
}

/// "1 hour", "3 days", "90 minutes": how long a link works, in words.
fn describe(ttl: Duration) -> String {
    let secs = ttl.as_secs();
    let (n, unit) = match secs {
        s if s >= 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3_600 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_lifetimes_read_as_words() {
        assert_eq!(describe(Duration::from_secs(3600)), "1 hour");
        assert_eq!(describe(Duration::from_secs(3 * 86_400)), "3 days");
        assert_eq!(describe(Duration::from_secs(90 * 60)), "90 minutes");
        assert_eq!(describe(Duration::from_secs(2)), "2 seconds");
    }
}
