-- Each user's security events (logins, failed logins, password changes,
-- session revocations), shown on the account page; deleted with the user.
CREATE TABLE audit_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unix seconds, UTC.
    at      BIGINT NOT NULL,
    kind    TEXT   NOT NULL,
    ip      TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX audit_events_by_user_time ON audit_events (user_id, at DESC, id DESC);
