"""Benchmark: the Lambda package's size, as `chalice package` makes it and as the stack deploys it.

Run:  .venv/bin/python bench/package_size.py   (also part of `make bench`)

Packages the app the way infra/cleanclear_infra/stack.py does (chalice's own packager, stage
prod), then slims it (infra/cleanclear_infra/package.py: without the AWS SDK the Lambda Python
runtime already has). Prints both zipped sizes, the ratio, and the ten largest packages left.
Exits non-zero above 12 MB.
"""
from __future__ import annotations

import collections
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "infra"))
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")

from chalice import api  # noqa: E402

from cleanclear_infra.package import LIMIT_BYTES, slim  # noqa: E402


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="cc-package-"))
    try:
        policy = work / "policy.json"
        policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
        out = work / "out"
        api.package_app(project_dir=str(ROOT), output_dir=str(out), stage="prod",
                        chalice_config={"autogen_policy": False, "iam_policy_file": str(policy)})
        package = out / "deployment.zip"
        before, after = slim(str(package))
        sizes: collections.Counter = collections.Counter()
        for info in zipfile.ZipFile(package).infolist():
            sizes[info.filename.split("/")[0]] += info.compress_size
        print(f"\nLambda package (zipped): chalice package {before / 1e6:.1f} MB -> deployed {after / 1e6:.1f} MB "
              f"(x{after / before:.2f}; limit {LIMIT_BYTES / 1e6:.1f} MB)")
        print("largest parts left: " + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sizes.most_common(10)))
        return 0 if after <= LIMIT_BYTES else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
