//! The PostgreSQL schema and its migrations: applied at open under an advisory lock, each version recorded.
//!
//! Everything lives in the store's own schema (`schema=` in the URL,
//! `pattern_mcp` by default), which every connection has as its
//! `search_path`. Only the `pg_trgm` and `unaccent` extensions, which a
//! database has once, are created outside it (in `public`, if missing).

use tokio_postgres::Client;

use super::error::pg_error;
use super::{BACKEND, MemoryError};

/// The advisory lock every migration takes ("pmcp"): one database-wide key,
/// so that two instances starting at once, even for different schemas,
/// never create the shared extensions or the same schema concurrently.
const MIGRATION_LOCK: i64 = 0x706d_6370;

/// Migrations in order; migration `i` brings the schema to version `i + 1`.
/// Each runs in the one transaction that holds the migration lock.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    ("memories, namespaces as partitions, full-text search", V1),
    ("idempotency keys, unique per namespace", V2),
];

/// Version 2: the caller's idempotency key of a memory, unique within its
/// namespace (the partition key is part of the index, as PostgreSQL requires
/// of a unique index on a partitioned table; rows without a key never
/// collide). Partitions get the column and the index from the parent, now
/// and when `memory_add_namespace` attaches them.
const V2: &str = "
    ALTER TABLE memories ADD COLUMN idempotency_key text;
    CREATE UNIQUE INDEX memories_namespace_idempotency_key ON memories (namespace, idempotency_key);
";

/// Version 1.
///
/// `memories` is partitioned by namespace: each namespace gets its own
/// table, `memories_<id>`, with its own indexes, created with its first
/// memory by `memory_add_namespace`. A search then reads only that
/// namespace's index entries and rows, as SQLite reads only the
/// namespace's FTS5 table: one tenant's memories neither slow down nor
/// crowd another's. Only the namespace's integer id goes into a table name;
/// the namespace itself only into a quoted literal (`%L`).
///
/// `search` is generated from `index_body` (the content with CJK runs as
/// bigrams, cut to `INDEX_BYTES`; NULL when that is the content itself) and
/// `index_tags`, both written by the store, through `memory_search`: the
/// English stemmer without stop words, after `unaccent` (as SQLite's
/// `porter unicode61 remove_diacritics 2`). Stop words are dropped from
/// queries, not from the index, so a query made only of them still finds.
const V1: &str = r#"
DO $migration$
DECLARE
    unaccent_schema name;
    trgm_schema name;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        CREATE EXTENSION unaccent WITH SCHEMA public;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm WITH SCHEMA public;
    END IF;
    SELECT n.nspname INTO unaccent_schema FROM pg_extension e
        JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent';
    SELECT n.nspname INTO trgm_schema FROM pg_extension e
        JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';

    CREATE TEXT SEARCH DICTIONARY memory_stem (TEMPLATE = pg_catalog.snowball, LANGUAGE = english);
    CREATE TEXT SEARCH CONFIGURATION memory_search (COPY = pg_catalog.english);
    EXECUTE format(
        'ALTER TEXT SEARCH CONFIGURATION memory_search
             ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
             WITH %I.unaccent, memory_stem',
        unaccent_schema);

    CREATE TABLE memory_namespaces (
        id          bigserial PRIMARY KEY,
        name        text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE memories (
        id          bigserial NOT NULL,
        namespace   text NOT NULL,
        content     text NOT NULL,
        tags        text[] NOT NULL DEFAULT '{}',
        importance  double precision NOT NULL DEFAULT 0.5
                    CHECK (importance >= 0 AND importance <= 1),
        metadata    jsonb NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL
                    DEFAULT date_trunc('milliseconds', statement_timestamp()),
        index_body  text,
        index_tags  text NOT NULL DEFAULT '',
        search      tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('memory_search', coalesce(index_body, content)), 'A')
                        || setweight(to_tsvector('memory_search', index_tags), 'B')
                    ) STORED,
        PRIMARY KEY (namespace, id)
    ) PARTITION BY LIST (namespace);

    CREATE INDEX memories_namespace_created_at ON memories (namespace, created_at DESC, id DESC);
    -- Without fastupdate a GIN index takes each memory at once instead of
    -- in a pending list that every search scans until VACUUM merges it
    -- (and the planner, costing that list, would avoid the index).
    CREATE INDEX memories_search ON memories USING gin (search) WITH (fastupdate = off);
    CREATE INDEX memories_tags ON memories USING gin (tags) WITH (fastupdate = off);
    EXECUTE format(
        'CREATE INDEX memories_content_trgm ON memories
             USING gin (content %I.gin_trgm_ops) WITH (fastupdate = off)',
        trgm_schema);
END
$migration$;

-- OR and AND of many tsqueries (NULL for none).
CREATE AGGREGATE memory_tsquery_or(tsquery) (SFUNC = pg_catalog.tsquery_or, STYPE = tsquery);
CREATE AGGREGATE memory_tsquery_and(tsquery) (SFUNC = pg_catalog.tsquery_and, STYPE = tsquery);

-- Matches when at least `k` of `units` match: all of them for k >= their
-- number, any for k <= 1. `(u1 & at_least(rest, k-1)) | at_least(rest, k)`.
CREATE FUNCTION memory_at_least(units tsquery[], k integer) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n integer := coalesce(array_length(units, 1), 0);
    q tsquery;
BEGIN
    IF n = 0 THEN
        RETURN NULL;
    ELSIF k <= 1 THEN
        FOR i IN 1..n LOOP q := CASE WHEN q IS NULL THEN units[i] ELSE q || units[i] END; END LOOP;
        RETURN q;
    ELSIF k >= n THEN
        FOR i IN 1..n LOOP q := CASE WHEN q IS NULL THEN units[i] ELSE q && units[i] END; END LOOP;
        RETURN q;
    END IF;
    RETURN (units[1] && memory_at_least(units[2:n], k - 1)) || memory_at_least(units[2:n], k);
END
$$;

-- Refreshes the planner's statistics of a namespace's partition, or of
-- every partition never analysed (ns NULL): the store calls it as a
-- namespace grows, since autovacuum may be off and a partition without
-- statistics looks empty to the planner.
CREATE FUNCTION memory_analyze(ns text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    part regclass;
BEGIN
    FOR part IN
        SELECT i.inhrelid::regclass FROM pg_inherits AS i
        JOIN pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'memories'::regclass
          AND CASE WHEN ns IS NULL THEN c.reltuples < 0
                   ELSE c.relname = 'memories_' || (SELECT id FROM memory_namespaces WHERE name = ns) END
    LOOP
        EXECUTE format('ANALYZE %s', part);
    END LOOP;
END
$$;

-- The id of a namespace, registering it and attaching its partition on its
-- first memory. ATTACH (not CREATE ... PARTITION OF) takes only a SHARE
-- UPDATE EXCLUSIVE lock: searches and writes elsewhere go on meanwhile.
-- A concurrent caller waits on the unique name, then finds the new row.
CREATE FUNCTION memory_add_namespace(ns text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    ns_id bigint;
BEGIN
    SELECT id INTO ns_id FROM memory_namespaces WHERE name = ns;
    IF FOUND THEN
        RETURN ns_id;
    END IF;
    INSERT INTO memory_namespaces (name) VALUES (ns)
        ON CONFLICT (name) DO NOTHING RETURNING id INTO ns_id;
    IF ns_id IS NULL THEN
        SELECT id INTO ns_id FROM memory_namespaces WHERE name = ns;
        RETURN ns_id;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I (LIKE memories INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)',
        'memories_' || ns_id);
    EXECUTE format('ALTER TABLE memories ATTACH PARTITION %I FOR VALUES IN (%L)',
        'memories_' || ns_id, ns);
    RETURN ns_id;
END
$$;
"#;

/// The schema version this build writes.
pub(super) const VERSION: i32 = MIGRATIONS.len() as i32;

/// Creates the store's schema if needed and brings it to [`VERSION`], in
/// one transaction holding [`MIGRATION_LOCK`]: a second instance starting
/// at the same time waits, then finds the work done. A schema written by a
/// newer build is refused rather than misread.
pub(super) async fn migrate(client: &mut Client, schema: &str) -> Result<(), MemoryError> {
    let tx = client.transaction().await.map_err(pg_error)?;
    // Migrations may outlast the statement timeout of ordinary requests.
    tx.batch_execute("SET LOCAL statement_timeout = '5min'").await.map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg_error)?;
    // `schema` is checked by the URL parser (`^[a-z_][a-z0-9_]*$`) and quoted.
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         CREATE TABLE IF NOT EXISTS memory_schema_migrations (
             version     integer PRIMARY KEY,
             description text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         );"
    ))
    .await
    .map_err(pg_error)?;
    let current: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM memory_schema_migrations", &[])
        .await
        .map_err(pg_error)?
        .get(0);
    if current > VERSION {
        return Err(MemoryError::Unavailable {
            backend: BACKEND,
            reason: format!(
                "the database has schema version {current}, newer than this build knows ({VERSION}); upgrade pattern-mcp"
            ),
        });
    }
    for (version, (description, sql)) in (1..).zip(MIGRATIONS).skip(current as usize) {
        tx.batch_execute(sql).await.map_err(pg_error)?;
        tx.execute(
            "INSERT INTO memory_schema_migrations (version, description) VALUES ($1, $2)",
            &[&version, description],
        )
        .await
        .map_err(pg_error)?;
        tracing::info!(backend = BACKEND, version, "memory schema migrated");
    }
    tx.commit().await.map_err(pg_error)
}
