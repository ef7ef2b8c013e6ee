"""The rules of the service, pure: no I/O and nothing of the project outside this package."""
