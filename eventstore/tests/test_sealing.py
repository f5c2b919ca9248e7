"""The sealer: events become leaves in log order, checkpoints are signed, witnessed in a
file, and proofs from the stored tree verify against them."""

from __future__ import annotations

import json
import stat
import uuid

import pytest
from django.core.management import call_command

from eventstore import merkle, signing, tree
from eventstore.models import Checkpoint, Event, TreeNode
from eventstore.notes import Signer, open_checkpoint
from eventstore.sealing import seal_lag, witnessed
from eventstore.verification import verify_audit
from testkit.helpers import append_things

pytestmark = pytest.mark.django_db


@pytest.fixture
def seal(django_capture_on_commit_callbacks):
    """The sealer, with what it does after commit (the witness file) run as if committed."""
    from eventstore.sealing import seal as run

    def sealing(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return run(**kwargs)

    return sealing


def leaves_in_log_order() -> list[tuple[int, bytes]]:
    return [
        (e.position, merkle.leaf_hash(bytes.fromhex(e.hash)))
        for e in Event.objects.settled().in_log_order()
    ]


def test_sealing_signs_the_tree_of_the_log_and_proofs_verify(seal, thing_type, actor, witness_file):
    a, b = uuid.uuid4(), uuid.uuid4()
    append_things(a, 1, 2)
    append_things(b, 3)
    assert seal_lag().unsealed == 3

    first = seal()

    assert first is not None and first.tree_size == 3
    leaves = leaves_in_log_order()
    head, verifier = open_checkpoint(first.note, signing.trusted_verifiers())
    assert head.root == merkle.root_of([leaf for _, leaf in leaves]) == tree.root(3)
    assert verifier.key_id.hex() == first.key_id
    assert seal() is None  # nothing new: no checkpoint
    assert seal_lag().unsealed == 0

    append_things(a, 4, 5, expected_version=2)
    second = seal()

    assert second.tree_size == 5
    leaves = leaves_in_log_order()
    second_root = bytes.fromhex(second.root_hash)
    for index, (position, leaf) in enumerate(leaves):
        assert tree.leaf_indexes([position]) == {position: index}
        merkle.verify_inclusion(index, 5, leaf, tree.inclusion_proof(index, 5), second_root)
    merkle.verify_consistency(
        3, 5, bytes.fromhex(first.root_hash), second_root, tree.consistency_proof(3, 5)
    )
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [3, 5]
    assert [note for _, note in witnessed(witness_file)] == [first.note, second.note]
    report = verify_audit(witnesses=[("file", n) for _, n in witnessed(witness_file)])
    assert report.ok, report.tree.problems
    assert (report.tree.leaves, report.tree.checkpoints, report.tree.witnessed) == (5, 2, 2)


def test_a_backlog_is_sealed_in_bounded_checkpoints(seal, thing_type, actor):
    for n in range(7):
        append_things(uuid.uuid4(), n)

    last = seal(batch=3)

    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [3, 6, 7]
    assert last.tree_size == 7
    # Every perfect subtree of 7 leaves is stored once: 7 leaves, 3 pairs, 1 quad.
    assert TreeNode.objects.count() == 11
    assert verify_audit().ok


def test_the_key_file_is_made_once_readable_by_its_owner_only(settings, tmp_path):
    settings.EVENTSTORE_SIGNING_KEY_FILE = tmp_path / "keys" / "audit.key"
    signing.signer.cache_clear()
    try:
        made = signing.signer()
        path = settings.EVENTSTORE_SIGNING_KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        signing.signer.cache_clear()
        assert signing.signer().verifier == made.verifier
        assert made.name == settings.EVENTSTORE_LOG_ORIGIN
    finally:
        signing.signer.cache_clear()


def test_after_a_key_rotation_older_checkpoints_still_verify(seal, settings, thing_type, actor):
    append_things(uuid.uuid4(), 1)
    seal()
    old = signing.signer()
    new = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN)
    settings.EVENTSTORE_SIGNING_KEY = new.skey
    settings.EVENTSTORE_TRUSTED_KEYS = [old.verifier.vkey]
    signing.signer.cache_clear()
    try:
        append_things(uuid.uuid4(), 2)
        rotated = seal()
        assert rotated.key_id == new.verifier.key_id.hex() != old.verifier.key_id.hex()
        assert verify_audit().ok
        settings.EVENTSTORE_TRUSTED_KEYS = []  # the old key forgotten: its checkpoint fails
        problems = verify_audit().tree.problems
        assert problems == [
            f"checkpoint 1: not signed by a trusted key: signed by {old.name}+"
            f"{old.verifier.key_id.hex()}; trusted: {new.name}+{new.verifier.key_id.hex()}"
        ]
    finally:
        signing.signer.cache_clear()


def test_seal_events_and_signing_key_commands(thing_type, actor, capsys):
    append_things(uuid.uuid4(), 1, 2)

    call_command("seal_events")
    out = capsys.readouterr().out
    call_command("seal_events")
    again = capsys.readouterr().out
    call_command("signing_key")
    keys = capsys.readouterr().out

    assert out.startswith("sealed: 2 event(s)\n")
    assert "\n2\n" in out and "\n\u2014 " in out
    assert again == "nothing to seal: the tree holds 2 event(s)\n"
    assert keys.strip() == signing.signer().verifier.vkey


def test_the_witness_file_catches_up_after_a_missed_write(seal, thing_type, actor, witness_file):
    append_things(uuid.uuid4(), 1)
    seal()
    witness_file.unlink()  # e.g. the disk was full when the first checkpoint was sealed
    append_things(uuid.uuid4(), 2)
    seal()

    sizes = [json.loads(line)["tree_size"] for line in witness_file.read_text().splitlines()]
    assert sizes == [1, 2]


def test_a_witness_record_cut_off_by_a_crash_is_written_again(
    seal, thing_type, actor, witness_file
):
    append_things(uuid.uuid4(), 1)
    first = seal()
    with open(witness_file, "a") as file:
        file.write('{"tree_size": 2, "note": "half a rec')  # the crash
    assert [n for _, n in witnessed(witness_file)] == [first.note]  # not a record

    append_things(uuid.uuid4(), 2)
    second = seal()

    assert [n for _, n in witnessed(witness_file)] == [first.note, second.note]


def test_an_unreadable_witness_file_is_an_error_that_names_it(tmp_path):
    from django.core.management import CommandError

    binary = tmp_path / "witness.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage\n")
    with pytest.raises(CommandError, match="not a witness file"):
        call_command("verify_events", witness=[binary])
    other = tmp_path / "other.jsonl"
    other.write_text('{"tree_size": 1, "note": 5}\n')
    with pytest.raises(CommandError, match=r"other\.jsonl:1: not a witness record"):
        call_command("verify_events", witness=[other])
