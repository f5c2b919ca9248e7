from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eventstore.notes import NoteError
from eventstore.sealing import witnessed
from eventstore.verification import AuditReport, verify_audit


class Command(BaseCommand):
    help = (
        "Verify the audit trail from one snapshot: every stream's hash chain, the Merkle tree "
        "against the events, every checkpoint's signature and root, and (--witness) the "
        "checkpoints a witness kept. Exits non-zero naming what broke."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--witness", action="append", default=[], type=Path, metavar="FILE",
            help="a witness file of checkpoints (EVENTSTORE_WITNESS_FILE, or a copy of it)",
        )  # fmt: skip

    def handle(self, *args, witness: list[Path], **options) -> None:
        notes = []
        try:
            for path in witness:
                notes += [(f"{path}:{line}", note) for line, note in witnessed(path)]
        except (OSError, NoteError) as exc:
            raise CommandError(f"cannot read the witness: {exc}") from None
        report = verify_audit(witnesses=notes)
        if not report.ok:
            fail(report)
        chain, tree = report.chain, report.tree
        self.stdout.write(
            self.style.SUCCESS(
                f"hash chains intact: {chain.checked} event(s) in {chain.streams} stream(s) "
                f"verified; tree intact: {tree.leaves} sealed event(s), {tree.checkpoints} "
                f"checkpoint(s) signed and consistent, {tree.witnessed} witnessed checkpoint(s) "
                f"consistent; {tree.unsealed} event(s) not sealed yet"
            )
        )


def fail(report: AuditReport) -> None:
    lines = []
    if not report.chain.ok:
        lines.append(
            f"hash chain broken after {report.chain.checked} good event(s): first broken link "
            f"at {report.chain.broken}"
        )
    lines += report.tree.problems
    raise CommandError("\n".join(lines))
