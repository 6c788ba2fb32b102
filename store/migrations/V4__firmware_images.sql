-- Cluster mode: firmware images uploaded on one node, for every node (each keeps a copy on
-- its own disk once it needs one). An image is there when its row in `firmware_images` is:
-- the chunks are written in the same transaction.
CREATE TABLE firmware_images (
    sha256 text   PRIMARY KEY,
    size   bigint NOT NULL,
    chunks int    NOT NULL
);

CREATE TABLE firmware_chunks (
    sha256 text  NOT NULL,
    n      int   NOT NULL,
    bytes  bytea NOT NULL,
    PRIMARY KEY (sha256, n)
);
