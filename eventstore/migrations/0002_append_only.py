"""Make the event table append-only in the database itself, and seed the chain head.

The triggers refuse UPDATE, DELETE and TRUNCATE whoever runs them (ORM, psql, another
service), so the audit trail cannot be rewritten through any client. Only a superuser who
disables triggers can, and ``verify_events`` then finds the change through the hash chain.
"""

from django.db import migrations

from eventstore.hashing import GENESIS_HASH

POSTGRES_UP = """
CREATE FUNCTION eventstore_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Truncating an empty table removes no event (TRUNCATE holds an exclusive lock here,
    -- so rows still being inserted are committed and seen first).
    IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT FROM eventstore_event) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'eventstore_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Events are never changed or removed; append a compensating event instead.';
END;
$$;
CREATE TRIGGER eventstore_event_no_update_delete
    BEFORE UPDATE OR DELETE ON eventstore_event
    FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();
CREATE TRIGGER eventstore_event_no_truncate
    BEFORE TRUNCATE ON eventstore_event
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER eventstore_event_no_truncate ON eventstore_event;
DROP TRIGGER eventstore_event_no_update_delete ON eventstore_event;
DROP FUNCTION eventstore_refuse_change();
"""
# SQLite has no TRUNCATE: an unqualified DELETE runs the row triggers.
SQLITE_UP = [
    f"""CREATE TRIGGER eventstore_event_no_{op.lower()} BEFORE {op} ON eventstore_event
    BEGIN SELECT RAISE(ABORT, 'eventstore_event is append-only: {op} is not allowed'); END;"""
    for op in ("UPDATE", "DELETE")
]
SQLITE_DOWN = [
    "DROP TRIGGER eventstore_event_no_update;",
    "DROP TRIGGER eventstore_event_no_delete;",
]


def triggers_up(apps, schema_editor):
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def triggers_down(apps, schema_editor):
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres, params=None)  # the SQL has a literal %
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"no append-only trigger for {vendor}")


def seed_head(apps, schema_editor):
    apps.get_model("eventstore", "ChainHead").objects.create(id=1, position=0, hash=GENESIS_HASH)


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_initial")]

    operations = [
        migrations.RunPython(seed_head, migrations.RunPython.noop),
        migrations.RunPython(triggers_up, triggers_down),
    ]
