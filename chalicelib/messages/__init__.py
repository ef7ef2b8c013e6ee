"""Every message the system sends (WhatsApp and e-mail): the catalog, records, composing,
sending, the webhook, reminders and the senders. Messages never import a use case: what a
message needs is put on its record when it is made."""
