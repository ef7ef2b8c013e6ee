"""The use cases: what a visitor, a staff member or a scheduled function asks for, built from the
rules (domain), the storage (store), the messages and the outside systems (adapters).

They stand in floors; a module imports only the floors below it (the `services-order` contract
in .importlinter, checked by `make test`):

    jobs | evaluation | webhooks | kotak          the unattended runs, the staff's read-outs
    broadcasts | whatsapp_inbox | reports | ...   the visitor's channels, reports, data requests
    privacy | forecast                            data rights, the capacity forecast
    self_service | sessions | leave | office      what a visitor and the office change, what staff see
    allocation | feedback                         the allocation run and refill, feedback
    booking                                       the one path to a seat (and out of it)
    registrations | meetings | posters | ...      the queue, Zoom meetings, posters
    capacity                                      seats on the roster, free seats
    roster | campaigns                            who is on duty when, outreach
    team | estimates                              consultants and rooms; the published wait
"""
