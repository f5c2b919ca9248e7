"""Event store v2: appends without a global lock, in one round trip; per-stream hash chains;
the log ordered by (log_tx, position) below a watermark.

- The chain head (one row every append locked) and the outbox go; each stream gets a head row
  (version, last hash), and the relay follows the event table itself.
- ``eventstore_append(...)`` checks the expected version, writes the events and moves the
  stream's head in one call; ``eventstore_watermark()`` is how far log readers may read.
- Existing events keep their positions and content. The old chain is verified first (the
  migration refuses to bless damage); then the events are re-chained per stream (the old
  chain linked each event to its global predecessor) and get ``log_tx`` 0, so they come
  before every new event in the log. This is the only time the migration rewrites rows, with
  the append-only triggers off; it cannot be reversed.
"""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

GENESIS = "0" * 64

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION eventstore_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Truncating an empty table removes no event (TRUNCATE holds an exclusive lock here,
    -- so rows still being inserted are committed and seen first).
    IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT FROM eventstore_event) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Events are never changed or removed; append a compensating event instead.';
END;
$$;
"""

STREAM_HEAD_GUARD = """
CREATE FUNCTION eventstore_stream_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stream_id <> OLD.stream_id OR NEW.stream_type <> OLD.stream_type
            OR NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'eventstore_stream heads only move forward'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
"""

POSTGRES_TRIGGERS = """
CREATE TRIGGER eventstore_event_no_update_delete
    BEFORE UPDATE OR DELETE ON eventstore_event
    FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();
CREATE TRIGGER eventstore_event_no_truncate
    BEFORE TRUNCATE ON eventstore_event
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();
CREATE TRIGGER eventstore_stream_no_delete
    BEFORE DELETE ON eventstore_stream
    FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();
CREATE TRIGGER eventstore_stream_no_truncate
    BEFORE TRUNCATE ON eventstore_stream
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();
CREATE TRIGGER eventstore_stream_forward
    BEFORE UPDATE ON eventstore_stream
    FOR EACH ROW EXECUTE FUNCTION eventstore_stream_moves_forward();
"""

# The log counts transactions from the cluster's transaction ids plus an offset, which
# ``manage.py realign_log`` raises after a restore into a cluster whose ids start lower.
LOG_OFFSET = """
CREATE TABLE eventstore_log_offset (
    id smallint PRIMARY KEY CHECK (id = 1),
    xid_offset bigint NOT NULL CHECK (xid_offset >= 0)
);
INSERT INTO eventstore_log_offset VALUES (1, 0);
"""

WATERMARK = """
CREATE FUNCTION eventstore_watermark() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    -- The oldest transaction still running, other than the reader's own (the snapshot lists
    -- the others); every transaction below it has ended.
    SELECT coalesce(
        (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x),
        pg_snapshot_xmax(pg_current_snapshot())
    )::text::bigint + (SELECT xid_offset FROM eventstore_log_offset)
$$;
"""

# The canonical content is RFC 8785 JSON built from its parts: the keys in sorted order, no
# white space, the data and metadata already canonical (made by the caller from the values
# as stored), names and ids that need no escaping. ``eventstore.hashing.event_content``
# computes the same bytes in Python.
#
# The events come as scalars, cheap to bind: ids, types and schema versions joined by
# commas (none of them can hold one), the data texts joined by U+001F (canonical JSON writes
# every control character escaped, so none holds a raw one).
APPEND = """
CREATE FUNCTION eventstore_append(
    p_stream_id uuid,
    p_stream_type text,
    p_expected_version integer,
    p_event_ids text,
    p_event_types text,
    p_schema_versions text,
    p_data text,
    p_metadata text,
    OUT r_version integer,
    OUT r_log_tx bigint,
    OUT r_occurred_at timestamptz,
    OUT r_positions bigint[],
    OUT r_prev_hash text,
    OUT r_hashes text[]
) LANGUAGE plpgsql AS $fn$
DECLARE
    ev_ids constant uuid[] := string_to_array(p_event_ids, ',')::uuid[];
    ev_types constant text[] := string_to_array(p_event_types, ',');
    ev_schema_versions constant integer[] := string_to_array(p_schema_versions, ',')::integer[];
    ev_data constant text[] := string_to_array(p_data, E'\\x1f');
    n constant integer := cardinality(ev_ids);
    existing boolean;
    head_hash text;
    head_log_tx bigint;
    own_tx constant bigint := pg_current_xact_id()::text::bigint;
    prev text;
    stamp text;
BEGIN
    IF p_expected_version = 0 THEN
        -- A new stream: its head is inserted below, where a concurrent creator makes the
        -- insert wait for its commit and then find the stream taken.
        existing := false;
        r_version := 0;
        head_hash := repeat('0', 64);
        head_log_tx := 0;
    ELSE
        -- A second writer of the same stream waits here for the first to commit, then
        -- finds the version moved on. Writers of other streams never meet.
        SELECT s.version, s.hash, s.log_tx INTO r_version, head_hash, head_log_tx
          FROM eventstore_stream AS s WHERE s.stream_id = p_stream_id FOR UPDATE;
        existing := FOUND;
        IF NOT existing THEN
            r_version := 0;
        END IF;
        IF r_version <> p_expected_version THEN
            RETURN;  -- nothing written; the caller raises ConcurrencyError
        END IF;
    END IF;
    -- Never before the stream's previous event in the log, so a stream stays in version
    -- order even when this transaction got its id before that event's did.
    r_log_tx := greatest(own_tx + (SELECT xid_offset FROM eventstore_log_offset), head_log_tx);
    r_occurred_at := statement_timestamp();
    stamp := to_char(r_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    r_prev_hash := head_hash;
    prev := head_hash;
    FOR i IN 1..n LOOP
        r_positions[i] := nextval('%(sequence)s');
        prev := encode(sha256(convert_to(
            prev || E'\\n' || '{"data":' || ev_data[i] || ',"event_id":"' || ev_ids[i]
            || '","event_type":"' || ev_types[i] || '","metadata":' || p_metadata
            || ',"occurred_at":"' || stamp || '","position":' || r_positions[i]
            || ',"schema_version":' || ev_schema_versions[i] || ',"stream_id":"' || p_stream_id
            || '","stream_type":"' || p_stream_type || '","version":' || (p_expected_version + i)
            || '}', 'UTF8')), 'hex');
        r_hashes[i] := prev;
    END LOOP;
    IF existing THEN
        UPDATE eventstore_stream
           SET version = p_expected_version + n, hash = prev, log_tx = r_log_tx
         WHERE stream_id = p_stream_id;
    ELSE
        INSERT INTO eventstore_stream (stream_id, stream_type, version, hash, log_tx)
        VALUES (p_stream_id, p_stream_type, n, prev, r_log_tx)
        ON CONFLICT (stream_id) DO NOTHING;
        IF NOT FOUND THEN  -- the stream exists: another writer created it first
            SELECT s.version INTO r_version FROM eventstore_stream AS s
             WHERE s.stream_id = p_stream_id;
            r_log_tx := NULL;
            r_positions := NULL;
            r_prev_hash := NULL;
            r_hashes := NULL;
            RETURN;
        END IF;
    END IF;
    INSERT INTO eventstore_event (position, log_tx, tx_id, event_id, stream_type, stream_id,
                                  version, event_type, schema_version, occurred_at, data,
                                  metadata, prev_hash, hash)
    SELECT r_positions[i], r_log_tx, own_tx, ev_ids[i], p_stream_type, p_stream_id,
           p_expected_version + i, ev_types[i], ev_schema_versions[i], r_occurred_at,
           ev_data[i]::jsonb, p_metadata::jsonb,
           CASE WHEN i = 1 THEN head_hash ELSE r_hashes[i - 1] END, r_hashes[i]
      FROM generate_subscripts(ev_ids, 1) AS i;
    r_version := p_expected_version + n;
END
$fn$;
"""

SQLITE_TRIGGERS = [
    *(
        f"""CREATE TRIGGER eventstore_event_no_{op.lower()} BEFORE {op} ON eventstore_event
        BEGIN SELECT RAISE(ABORT, 'eventstore_event is append-only: {op} is not allowed'); END;"""
        for op in ("UPDATE", "DELETE")
    ),
    """CREATE TRIGGER eventstore_stream_no_delete BEFORE DELETE ON eventstore_stream
    BEGIN SELECT RAISE(ABORT, 'eventstore_stream is append-only: DELETE is not allowed'); END;""",
    """CREATE TRIGGER eventstore_stream_forward BEFORE UPDATE ON eventstore_stream
    WHEN NEW.version <= OLD.version OR NEW.stream_id <> OLD.stream_id
         OR NEW.stream_type <> OLD.stream_type
    BEGIN SELECT RAISE(ABORT, 'eventstore_stream heads only move forward'); END;""",
]


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER eventstore_event_no_update_delete ON eventstore_event")
        schema_editor.execute("DROP TRIGGER eventstore_event_no_truncate ON eventstore_event")
    else:
        schema_editor.execute("DROP TRIGGER eventstore_event_no_update")
        schema_editor.execute("DROP TRIGGER eventstore_event_no_delete")


def continue_positions(apps, schema_editor):
    """The new identity sequence starts after the positions already taken."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('eventstore_event', 'position'), "
            "coalesce(max(position), 0) + 1, false) FROM eventstore_event"
        )


def verify_the_old_chain(apps, schema_editor):
    """Re-chaining makes the new hashes vouch for the rows as they are now: first make sure
    the old chain holds, so that no earlier tampering is blessed by the upgrade."""
    Event = apps.get_model("eventstore", "Event")
    ChainHead = apps.get_model("eventstore", "ChainHead")
    prev, last = GENESIS, 0
    for row in Event.objects.order_by("position").iterator(chunk_size=1000):
        content = {
            "event_id": str(row.event_id),
            "stream_type": row.stream_type,
            "stream_id": str(row.stream_id),
            "version": row.version,
            "position": row.position,
            "event_type": row.event_type,
            "schema_version": row.schema_version,
            "occurred_at": row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "data": row.data,
            "metadata": row.metadata,
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        expected = hashlib.sha256(prev.encode() + b"\n" + text.encode()).hexdigest()
        if row.position != last + 1 or row.prev_hash != prev or row.hash != expected:
            raise RuntimeError(
                f"the event store's hash chain is broken at position {row.position} (event "
                f"{row.event_id}): run verify_events on the old version and settle it before "
                "upgrading; the upgrade re-chains the events and would bless the damage"
            )
        prev, last = row.hash, row.position
    head = ChainHead.objects.filter(pk=1).first()
    if last and (head is None or (head.position, head.hash) != (last, prev)):
        raise RuntimeError(
            "the event store's chain head does not match its last event (events at the end "
            "were removed?): settle it before upgrading"
        )


def chain_per_stream(apps, schema_editor):
    from eventstore.hashing import NotCanonical, chain_hash, event_content

    Event = apps.get_model("eventstore", "Event")
    Stream = apps.get_model("eventstore", "Stream")
    heads = {}
    for row in Event.objects.order_by("position").iterator(chunk_size=1000):
        prev = heads[row.stream_id].hash if row.stream_id in heads else GENESIS
        row.prev_hash = prev
        try:
            row.hash = chain_hash(prev, event_content(row))
        except NotCanonical as exc:
            raise RuntimeError(
                f"event {row.event_id} (position {row.position}) holds data that cannot be "
                f"hashed canonically ({exc}); it was appended before such data was refused"
            ) from None
        row.save(update_fields=["prev_hash", "hash"])
        heads[row.stream_id] = Stream(
            stream_id=row.stream_id,
            stream_type=row.stream_type,
            version=row.version,
            hash=row.hash,
            log_tx=0,
        )
    Stream.objects.bulk_create(heads.values(), batch_size=1000)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('eventstore_event', 'position')")
            (sequence,) = cursor.fetchone()
        for sql in (REFUSE_CHANGE, STREAM_HEAD_GUARD, POSTGRES_TRIGGERS, LOG_OFFSET, WATERMARK):
            schema_editor.execute(sql, params=None)  # the SQL has literal % signs
        schema_editor.execute(APPEND % {"sequence": sequence}, params=None)
    else:
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("eventstore", "0004_messaging_models_moved"),
        # The relay checkpoint is taken from the outbox before the outbox goes.
        ("messaging", "0002_relay_checkpoint"),
    ]

    operations = [
        migrations.RunPython(verify_the_old_chain),
        migrations.RunPython(drop_triggers),
        migrations.DeleteModel(name="OutboxEntry"),
        migrations.RemoveIndex(model_name="event", name="eventstore_event_type"),
        migrations.AlterField(
            model_name="event",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(
                help_text="the hash of the stream's previous event", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="log_tx",
            field=models.BigIntegerField(
                default=0,
                help_text="the event's slot in the log order: its transaction's id, or the slot "
                "of its stream's previous event if that is later (0 on SQLite)",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="tx_id",
            field=models.BigIntegerField(
                default=0, help_text="the appending transaction's id (0 on SQLite)"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="event",
            name="position",
            field=models.BigAutoField(primary_key=True, serialize=False),
        ),
        migrations.RunPython(continue_positions),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["log_tx", "position"], name="eventstore_event_log"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["event_type", "log_tx", "position"], name="eventstore_event_type"
            ),
        ),
        migrations.AlterModelOptions(
            name="event",
            options={"ordering": ["log_tx", "position"]},
        ),
        migrations.CreateModel(
            name="Stream",
            fields=[
                ("stream_id", models.UUIDField(primary_key=True, serialize=False)),
                ("stream_type", models.CharField(max_length=100)),
                ("version", models.PositiveIntegerField()),
                ("hash", models.CharField(max_length=64)),
                (
                    "log_tx",
                    models.BigIntegerField(help_text="the log_tx of the stream's last event"),
                ),
            ],
            options={"db_table": "eventstore_stream"},
        ),
        migrations.RunPython(chain_per_stream),
        migrations.DeleteModel(name="ChainHead"),
        migrations.RunPython(install),
    ]
