"""The use cases: what a visitor, a staff member or a scheduled function asks for, built from the
rules (domain), the storage (store) and the messages."""
