"""Every message the system sends (WhatsApp and e-mail): the catalog, records, events (what a
change sends), composing, sending (through the adapters' senders), the delivery webhook and the
reminders. Messages never import a use case: what a message needs is put on its record when it
is made."""
