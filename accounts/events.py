"""Security events: who signed in or failed to, who was locked out, whose rights changed,
who was refused what. A public contract like every event type; nothing personal beyond the
user id, the address and the user agent."""

from __future__ import annotations

from eventstore.registry import EventType

STREAM_TYPE = "accounts.UserSecurity"

_USER = {"type": ["integer", "null"], "description": "null: no such user"}
_CLIENT = {
    "ip": {"type": ["string", "null"], "maxLength": 64},
    "user_agent": {"type": "string", "maxLength": 300},
}


def _schema(properties: dict) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


SIGNED_IN = EventType("accounts.SignedIn", _schema({"user_id": _USER, **_CLIENT}))
SIGNED_OUT = EventType("accounts.SignedOut", _schema({"user_id": _USER, **_CLIENT}))
SIGN_IN_FAILED = EventType("accounts.SignInFailed", _schema({"user_id": _USER, **_CLIENT}))
LOCKED_OUT = EventType("accounts.LockedOut", _schema({"user_id": _USER, **_CLIENT}))
TOKEN_CREATED = EventType("accounts.TokenCreated", _schema({"user_id": _USER}))
TOKEN_DELETED = EventType("accounts.TokenDeleted", _schema({"user_id": _USER}))
GROUPS_CHANGED = EventType(
    "accounts.GroupsChanged",
    _schema({"user_id": _USER, "groups": {"type": "array", "items": {"type": "string"}}}),
)
RIGHTS_CHANGED = EventType(
    "accounts.RightsChanged",
    _schema(
        {"user_id": _USER, "is_staff": {"type": "boolean"}, "is_superuser": {"type": "boolean"}}
    ),
)
ACCESS_DENIED = EventType(
    "accounts.AccessDenied",
    _schema(
        {
            "user_id": _USER,
            "resource": {"enum": ["document", "translation-request"]},
            "resource_id": {"type": "string", "format": "uuid"},
            **_CLIENT,
        }
    ),
)

ALL = [
    SIGNED_IN, SIGNED_OUT, SIGN_IN_FAILED, LOCKED_OUT, TOKEN_CREATED, TOKEN_DELETED,
    GROUPS_CHANGED, RIGHTS_CHANGED, ACCESS_DENIED,
]  # fmt: skip
