"""CDK constructs for Clean & Clear (see infra/README.md)."""
