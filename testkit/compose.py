"""The Compose file as `docker compose config` sees it, without Docker: scripts/compose-check
is compose-go (the loader of the Compose CLI) in a small Go program, built once per version."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "scripts" / "compose-check"
CACHE = Path(os.environ.get("SERVICES_CACHE", Path.home() / ".cache" / "project-services"))


def compose_check() -> Path | None:
    """The checker's binary (built with the machine's Go on first use), or None without Go."""
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if go is None:
        return None
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(SOURCE.iterdir()))).hexdigest()
    binary = CACHE / f"compose-check-{digest[:12]}"
    if not binary.exists():
        binary.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([go, "build", "-o", str(binary), "."], cwd=SOURCE, check=True,
                       capture_output=True, timeout=600)  # fmt: skip
    return binary


def load(path: Path, **env: str) -> tuple[dict | None, str]:
    """The resolved project (services, volumes...) or None, and the loader's error."""
    done = subprocess.run(
        [str(compose_check()), str(path)], capture_output=True, text=True, timeout=60,
        env={**os.environ, **env},
    )  # fmt: skip
    return (json.loads(done.stdout) if done.returncode == 0 else None), done.stderr
