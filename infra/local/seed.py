"""Create the tables and load demo data into the local DynamoDB (idempotent)."""
from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    from chalicelib.store.tables import create_tables

    create_tables()
    if "--tables-only" in argv:
        return
    from infra.local import demo_data

    demo_data.load()


if __name__ == "__main__":
    main(sys.argv[1:])
