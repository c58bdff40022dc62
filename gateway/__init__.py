"""The aiohttp gateway: webhooks, REST, Server-Sent Events and the Telnyx media WebSocket."""
