"""The Lambda package without what the Lambda runtime already has.

`chalice package` vendors every dependency, botocore included (pynamodb needs it): 16 MB of the
27 MB zip. The Python 3.11 Lambda runtime ships the AWS SDK (boto3, botocore, s3transfer,
jmespath, python-dateutil, six), so the deployed package leaves them out and uses the runtime's.
`slim` rewrites deployment.zip between packaging and the CDK asset (stack.py), and
`bench/package_size.py` measures the result.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile

from chalice.cdk import Chalice

# Top-level names (packages, modules, their .dist-info) the Lambda Python runtime provides.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "six")
LIMIT_BYTES = 12_000_000  # the zipped package stays under 12 MB (README, "Runtime dependencies")


def provided_by_runtime(name: str) -> bool:
    top = name.split("/", 1)[0]
    base = top.split("-", 1)[0] if top.endswith((".dist-info", ".egg-info", ".data")) else top.removesuffix(".py")
    return base in RUNTIME_PROVIDED


def slim(zip_path: str) -> tuple[int, int]:
    """Drop the runtime's packages from the zip in place: (bytes before, bytes after)."""
    before = os.path.getsize(zip_path)
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=os.path.dirname(zip_path))
    os.close(fd)
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if provided_by_runtime(info.filename):
                continue
            dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    shutil.move(tmp, zip_path)
    return before, os.path.getsize(zip_path)


class SlimChalice(Chalice):
    """chalice.cdk's construct, with the package slimmed after `chalice package` and before the
    CDK asset is made from it."""

    def _package_app(self) -> None:
        # Chalice caches the package in .chalice/deployments and makes that folder with a plain
        # makedirs: two synths at once on a fresh clone (prod and dev, as the tests run them) raced
        # on it (FileExistsError). Made here first, it simply exists for both.
        os.makedirs(os.path.join(self.source_dir, ".chalice", "deployments"), exist_ok=True)
        super()._package_app()
        self.package_bytes = slim(os.path.join(self._sam_package_dir, "deployment.zip"))
