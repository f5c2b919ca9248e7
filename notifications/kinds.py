"""What people are told about, each kind with the words of its notice; users choose per kind
whether they are told in the app and by email."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # on the settings page
    for_translators: bool = False


OPENED = Kind("opened", "A request of mine is open to translators")
REJECTED = Kind("rejected", "A request of mine was refused")
ACCEPTED = Kind("accepted", "A translator accepted a request of mine")
DELIVERED = Kind("delivered", "A translation of mine was delivered")
CHANGES_DELIVERED = Kind("changes_delivered", "The changes I asked for were delivered")
EXPIRED = Kind("expired", "A request of mine expired unaccepted")
NEW_REQUEST = Kind("new_request", "A new request in my languages", for_translators=True)
CHANGES_REQUESTED = Kind(
    "changes_requested", "A customer asked for changes to my delivery", for_translators=True
)
WITHDRAWN = Kind(
    "withdrawn", "A request I was offered was cancelled or expired", for_translators=True
)

ALL = [
    OPENED, REJECTED, ACCEPTED, DELIVERED, CHANGES_DELIVERED, EXPIRED, NEW_REQUEST,
    CHANGES_REQUESTED, WITHDRAWN,
]  # fmt: skip
BY_NAME = {kind.name: kind for kind in ALL}
