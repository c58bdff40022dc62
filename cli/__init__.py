"""Outside clients of the running service: the SMS and call simulators.

They talk to the gateway only as Telnyx or a customer would (signed webhooks, the media
WebSocket); they use settings, store/ helpers and the gateway's pure wire-format helpers
(Telnyx signing, the mu-law codec, token minting), never actors, the app or its routes.
"""
