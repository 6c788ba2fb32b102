-- Cluster mode: work that must run on one node at a time (sending mail, expiration
-- schedules, upgrade rollouts, pruning) runs under a lease. A node holds a lease while it
-- renews it before `expires_at`, on PostgreSQL's clock; a dead node's lease runs out and
-- another node takes it. `holder` is the node id and its process's start, so a restarted
-- node does not mistake its earlier life's lease for its own.
CREATE TABLE leases (
    name       text        PRIMARY KEY,
    holder     text        NOT NULL,
    expires_at timestamptz NOT NULL
);
