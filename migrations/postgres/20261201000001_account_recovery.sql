-- Account recovery and verified addresses. Every existing account is kept
-- as it is, unconfirmed (NULL) until its owner follows a confirmation link.

-- When the user proved to own their address (Unix seconds, UTC); NULL until then.
ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;

-- One-time links sent by email (password reset, address confirmation,
-- address change). Only the token's SHA-256 is stored, never the token.
CREATE TABLE email_tokens (
    -- SHA-256 of the token, lower-case hex.
    token_hash TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- password_reset, confirm_email or change_email.
    purpose    TEXT    NOT NULL,
    -- The address the link was sent to: for change_email, the new one.
    email      TEXT    NOT NULL,
    -- Unix seconds, UTC.
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);

CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_by_expiry ON email_tokens (expires_at);

-- Messages waiting to be sent: written in the same transaction as what they
-- announce, delivered by the background worker (server::mail) with retries.
CREATE TABLE mail_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    -- Unix seconds, UTC.
    created_at      BIGINT  NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    -- Unix milliseconds: not before then (a retry's backoff, or a claim's lease).
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT,
    -- Set only by the development mailbox, which keeps what it delivered;
    -- a message sent over SMTP is deleted.
    delivered_at    BIGINT,
    -- The SMTP server refused it for good (a 5xx answer).
    failed_at       BIGINT
);

CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
