//! The one error type that crosses the server-function boundary.
//!
//! Every variant knows its HTTP status and the message a user can act on. Causes
//! (database errors, Redis errors) are logged on the server where they happen and
//! never serialised to the client.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A field of a form, named so that an error can point at it.
pub type FieldName = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// A form field failed validation; nothing was stored.
    #[error("{message}")]
    InvalidField { field: FieldName, message: String },
    /// The request itself was malformed (missing fields, wrong encoding, ...).
    #[error("Bad request: {0}")]
    BadRequest(String),
    /// Deliberately the same for an unknown email and a wrong password.
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("An account with this email already exists")]
    EmailTaken,
    /// A link from an email (password reset, address confirmation) that is
    /// unknown, used, or expired.
    #[error("This link has expired or was already used. Ask for a new one.")]
    InvalidLink,
    #[error("You need to log in to do that")]
    Unauthorized,
    #[error("Not found")]
    NotFound,
    /// A state-changing request that came from another site (CSRF).
    #[error("This request came from another site and was refused")]
    Forbidden,
    /// The request body is larger than any form of this app needs.
    #[error("The request is too large")]
    TooLarge,
    /// The request body did not arrive in time (a stalled or very slow client).
    #[error("The request took too long to arrive, please try again")]
    RequestTimeout,
    /// The request's headers (usually its cookies) are larger than allowed.
    #[error("The request's headers are too large; clear this site's cookies and try again")]
    HeadersTooLarge,
    /// Login throttling: too many failures for this email or from this address.
    #[error("Too many attempts, try again in {}", seconds(*retry_after_secs))]
    TooManyAttempts { retry_after_secs: u64 },
    /// A backing service (Redis, the database) is down or timed out.
    #[error("The service is temporarily unavailable, please try again in a moment")]
    Unavailable,
    /// The browser could not reach the server at all.
    #[error("Could not reach the server, check your connection and try again")]
    Network,
    #[error("Something went wrong on our side, please try again")]
    Internal,
}

fn seconds(n: u64) -> String {
    if n == 1 {
        "1 second".to_owned()
    } else {
        format!("{n} seconds")
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The same error about the form's field `field`: a value parsed by a
    /// shared parser (which names its own field, `email`) under another
    /// name on this form (`new_email`). Any other error is left as it is.
    pub fn for_field(self, field: &str) -> Self {
        match self {
            Self::InvalidField { message, .. } => Self::invalid(field, message),
            other => other,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidField { .. } => 422,
            Self::BadRequest(_) | Self::InvalidLink => 400,
            Self::InvalidCredentials | Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::RequestTimeout => 408,
            Self::TooLarge => 413,
            Self::HeadersTooLarge => 431,
            Self::TooManyAttempts { .. } => 429,
            Self::EmailTaken => 409,
            Self::Unavailable | Self::Network => 503,
            Self::Internal => 500,
        }
    }

    /// The `Retry-After` this error is answered with, when trying again later
    /// can help: an outage is usually over in a moment, a throttle says when.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Unavailable => Some(1),
            Self::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// While the server renders a page, answers it with this error's status
    /// (a page that says "temporarily unavailable" is a 503, not a 200).
    pub fn set_page_status(&self) {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(self.status()) {
                response.set_status(status);
            }
            if let Some(seconds) = self.retry_after_secs() {
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
            }
        }
    }

    /// The field this error is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg)
            | ServerFnErrorErr::MissingArg(msg)
            | ServerFnErrorErr::Deserialization(msg) => Self::BadRequest(msg),
            ServerFnErrorErr::Request(_) => Self::Network,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_errors_do_not_reveal_which_part_was_wrong() {
        assert_eq!(
            AppError::InvalidCredentials.to_string(),
            "Invalid email or password"
        );
        assert_eq!(AppError::InvalidCredentials.status(), 401);
    }

    #[test]
    fn framework_argument_errors_are_client_errors() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("email".into()));
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn only_outages_and_throttling_say_when_to_retry() {
        assert_eq!(AppError::Unavailable.retry_after_secs(), Some(1));
        let throttled = AppError::TooManyAttempts {
            retry_after_secs: 8,
        };
        assert_eq!(throttled.retry_after_secs(), Some(8));
        assert_eq!(AppError::Unauthorized.retry_after_secs(), None);
        assert_eq!(AppError::Internal.retry_after_secs(), None);
    }

    #[test]
    fn a_field_error_can_name_the_forms_own_field() {
        let err = AppError::invalid("email", "Enter your email address").for_field("new_email");
        assert_eq!(
            err,
            AppError::invalid("new_email", "Enter your email address")
        );
        assert_eq!(
            AppError::EmailTaken.for_field("new_email"),
            AppError::EmailTaken
        );
    }

    #[test]
    fn errors_round_trip_through_json() {
        let err = AppError::invalid("email", "Enter a valid email address");
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err);
    }
}
