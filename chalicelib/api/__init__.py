"""The API's edge: Chalice blueprints by audience. Routes parse the request, call a use case in
chalicelib/services, and shape the answer; nothing here decides anything."""
