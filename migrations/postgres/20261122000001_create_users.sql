-- Accounts. An identity column never hands out a deleted user's id again, so a
-- session that outlived its user can never start pointing at somebody else.
CREATE TABLE users (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored normalised (trimmed, lower-cased) by the application.
    email         TEXT        NOT NULL UNIQUE,
    -- PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
