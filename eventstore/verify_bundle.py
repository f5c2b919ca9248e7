"""Check an audit bundle offline: ``python -m eventstore.verify_bundle BUNDLE [--key KEY]
[--since OLD_CHECKPOINT]``.

Needs the standard library and ``cryptography`` only: no Django, no database, no network.
A bundle (``manage.py export_audit``, or the download on a document's history page) holds
the events of a document's streams as stored, the checkpoint they are proven against, an
inclusion proof per sealed event and the log's public keys. Checked, each saying exactly
what fails:

- the checkpoint's signature, under a key you trust (``--key``: a verifier key or a file of
  them, one a line; without it the bundle's own keys are used, which proves the bundle is
  whole but not who made it);
- every event's hash, recomputed over its stored content and its predecessor's hash;
- every stream's chain: versions 1, 2, 3... with no gap, each linked to the one before;
- every sealed event's inclusion in the checkpoint's tree;
- with ``--since`` (and ``--key``), that the bundle's checkpoint extends an older one you
  saved (its consistency proof is in the bundle when it was exported ``--since`` that tree
  size).

Only events with an inclusion proof are proven: events newer than the checkpoint are checked
for their hashes and chains but the history is not called verified until they are sealed
too (a few seconds after they happen; export the bundle again). In each stream the sealed
events must come first.

Exit status 0 when everything is proven, 1 when something fails, 2 when the input is
unusable, 3 when all that is proven holds but newer events are not sealed yet.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventstore import merkle
from eventstore.notes import Checkpoint, NoteError, Verifier, open_checkpoint

FORMAT = "eventstore-audit-bundle/1"
GENESIS = "0" * 64


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    signed_by: str = ""
    events: int = 0
    sealed: int = 0

    @property
    def ok(self) -> bool:
        """No check failed (newer events may still be unproven: see ``verified``)."""
        return all(check.ok for check in self.checks)

    @property
    def unproven(self) -> int:
        return self.events - self.sealed

    @property
    def verified(self) -> bool:
        """Every check holds and every event is proven to be in the signed log."""
        return self.ok and self.checkpoint is not None and self.unproven == 0

    @property
    def failures(self) -> list[str]:
        return [check.what for check in self.checks if not check.ok]

    def passed(self, what: str) -> None:
        self.checks.append(Check(True, what))

    def failed(self, what: str) -> None:
        self.checks.append(Check(False, what))


class BundleError(ValueError):
    """The input is not a bundle this verifier can read."""


def verify(
    bundle: dict[str, Any], *, keys: list[Verifier] | None = None, since: str | None = None
) -> Verification:
    """Check a parsed bundle; ``keys`` are the trusted public keys (default: the bundle's),
    ``since`` an older signed checkpoint note the bundle's checkpoint must extend."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"not an audit bundle (expected format {FORMAT!r})")
    if since is not None and keys is None:
        # The bundle's own keys could include a forger's key under the log's name.
        raise BundleError("checking against a saved checkpoint needs the log's key (--key)")
    result = Verification()
    note, public_keys = bundle.get("checkpoint"), bundle.get("public_keys")
    if not isinstance(note, str) or not (
        isinstance(public_keys, list) and all(isinstance(k, str) for k in public_keys)
    ):
        raise BundleError("the bundle has no readable checkpoint or public keys")
    try:
        trusted = keys if keys is not None else [Verifier.parse(k) for k in public_keys]
        head, signer = open_checkpoint(note, trusted)
    except NoteError as exc:
        result.failed(f"checkpoint: {exc}")
        head = None
    else:
        result.checkpoint, result.signed_by = head, f"{signer.name}+{signer.key_id.hex()}"
        result.passed(
            f"checkpoint of {head.origin}: {head.size} events, sealed {_time(head)}, signed by "
            f"{result.signed_by}"
        )
    events = _events(bundle)
    result.events = len(events)
    streams = _check_hashes(result, events)
    _check_chains(result, streams)
    if head is not None:
        _check_inclusion(result, events, head)
        if since is not None:
            _check_consistency(result, bundle, head, since, trusted)
    return result


_TEXT_FIELDS = ("content", "hash", "prev_hash")


def _events(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    events = bundle.get("events")
    if not isinstance(events, list):
        raise BundleError("the bundle has no list of events")
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict) or not all(
            isinstance(event.get(name), str) for name in _TEXT_FIELDS
        ):
            raise BundleError(f"event {number} of the bundle lacks content, hash or prev_hash")
        index, proof = event.get("leaf_index"), event.get("inclusion_proof")
        if index is not None and not (
            type(index) is int
            and isinstance(proof, list)
            and all(isinstance(p, str) for p in proof)
        ):
            raise BundleError(f"event {number} of the bundle has a malformed inclusion proof")
    return events


def _check_hashes(result: Verification, events: list[dict[str, Any]]) -> dict[str, list]:
    """Every event's hash over its content; returns the events by stream."""
    streams: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    bad = 0
    for event in events:
        try:
            content = json.loads(event["content"])
            streams.setdefault(content["stream_id"], []).append((content["version"], event))
        except (ValueError, KeyError, TypeError):
            result.failed(
                f"an event's content is not the JSON of an event: {event['content'][:80]!r}"
            )
            bad += 1
            continue
        computed = hashlib.sha256(
            event["prev_hash"].encode() + b"\n" + event["content"].encode()
        ).hexdigest()
        if computed != event["hash"]:
            result.failed(f"{_label(event)}: its content does not match its hash (it was changed)")
            bad += 1
    if not bad:
        result.passed(f"{len(events)} event hashes match their content")
    return streams


def _check_chains(result: Verification, streams: dict[str, list]) -> None:
    for stream_id, versions in sorted(streams.items()):
        versions.sort(key=lambda pair: pair[0])
        prev, expected, broken, unsealed_from = GENESIS, 1, False, None
        for version, event in versions:
            if event.get("leaf_index") is None:
                unsealed_from = unsealed_from or version
            elif unsealed_from is not None:
                result.failed(
                    f"stream {stream_id}: version {version} is sealed but version "
                    f"{unsealed_from} before it is not (an earlier event was replaced)"
                )
                broken = True
                break
            if version != expected:
                result.failed(
                    f"stream {stream_id}: version {expected} is missing (the next is {version})"
                )
                broken = True
                break
            if event["prev_hash"] != prev:
                result.failed(
                    f"stream {stream_id} version {version}: not linked to version "
                    f"{version - 1}'s hash (an event was removed, replaced or reordered)"
                )
                broken = True
                break
            prev, expected = event["hash"], expected + 1
        if not broken:
            result.passed(f"stream {stream_id}: versions 1-{expected - 1} chained, none missing")


def _check_inclusion(result: Verification, events: list[dict[str, Any]], head: Checkpoint) -> None:
    failed = 0
    for event in events:
        index, proof = event.get("leaf_index"), event.get("inclusion_proof")
        if index is None:
            continue
        try:
            leaf = merkle.leaf_hash(bytes.fromhex(event["hash"]))
            path = [base64.b64decode(p, validate=True) for p in proof]
            merkle.verify_inclusion(index, head.size, leaf, path, head.root)
        except (merkle.ProofError, ValueError, TypeError) as exc:
            result.failed(f"{_label(event)} at leaf {index}: not in the checkpoint's tree: {exc}")
            failed += 1
        else:
            result.sealed += 1
    if not failed:
        result.passed(f"{result.sealed} event(s) included in the checkpoint's tree")


def _check_consistency(
    result: Verification,
    bundle: dict[str, Any],
    head: Checkpoint,
    since: str,
    trusted: list[Verifier],
) -> None:
    try:
        old, _ = open_checkpoint(since, trusted)
    except NoteError as exc:
        result.failed(f"the saved checkpoint: {exc}")
        return
    if old.origin != head.origin:
        result.failed(f"the saved checkpoint is of another log ({old.origin})")
        return
    entries = bundle.get("consistency", [])
    if not isinstance(entries, list) or not all(isinstance(p, dict) for p in entries):
        raise BundleError("the bundle's consistency proofs are not readable")
    proofs = {p.get("from_size"): p.get("proof") for p in entries}
    if old.size == head.size:
        proof: list = []
    elif old.size not in proofs:
        result.failed(
            f"the bundle has no consistency proof from {old.size} events: export it again "
            f"with --since (or ?since={old.size})"
        )
        return
    else:
        proof = proofs[old.size]
    try:
        if not isinstance(proof, list):
            raise TypeError("not a list of hashes")
        path = [base64.b64decode(p, validate=True) for p in proof]
        merkle.verify_consistency(old.size, head.size, old.root, head.root, path)
    except (merkle.ProofError, ValueError, TypeError) as exc:
        result.failed(
            f"the checkpoint of {head.size} events does not extend your saved one of "
            f"{old.size}: {exc}"
        )
    else:
        result.passed(
            f"the checkpoint extends your saved checkpoint of {old.size} events ({_time(old)})"
        )


def _label(event: dict[str, Any]) -> str:
    try:
        content = json.loads(event["content"])
        return (
            f"event {content['event_id']} ({content['event_type']}, stream "
            f"{content['stream_id']} version {content['version']})"
        )
    except (ValueError, KeyError, TypeError):
        return f"the event with hash {event['hash']}"


def _time(head: Checkpoint) -> str:
    return head.time.strftime("%Y-%m-%d %H:%M:%S UTC")


def _keys(value: str) -> list[Verifier]:
    path = Path(value)
    lines = path.read_text().split() if path.exists() else [value]
    return [Verifier.parse(line) for line in lines if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eventstore.verify_bundle", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("bundle", type=Path, help="the audit bundle (JSON)")
    parser.add_argument("--key", help="a trusted verifier key, or a file of them")
    parser.add_argument(
        "--since", type=Path, help="an older checkpoint you saved (its note); needs --key"
    )
    args = parser.parse_args(argv)
    if args.since and not args.key:
        parser.error("--since needs --key: the log's public key from somewhere you trust")
    try:
        bundle = json.loads(args.bundle.read_text(encoding="utf-8"))
        keys = _keys(args.key) if args.key else None
        since = args.since.read_text(encoding="utf-8") if args.since else None
        result = verify(bundle, keys=keys, since=since)
    except (OSError, ValueError, NoteError) as exc:  # BundleError and bad JSON included
        print(f"cannot verify: {exc}", file=sys.stderr)
        return 2
    except (KeyError, TypeError, AttributeError) as exc:  # a field of an unexpected shape
        print(
            f"cannot verify: the bundle is malformed ({type(exc).__name__}: {exc})", file=sys.stderr
        )
        return 2
    if keys is None:
        print(
            "note: checked against the public key inside the bundle; pass --key with the "
            "log's key from elsewhere to know who signed it"
        )
    for check in result.checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.what}")
    if not result.ok:
        print(f"NOT VERIFIED: {len(result.failures)} check(s) failed")
        return 1
    if not result.verified:
        print(
            f"NOT YET VERIFIED: {result.sealed} event(s) proven, {result.unproven} newer one(s) "
            "not sealed yet; export the bundle again in a few seconds"
        )
        return 3
    print(f"VERIFIED: {result.events} event(s), all proven in the signed log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
