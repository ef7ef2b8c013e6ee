"""Staff sign-in: token verification (tokens.py), the local issuer for make run and tests
(local_issuer.py), and the choice between them from the environment (setup.py)."""
