import json
import sys
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api import composition
from documents.selectors import all_documents
from eventstore import bundles
from eventstore.notes import Checkpoint, NoteError


class Command(BaseCommand):
    help = (
        "Write a document's audit bundle (its events as stored, inclusion proofs, the latest "
        "checkpoint and the log's public keys) for python -m eventstore.verify_bundle."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--document", type=uuid.UUID, required=True, help="the document id")
        parser.add_argument(
            "--since", metavar="CHECKPOINT",
            help="a checkpoint kept earlier (its note file, or its tree size): the bundle "
            "then proves that the log only grew since",
        )  # fmt: skip
        parser.add_argument("--output", type=Path, help="the file to write (default: stdout)")

    def handle(self, *args, document: uuid.UUID, since: str | None, output: Path | None, **options):
        if not all_documents().filter(pk=document).exists():
            raise CommandError(f"no document {document}")
        try:
            bundle = bundles.audit_bundle(
                composition.document_streams(document), since=_size(since)
            )
        except (bundles.NothingSealed, ValueError, NoteError, OSError) as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(bundle, indent=1) + "\n"
        if output is None:
            sys.stdout.write(text)
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"wrote {output}: {len(bundle['events'])} event(s)")


def _size(since: str | None) -> int | None:
    if since is None:
        return None
    if since.isdigit():
        return int(since)
    return Checkpoint.parse(Path(since).read_text(encoding="utf-8").split("\n\n")[0] + "\n").size
