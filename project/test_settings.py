"""Settings for the test suite: the environment still chooses the database and services."""

import os
import tempfile
from pathlib import Path

# The tests run with production defaults (DEBUG off), so they need a key of their own.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 50)
os.environ.setdefault("DJANGO_HTTPS", "false")  # the test client and live server speak HTTP
# API throttling is tested on its own (with low rates); elsewhere it would count every
# test's calls together.
os.environ.setdefault("API_THROTTLE_ANON", "100000/min")
os.environ.setdefault("API_THROTTLE_USER", "100000/min")

from project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [*INSTALLED_APPS, "testkit.testapp"]  # noqa: F405

# Tests that exercise the relay switch it on; elsewhere it would append handler output
# behind the test's back.
MESSAGING_RELAY_ON_COMMIT = env.bool("MESSAGING_RELAY_ON_COMMIT", default=False)  # noqa: F405

# Tests render pages without running collectstatic first.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # no collected static root in tests: look files up per request

# Tests that exercise the sealer run it; elsewhere a thread would seal behind their back.
EVENTSTORE_SEAL_IN_PROCESS = env.bool("EVENTSTORE_SEAL_IN_PROCESS", default=False)  # noqa: F405

# The audit's signing key and witness file: this run's own, never the developer's.
_AUDIT_DIR = Path(tempfile.mkdtemp(prefix="audit-tests-"))
EVENTSTORE_SIGNING_KEY_FILE = env.path(  # noqa: F405 (a test's worker gets the test's)
    "EVENTSTORE_SIGNING_KEY_FILE", default=_AUDIT_DIR / "signing.key"
)
EVENTSTORE_WITNESS_FILE = env.path(  # noqa: F405
    "EVENTSTORE_WITNESS_FILE", default=_AUDIT_DIR / "checkpoints.jsonl"
)
