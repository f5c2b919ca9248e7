"""Attacks on the audit trail by somebody who can write the database as a superuser, but
has not got the log's signing key: each one is found by ``verify_events``, which names it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from eventstore import merkle, tree
from eventstore.hashing import chain_hash, event_content
from eventstore.models import Checkpoint, Event, TreeNode
from eventstore.notes import Checkpoint as SignedTreeHead
from eventstore.notes import Signer
from eventstore.sealing import SealRefused, seal, witnessed
from eventstore.verification import verify_audit
from testkit.helpers import append_things

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("committed_db", "thing_type")]


def as_superuser(sql: str, params: list | None = None) -> None:
    """Ordinary triggers off, as only a superuser (or the table's owner) can."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params or [])
        finally:
            cursor.execute("RESET session_replication_role")


@pytest.fixture
def history(actor):
    """Two sealed and witnessed checkpoints over two streams, then one more unsealed event."""
    a, b = uuid.uuid4(), uuid.uuid4()
    append_things(a, 1, 2)
    append_things(b, 3)
    seal()
    append_things(a, 4, expected_version=2)
    append_things(b, 5, expected_version=1)
    seal()
    append_things(b, 6, expected_version=2)
    return {"a": a, "b": b, "events": list(Event.objects.in_log_order())}


def problems_without_witness() -> list[str]:
    report = verify_audit()
    return ([] if report.chain.ok else [str(report.chain.broken)]) + report.tree.problems


def problems(witness_file) -> list[str]:
    notes = [(f"{witness_file}:{line}", note) for line, note in witnessed(witness_file)]
    report = verify_audit(witnesses=notes)
    chain = [] if report.chain.ok else [str(report.chain.broken)]
    return chain + report.tree.problems


def rewrite(event: Event, **changes) -> None:
    """Change an event and recompute its hash and its successors' in its stream, and the
    stream's head, as a careful forger would."""
    for name, value in changes.items():
        setattr(event, name, value)
    rows = list(Event.objects.filter(stream_id=event.stream_id).order_by("version"))
    prev = "0" * 64
    for row in rows:
        if row.position == event.position:
            row = event
        row.prev_hash = prev
        row.hash = prev = chain_hash(prev, event_content(row))
        as_superuser(
            "UPDATE eventstore_event SET data = %s::jsonb, metadata = %s::jsonb, prev_hash = %s, "
            "hash = %s WHERE position = %s",
            [_json(row.data), _json(row.metadata), row.prev_hash, row.hash, row.position],
        )
    as_superuser(
        "UPDATE eventstore_stream SET hash = %s WHERE stream_id = %s", [prev, event.stream_id]
    )


def _json(value) -> str:
    return json.dumps(value)


def test_an_untouched_history_verifies(history, witness_file):
    assert problems(witness_file) == []
    call_command("verify_events", witness=[witness_file])


def test_an_edited_payload(history, witness_file):
    first = history["events"][0]
    as_superuser(
        "UPDATE eventstore_event SET data = '{\"n\": 100}' WHERE position = %s", [first.position]
    )

    assert problems(witness_file)[0].endswith(
        "content does not match its hash (the row was changed after it was appended)"
    )


def test_an_edited_actor(history, witness_file):
    first = history["events"][0]
    as_superuser(
        "UPDATE eventstore_event SET metadata = jsonb_set(metadata, '{actor}', '\"user:1\"') "
        "WHERE position = %s", [first.position],
    )  # fmt: skip

    found = problems(witness_file)
    assert f"(event {first.event_id}): content does not match its hash" in found[0]


def test_a_deleted_event(history, witness_file):
    second = history["events"][1]
    as_superuser("DELETE FROM eventstore_event WHERE position = %s", [second.position])

    found = problems(witness_file)
    assert "missing: the next stored event of the stream is version 3" in found[0]
    assert f"leaf 1 is event #{second.position}, but the log's event there is" in found[1]


def test_a_whole_stream_deleted(history, witness_file):
    b = history["b"]
    as_superuser("DELETE FROM eventstore_event WHERE stream_id = %s", [b])
    as_superuser("DELETE FROM eventstore_stream WHERE stream_id = %s", [b])

    found = problems(witness_file)
    assert len(found) == 1  # the chains of what is left hold: the tree finds the gap
    assert "events were removed, inserted or reordered" in found[0]


def test_events_reordered_in_the_log(history, witness_file):
    # Swap the log slots of the second and third events: each row is intact on its own.
    first, second = history["events"][1], history["events"][2]
    assert first.log_tx != second.log_tx  # appended by two transactions
    as_superuser(
        "UPDATE eventstore_event SET log_tx = CASE position WHEN %s THEN %s ELSE %s END, "
        "position = position WHERE position IN (%s, %s)",
        [first.position, second.log_tx, first.log_tx, first.position, second.position],
    )

    found = problems(witness_file)
    assert found == [
        f"leaf 1 is event #{first.position}, but the log's event there is #{second.position}: "
        "events were removed, inserted or reordered"
    ]


def test_a_rewritten_tail_with_a_rebuilt_tree_signed_with_another_key(
    history, witness_file, settings
):
    """Rewrite an event, recompute every hash, rebuild the tree and sign new checkpoints:
    without the log's key the signature gives it away."""
    target = Event.objects.get(stream_id=history["a"], version=2)
    rewrite(target, data={"n": 200})
    as_superuser("DELETE FROM eventstore_tree_node")
    as_superuser("DELETE FROM eventstore_checkpoint")
    forger = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN)
    _reseal_with(forger)

    found = problems(witness_file)
    assert (
        f"not signed by a trusted key: signed by {forger.name}+{forger.verifier.key_id.hex()}"
        in found[0]
    )


def test_the_sealer_refuses_to_reseal_a_history_its_witness_file_remembers(history, witness_file):
    target = Event.objects.get(stream_id=history["a"], version=2)
    rewrite(target, data={"n": 200})
    as_superuser("DELETE FROM eventstore_tree_node")
    as_superuser("DELETE FROM eventstore_checkpoint")

    with pytest.raises(
        SealRefused, match="holds a checkpoint of 5 events but the database's latest covers 0"
    ):
        seal()
    assert not Checkpoint.objects.exists()


def test_the_sealer_refuses_a_tree_without_checkpoints_and_a_moved_resume_point(history):
    latest = Checkpoint.objects.order_by("-tree_size").first()
    earlier = history["events"][1]
    as_superuser(
        "UPDATE eventstore_checkpoint SET log_tx = %s, position = %s WHERE tree_size = %s",
        [earlier.log_tx, earlier.position, latest.tree_size],
    )
    with pytest.raises(SealRefused, match=f"names event #{earlier.position} as its last, but"):
        seal()
    assert any(
        f"checkpoint {latest.tree_size} names the event at log key" in p
        for p in problems_without_witness()
    )

    as_superuser("DELETE FROM eventstore_checkpoint")
    Path(settings.EVENTSTORE_WITNESS_FILE).unlink()
    with pytest.raises(SealRefused, match="the tree has nodes but there is no checkpoint"):
        seal()


def test_a_rewritten_tail_resealed_by_the_app_is_caught_by_the_witness(
    history, witness_file, tmp_path, settings
):
    """Rewrite, recompute, drop the tree and checkpoints and let the app's own sealer sign
    the forged history (on a host without the witness file: the witness is kept elsewhere):
    every signature holds, but the witnessed checkpoints do not."""
    kept = tmp_path / "kept-by-the-auditor.jsonl"
    witness_file.rename(kept)
    target = Event.objects.get(stream_id=history["a"], version=2)
    rewrite(target, data={"n": 200})
    as_superuser("DELETE FROM eventstore_tree_node")
    as_superuser("DELETE FROM eventstore_checkpoint")
    seal()  # the forged history, sealed and signed with the real key
    witness_file = kept

    found = problems(witness_file)
    assert found
    assert all("its root hash is not the root of the first" in p for p in found), found
    assert found[0].startswith("witness ")
    with pytest.raises(CommandError, match="history was rewritten after it was signed"):
        call_command("verify_events", witness=[witness_file])


def test_a_checkpoint_forged_with_another_key(history, witness_file, settings):
    latest = Checkpoint.objects.order_by("-tree_size").first()
    forger = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN)
    head = SignedTreeHead(
        settings.EVENTSTORE_LOG_ORIGIN, latest.tree_size, bytes(32), latest.sealed_at
    )
    as_superuser(
        "UPDATE eventstore_checkpoint SET note = %s WHERE tree_size = %s",
        [forger.sign(head.text()), latest.tree_size],
    )

    found = problems(witness_file)
    assert found[0].startswith(f"checkpoint {latest.tree_size}: not signed by a trusted key")


def test_the_log_truncated_after_a_checkpoint(history, witness_file):
    """Stream b loses its last two events (one sealed) and its head is set back: its chain
    holds, the tree does not."""
    b3, b5 = history["events"][2], history["events"][4]
    as_superuser(
        "DELETE FROM eventstore_event WHERE stream_id = %s AND version > 1", [history["b"]]
    )
    as_superuser(
        "UPDATE eventstore_stream SET version = 1, hash = %s WHERE stream_id = %s",
        [b3.hash, history["b"]],
    )

    assert problems(witness_file) == [
        f"leaf 4 is event #{b5.position}, but the log ends before it: sealed events were "
        "removed (the log was truncated)"
    ]


def test_the_log_and_its_checkpoints_truncated_are_caught_by_the_witness(history, witness_file):
    """Remove the last sealed events with their tree nodes and checkpoint: the database is
    consistent with itself again, but the witness saw the larger tree."""
    latest = Checkpoint.objects.order_by("-tree_size").first()
    first = Checkpoint.objects.order_by("tree_size").first()
    doomed = [e.position for e in history["events"][first.tree_size :]]
    as_superuser("DELETE FROM eventstore_event WHERE position = ANY(%s)", [doomed])
    as_superuser("DELETE FROM eventstore_checkpoint WHERE tree_size > %s", [first.tree_size])
    as_superuser(
        "DELETE FROM eventstore_tree_node WHERE (index + 1) * (1::bigint << level) > %s",
        [first.tree_size],
    )
    for stream in (history["a"], history["b"]):
        last = Event.objects.filter(stream_id=stream).order_by("-version").first()
        as_superuser(
            "UPDATE eventstore_stream SET version = %s, hash = %s WHERE stream_id = %s",
            [last.version, last.hash, stream],
        )

    assert verify_audit().ok  # without the witness nothing shows
    found = problems(witness_file)
    assert found == [
        f"witness {witness_file}:2: a checkpoint of {latest.tree_size} events was witnessed, "
        f"but the database's tree holds {first.tree_size}: sealed events or checkpoints were "
        "removed"
    ]


def _reseal_with(forger: Signer) -> None:
    """The forger's own sealer: the tree over the events as they now are, signed by them."""
    events = list(Event.objects.in_log_order())
    leaves = [(e.position, merkle.leaf_hash(bytes.fromhex(e.hash))) for e in events]
    nodes, root = tree.extend(0, leaves)
    TreeNode.objects.bulk_create(nodes)
    head = SignedTreeHead(forger.name, len(events), root, timezone.now())
    Checkpoint.objects.create(
        tree_size=len(events), root_hash=root.hex(), sealed_at=head.time,
        key_id=forger.verifier.key_id.hex(), note=forger.sign(head.text()),
        log_tx=events[-1].log_tx, position=events[-1].position,
    )  # fmt: skip


# --- The same attacks, seen by the offline verifier in a bundle exported afterwards ------


def offline(history, since: str | None = None) -> list[str]:
    """The offline verifier's failures for a bundle of both streams exported now (proving
    growth since the kept checkpoint ``since``, if given)."""
    from eventstore.bundles import audit_bundle
    from eventstore.notes import open_checkpoint
    from eventstore.signing import trusted_verifiers
    from eventstore.verify_bundle import verify

    keys = trusted_verifiers()
    size = open_checkpoint(since, keys)[0].size if since else None
    bundle = audit_bundle([history["a"], history["b"]], since=size)
    return verify(bundle, keys=keys, since=since).failures


def test_offline_an_edited_payload(history):
    first = history["events"][0]
    as_superuser(
        "UPDATE eventstore_event SET data = '{\"n\": 100}' WHERE position = %s", [first.position]
    )

    assert any("its content does not match its hash" in f for f in offline(history))


def test_offline_a_deleted_event(history):
    second = history["events"][1]
    as_superuser("DELETE FROM eventstore_event WHERE position = %s", [second.position])

    assert any("version 2 is missing (the next is 3)" in f for f in offline(history))


def test_offline_a_sealed_event_unlinked_from_its_leaf_is_not_shown_as_unsealed(history):
    """Rewrite a sealed event and its chain, and unlink its leaf (the leaf's event column is
    not hashed): the bundle must not present it as merely not sealed yet."""
    from eventstore.bundles import TreeDamaged, audit_bundle

    target = Event.objects.get(stream_id=history["a"], version=2)
    rewrite(target, data={"n": 200})
    as_superuser(
        "UPDATE eventstore_tree_node SET position = NULL WHERE position = %s", [target.position]
    )

    with pytest.raises(TreeDamaged, match=f"event #{target.position} comes before the latest"):
        audit_bundle([history["a"], history["b"]])
    assert problems_without_witness()


def test_offline_a_forged_checkpoint(history, settings):
    latest = Checkpoint.objects.order_by("-tree_size").first()
    forger = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN)
    head = SignedTreeHead(
        settings.EVENTSTORE_LOG_ORIGIN, latest.tree_size, bytes(32), latest.sealed_at
    )
    as_superuser(
        "UPDATE eventstore_checkpoint SET note = %s WHERE tree_size = %s",
        [forger.sign(head.text()), latest.tree_size],
    )

    assert offline(history)[0].startswith("checkpoint: not signed by a trusted key")


def test_offline_a_rewritten_and_resealed_history_fails_against_a_kept_checkpoint(
    history, witness_file
):
    kept = Checkpoint.objects.order_by("tree_size").last().note  # the customer saved it
    witness_file.unlink()  # the attacker's host keeps no witness
    target = Event.objects.get(stream_id=history["a"], version=2)
    rewrite(target, data={"n": 200})
    as_superuser("DELETE FROM eventstore_tree_node")
    as_superuser("DELETE FROM eventstore_checkpoint")
    seal()

    assert offline(history) == []  # on its own, a consistent forgery signed with the real key
    failures = offline(history, since=kept)
    assert len(failures) == 1
    assert "does not extend your saved one" in failures[0] or "two root hashes" in failures[0]
