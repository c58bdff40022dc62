"""REST and webhook route modules; each exposes ``routes`` (an aiohttp RouteTableDef)."""
