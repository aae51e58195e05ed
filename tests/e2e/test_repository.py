"""The repository stands on its own: no tracked file refers to a document or data file outside it."""

import subprocess

from conftest import ROOT

# A file outside the repository that earlier revisions leaned on, and the ways of pointing at it,
# spelled in pieces so this file does not point there itself.
_DESIGN = "DE" + "SIGN"
OUTSIDE = (_DESIGN + ".md", _DESIGN + " §", "../" + "shared", "shared" + "/data", "ORIGINAL_" + _DESIGN)


def test_no_tracked_file_refers_outside_the_repository():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    offenders = []
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        offenders += [f"{name}: {needle}" for needle in OUTSIDE if needle in text]
    assert offenders == [], "files that point outside the repository:\n" + "\n".join(offenders)
