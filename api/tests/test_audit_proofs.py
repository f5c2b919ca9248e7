"""Proofs over the API: a document's audit bundle with inclusion proofs, the latest signed
checkpoint and consistency proofs, all checked by the offline verifier."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventstore import merkle
from eventstore.sealing import seal as run_seal
from eventstore.signing import trusted_verifiers
from eventstore.verify_bundle import verify

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seal(django_capture_on_commit_callbacks):
    def sealing():
        with django_capture_on_commit_callbacks(execute=True):
            return run_seal()

    return sealing


@pytest.fixture
def workflow(embedded, users, seal):
    customer = embedded(users.customer)
    document = customer.upload().json()["id"]
    request = customer.submit(document).json()["id"]
    first = seal()
    return customer, document, request, first


def test_a_documents_proof_verifies_offline_and_only_its_owner_and_staff_get_it(
    workflow, embedded, users
):
    customer, document, _, _ = workflow

    response = customer.get(f"/api/documents/{document}/proof/")

    assert response.status_code == 200
    bundle = response.json()
    types = [e["event_type"] for e in bundle["events"]]
    assert "documents.DocumentUploaded" in types and "translations.TranslationRequested" in types
    result = verify(bundle)
    assert result.verified, result.failures
    assert result.sealed == len(bundle["events"]) == result.events
    assert embedded(users.staff).get(f"/api/documents/{document}/proof/").status_code == 200
    for outsider in (users.other_customer, users.translator):
        assert embedded(outsider).get(f"/api/documents/{document}/proof/").status_code == 404


def test_events_after_the_checkpoint_are_chained_but_not_yet_proven(workflow, seal):
    customer, document, request, _ = workflow
    assert customer.act(request, "cancel").status_code == 200

    bundle = customer.get(f"/api/documents/{document}/proof/").json()
    result = verify(bundle)

    assert result.ok, result.failures  # nothing failed...
    assert not result.verified and result.unproven == 2  # ...but the cancel is not proven yet
    seal()
    again = verify(customer.get(f"/api/documents/{document}/proof/").json())
    assert again.verified and again.sealed == result.events


def test_events_a_bundle_claims_are_not_sealed_are_never_verified(workflow):
    """A forger who rewrites an event and its chain can present it as "not sealed yet": the
    history is then not verified, and a sealed event after an unsealed one fails."""
    customer, document, _, _ = workflow
    bundle = customer.get(f"/api/documents/{document}/proof/").json()
    forged = json.loads(json.dumps(bundle))
    first = forged["events"][0]
    first["leaf_index"] = first["inclusion_proof"] = None

    result = verify(forged)

    assert not result.verified
    assert any("version 2 is sealed but version 1 before it is not" in f for f in result.failures)


def test_checkpoints_and_consistency_proofs(workflow, seal):
    customer, document, request, first = workflow
    assert customer.act(request, "cancel").status_code == 200
    second = seal()

    latest = customer.get("/api/checkpoints/latest/").json()
    proof = customer.get(
        "/api/checkpoints/consistency/", {"from": first.tree_size, "to": second.tree_size}
    ).json()

    assert latest["tree_size"] == second.tree_size and latest["note"] == second.note
    assert base64.b64decode(latest["root_hash"]) == bytes.fromhex(second.root_hash)
    merkle.verify_consistency(
        first.tree_size, second.tree_size, bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash), [base64.b64decode(h) for h in proof["proof"]],
    )  # fmt: skip
    assert proof["from"] == first.tree_size and proof["to"] == second.tree_size
    # A saved older checkpoint: the bundle exported "since" it proves the log only grew.
    bundle = customer.get(f"/api/documents/{document}/proof/", {"since": first.tree_size}).json()
    result = verify(bundle, keys=trusted_verifiers(), since=first.note)
    assert result.verified, result.failures
    assert f"the checkpoint extends your saved checkpoint of {first.tree_size} events" in (
        result.checks[-1].what
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "abc"}, "from", "A valid integer is required."),
        ({"to": 1}, "from", "This field is required."),
        ({"from": 2, "to": 1}, "from", "need 0 < from <= to <= "),
        ({"from": 1, "to": 10**6}, "from", "need 0 < from <= to <= "),
    ],
)
def test_bad_consistency_queries_are_400s_naming_the_field(workflow, query, field, message):
    customer, _, _, _ = workflow

    response = customer.get("/api/checkpoints/consistency/", query)

    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)


def test_before_the_first_seal_proofs_say_to_come_back(embedded, users):
    customer = embedded(users.customer)
    document = customer.upload().json()["id"]

    for url in (f"/api/documents/{document}/proof/", "/api/checkpoints/latest/"):
        response = customer.get(url)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "no checkpoint has been sealed yet" in response.json()["detail"]
    since = customer.get(f"/api/documents/{document}/proof/", {"since": 0})
    assert since.status_code == 400 and "since" in since.json()


def tampered(bundle: dict, how: str) -> dict:
    bundle = json.loads(json.dumps(bundle))
    events = bundle["events"]
    if how == "edited-content":
        events[0]["content"] = events[0]["content"].replace('"revision":1', '"revision":7')
    elif how == "removed-event":
        del events[0]
    elif how == "rehashed-content":
        # The forger recomputes the edited event's hash: its chain and its leaf no longer hold.
        import hashlib

        event = events[0]
        event["content"] = event["content"].replace('"revision":1', '"revision":7')
        event["hash"] = hashlib.sha256(
            event["prev_hash"].encode() + b"\n" + event["content"].encode()
        ).hexdigest()
    return bundle


@pytest.mark.parametrize(
    ("how", "failure"),
    [
        ("edited-content", "its content does not match its hash (it was changed)"),
        ("removed-event", "version 1 is missing (the next is 2)"),
        ("rehashed-content", "not linked to version 1's hash"),
    ],
)
def test_the_offline_verifier_names_what_was_changed(workflow, how, failure):
    customer, document, _, _ = workflow
    bundle = customer.get(f"/api/documents/{document}/proof/").json()

    result = verify(tampered(bundle, how))

    assert not result.ok
    assert any(failure in f for f in result.failures), result.failures
    if how == "rehashed-content":
        assert any("not in the checkpoint's tree" in f for f in result.failures)


def test_the_offline_verifier_runs_without_django_and_checks_the_key_it_is_given(
    workflow, tmp_path, settings, seal
):
    from eventstore.notes import Signer
    from eventstore.signing import signer

    customer, document, request, first = workflow
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(customer.get(f"/api/documents/{document}/proof/").content.decode())
    key_file = tmp_path / "log.pub"
    key_file.write_text(signer().verifier.vkey + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "eventstore.verify_bundle", *args], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    ok = run(str(bundle_file), "--key", str(key_file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[-1].startswith("VERIFIED: ")
    stranger = Signer.generate(settings.EVENTSTORE_LOG_ORIGIN).verifier.vkey
    forged = run(str(bundle_file), "--key", stranger)
    assert forged.returncode == 1
    assert "FAIL checkpoint: not signed by a trusted key" in forged.stdout
    # A checkpoint kept earlier: the newer bundle proves the log only grew since.
    (tmp_path / "old.checkpoint").write_text(first.note)
    assert customer.act(request, "cancel").status_code == 200
    assert (
        run(
            str(bundle_file_after_cancel(customer, document, tmp_path, since=None)),
            "--key",
            str(key_file),
        ).returncode
        == 3
    )
    seal()
    newer = bundle_file_after_cancel(customer, document, tmp_path, since=first.tree_size)
    since = run(str(newer), "--key", str(key_file), "--since", str(tmp_path / "old.checkpoint"))
    assert since.returncode == 0, since.stdout
    assert f"ok   the checkpoint extends your saved checkpoint of {first.tree_size} events" in (
        since.stdout
    )
    no_key = run(str(newer), "--since", str(tmp_path / "old.checkpoint"))
    assert no_key.returncode == 2 and "--since needs --key" in no_key.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{}")
    assert run(str(garbage)).returncode == 2
    no_django = subprocess.run(
        [sys.executable, "-c",
         "import sys, eventstore.verify_bundle as v; code = v.main(sys.argv[1:]); "
         "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django loaded'; "
         "sys.exit(code)", str(bundle_file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert no_django.returncode == 0, no_django.stderr


def bundle_file_after_cancel(customer, document, tmp_path, *, since):
    query = {"since": since} if since else {}
    path = tmp_path / f"bundle-{since}.json"
    path.write_text(customer.get(f"/api/documents/{document}/proof/", query).content.decode())
    return path


def test_export_audit_writes_the_bundle_and_proves_growth_since_a_kept_checkpoint(
    workflow, seal, tmp_path
):
    from django.core.management import CommandError, call_command

    customer, document, request, first = workflow
    kept = tmp_path / "kept.checkpoint"
    kept.write_text(first.note)
    assert customer.act(request, "cancel").status_code == 200
    seal()
    output = tmp_path / "audit.json"

    call_command("export_audit", document=document, since=str(kept), output=output)

    bundle = json.loads(output.read_text())
    assert bundle["consistency"][0]["from_size"] == first.tree_size
    result = verify(bundle, keys=trusted_verifiers(), since=first.note)
    assert result.verified, result.failures
    with pytest.raises(CommandError, match="no document"):
        call_command("export_audit", document="00000000-0000-0000-0000-000000000000")


def test_the_verifier_download_is_one_file_that_verifies_a_bundle(workflow, client, tmp_path):
    customer, document, _, _ = workflow
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(customer.get(f"/api/documents/{document}/proof/").content.decode())
    pyz = tmp_path / "verify_bundle.pyz"
    response = client.get("/audit/verify_bundle.pyz")
    assert response["Content-Disposition"] == 'attachment; filename="verify_bundle.pyz"'
    pyz.write_bytes(response.content)

    # Run from elsewhere, with nothing of the project on the path.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-I", str(pyz), str(bundle_file)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "VERIFIED: " in result.stdout
