"""The outside systems, one small module each, behind the typed interfaces of `ports.py`.

Only this package imports `requests`, `boto3` or `botocore` (the import contract in
`.importlinter` keeps it so; the store keeps pynamodb). The layers above ask for an interface
(`ports.MessageSender`, `ports.MeetingProvider`, ...) and never for a library; a test fakes an
adapter by its interface, or answers its HTTP with `responses`.

| module | outside system |
| --- | --- |
| `whatsapp_cloud` | WhatsApp Cloud API: template messages and free-form answers out |
| `whatsapp_inbound` | WhatsApp webhooks in: the signature, the handshake, statuses and visitors' messages |
| `ses` | Amazon SES v2: e-mail out (one raw MIME message) |
| `local_outbox` | the local demo's stand-in for both: files under `.local/outbox`, nothing sent |
| `senders` | which of those delivers a channel in this environment |
| `zoom` | Zoom's Server-to-Server OAuth API (meetings), or its labelled local stand-in |
| `cognito` | the Cognito user pool: a deactivated consultant's account is disabled |
| `launcher` | a job in the background: a Lambda invocation, a thread, or at once in tests |
| `secrets_manager` | AWS Secrets Manager (or the environment locally) |
| `metrics` | CloudWatch metrics through the Embedded Metric Format |
| `jwks` | the staff token signing keys: Cognito's JWKS over HTTPS, or a fixed set |
| `http` | what the HTTP adapters share: pooled sessions, Retry-After |
"""
