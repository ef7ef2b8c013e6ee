"""Infra tests: CDK assertions on the synthesised CloudFormation template."""
import os

# jsii prints a large banner on every start under Node 20 (end of life since 2026-10-30); the
# tests work on it. Upgrade Node to 22+ to make it go away for good (see infra/README.md).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "infra: synthesises the CDK app (needs node, infra/node_modules and requirements-infra.txt)",
    )
