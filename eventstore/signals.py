"""What the event store tells whoever listens (it knows none of them)."""

from django.dispatch import Signal

# Sent after a transaction that appended events has committed (once per append).
events_committed = Signal(use_caching=True)

# Sent after a transaction that wrote a checkpoint has committed (``checkpoint=``).
checkpoint_sealed = Signal()
