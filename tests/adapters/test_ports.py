"""Every adapter is what its port says, so a use case can be handed any of them (or a fake)."""
from chalicelib.adapters import ports, senders
from chalicelib.adapters.local_outbox import LocalOutbox
from chalicelib.adapters.ses import SesSender
from chalicelib.adapters.whatsapp_cloud import WhatsAppClient
from chalicelib.adapters.zoom import LocalZoom, ZoomClient


def test_each_sender_is_a_message_sender(tmp_path):
    for sender in (WhatsAppClient("token", "1234"), SesSender("no-reply@example.go.id", client=object()),
                   LocalOutbox(tmp_path), senders.NotConfigured("WhatsApp")):
        assert isinstance(sender, ports.MessageSender), type(sender).__name__
        assert isinstance(sender.timeout_seconds, float) and isinstance(sender.adjustable_timeout, bool)


def test_each_meeting_provider_is_a_meeting_provider():
    for provider in (ZoomClient("account", "client", "secret"), LocalZoom()):
        assert isinstance(provider, ports.MeetingProvider), type(provider).__name__
        assert provider.deadline is None


def test_something_that_is_not_a_sender_is_told_apart():
    class Half:  # sends, but says nothing of its timeout
        def send(self, to, to_name, rendered, message_id, timeout=None):
            return "id"

    assert not isinstance(Half(), ports.MessageSender)
