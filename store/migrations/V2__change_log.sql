-- Cluster mode: every change set committed to the directory, in commit order, so that each
-- node applies every other node's writes (followed with LISTEN/NOTIFY on `porter_changes`,
-- caught up by sequence). Writers take a transaction-level advisory lock first, so `seq`
-- is assigned in commit order without gaps.
CREATE TABLE change_log (
    seq     bigint      PRIMARY KEY,
    node    text        NOT NULL,
    at      timestamptz NOT NULL DEFAULT now(),
    changes jsonb       NOT NULL
);

-- The nodes that have used this database, each with a slot of its own (0–1023), kept for
-- good: the slot is the low bits of every event and mail id the node makes, so ids made on
-- two nodes at once never collide. A node keeps its slot across restarts.
CREATE TABLE nodes (
    node       text        PRIMARY KEY,
    slot       smallint    NOT NULL UNIQUE CHECK (slot BETWEEN 0 AND 1023),
    first_seen timestamptz NOT NULL DEFAULT now()
);
