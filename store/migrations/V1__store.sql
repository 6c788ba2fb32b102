-- Porter's store on PostgreSQL: the directory's records, and the streams kept beside them
-- (what the sled backend keeps under its key prefixes). Keys are the store's own encodings
-- (`RecordKey::encode`, `capture_image_key`, `face_blob_key`), compared byte-wise.

CREATE TABLE records (
    key   text COLLATE "C" PRIMARY KEY,
    value jsonb NOT NULL
);

CREATE TABLE blobs (
    key   text COLLATE "C" PRIMARY KEY,
    bytes bytea NOT NULL
);

CREATE TABLE audit (
    installer_id bigint NOT NULL,
    seq          bigint NOT NULL,
    entry        jsonb  NOT NULL,
    PRIMARY KEY (installer_id, seq)
);

-- Device events, pruned per community (`Backend::prune_events`); a capture's image is a
-- blob under `capture_image_key`.
CREATE TABLE events (
    community_id bigint NOT NULL,
    seq          bigint NOT NULL,
    event        jsonb  NOT NULL,
    PRIMARY KEY (community_id, seq)
);

CREATE TABLE last_seen (
    device_id bigint PRIMARY KEY,
    seen      jsonb  NOT NULL
);

-- The outbox: `due_ms` is set while a message is pending; `dedupe` makes queueing the same
-- notice twice (also on two nodes at once) a no-op; `queued_ms` bounds what pruning reads.
CREATE TABLE mail (
    id           bigint PRIMARY KEY,
    dedupe       text   NOT NULL UNIQUE,
    installer_id bigint NOT NULL,
    queued_ms    bigint NOT NULL,
    due_ms       bigint,
    message      jsonb  NOT NULL
);
CREATE INDEX mail_due ON mail (due_ms, id) WHERE due_ms IS NOT NULL;
CREATE INDEX mail_by_installer ON mail (installer_id, id);
CREATE INDEX mail_by_age ON mail (queued_ms);
