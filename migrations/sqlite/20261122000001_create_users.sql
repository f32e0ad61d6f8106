-- Accounts. AUTOINCREMENT (not plain ROWID reuse) guarantees that the id of a
-- deleted user is never handed to a new one, so a session that outlived its
-- user can never start pointing at somebody else.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Stored normalised (trimmed, lower-cased) by the application.
    email         TEXT    NOT NULL UNIQUE,
    -- PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
