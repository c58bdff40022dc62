"""One settings object, built once from the environment at the edge (supervisor.py).

Nothing below supervisor.py reads ``os.environ``: the settings travel down as this frozen,
picklable dataclass (actors receive it in their init message). Validation names every missing
or malformed variable at once, so a half-configured integration stops the start with one clear
message instead of failing on the first call that needs it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from store import secrets

#: Every environment variable the service reads, with a one-line meaning (README lists them all).
ENVIRONMENT = {
    "VRAI_DATA_DIR": "data directory (SQLite database, generated secrets, logs); default ./data",
    "HOST": "interface the gateway listens on; default 127.0.0.1",
    "PORT": "gateway port; default 8080",
    "PUBLIC_BASE_URL": "how Telnyx and Stripe reach the gateway; default http://HOST:PORT",
    "DATABASE_URL": "Postgres URL (postgresql://...); default a SQLite file in the data dir",
    "JWT_SECRET": "HS256 secret for API tokens; default a generated secret kept in the data dir",
    "OPENAI_API_KEY": "enables the OpenAI backends (Realtime voice, chat brain, embeddings)",
    "OPENAI_BASE_URL": "OpenAI API address (the SDK's own variable); Realtime derives from it",
    "TELNYX_API_KEY": "enables Telnyx call control and messaging (needs TELNYX_PUBLIC_KEY)",
    "TELNYX_PUBLIC_KEY": "Telnyx ed25519 public key (base64) that verifies webhooks",
    "TELNYX_API_BASE": "Telnyx REST address; default https://api.telnyx.com/v2",
    "STRIPE_API_KEY": "enables card deposits by Stripe Checkout (needs STRIPE_WEBHOOK_SECRET)",
    "STRIPE_WEBHOOK_SECRET": "Stripe webhook signing secret (whsec_...)",
    "STRIPE_API_BASE": "Stripe API address; default https://api.stripe.com",
    "GOOGLE_SERVICE_ACCOUNT_FILE": "service-account key file: enables providers' Google Calendars",
    "GOOGLE_API_BASE": "Google Calendar API address; default https://www.googleapis.com",
    "VRAI_ADMIN_PORT": "Thespian admin port; default PORT + 10000",
    "VRAI_ACTOR_HOST": "address Thespian binds (unauthenticated pickle!); default 127.0.0.1",
    "VRAI_LOG_LEVEL": "log level; default INFO",
    "VRAI_MODEL_CACHE": "where the int8 build of the local embedding model is kept (built once,"
    " ~2 s); default $XDG_CACHE_HOME/vrai/models, else ~/.cache/vrai/models",
    "XDG_CACHE_HOME": "base of the default model cache (see VRAI_MODEL_CACHE); default ~/.cache",
    "VRAI_SMS_SUPERVISORS": "how many SMS supervisors share the threads (1-16); default 4",
    "VRAI_KNOWLEDGE_ACTORS": "how many knowledge actors understand texts (1-8); default 2",
    "VRAI_WARM_THREADS": "SMS thread actors kept started for new texters, over all SMS"
    " supervisors (0-400): the pool's floor, it grows with bursts; about 1.2x the most new"
    " texters expected within a second; default 40",
    "VRAI_CORS_ORIGINS": "browser origins that may call /api (comma-separated, exact, e.g."
    " https://desk.example.com); default none: CORS off",
}


class ConfigError(ValueError):
    """The environment does not describe a runnable service; the message names every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Supervision:
    """Timings of the supervision tree; tests shrink them, production keeps the defaults."""

    heartbeat_s: float = 2.0  # how often conversation supervisors ping their children
    hung_after_s: float = 30.0  # no pong for this long: the child is hung and is killed
    # A service actor may be busy for longer and still be well: loading the embedding model
    # under load, embedding a long document. Killing it then restarts that work from scratch.
    service_hung_after_s: float = 60.0
    conversation_memory_mb: int = 300  # unique-memory (USS) cap for one conversation actor
    conversation_restarts: int = 3  # restart intensity of one conversation ...
    conversation_window_s: float = 30.0  # ... within this window
    service_restarts: int = 5  # restart intensity of one service actor ...
    service_window_s: float = 60.0  # ... within this window
    service_backoff_s: float = 30.0  # a failed service actor is tried again after this
    sms_idle_s: float = 600.0  # an SMS thread actor with no traffic this long exits
    call_idle_s: float = 7200.0  # a call actor is retired after this even if no hangup came


@dataclass(frozen=True)
class Backends:
    """Which backend serves each integration, by name: chosen once, in ``supervisor.py``
    (``choose_backends``), from what the settings configure. Each integration's package maps a
    name to its one file (``BACKENDS``) and builds it in the process that uses it, after any
    fork. The defaults are the embedded backends, which need no keys.
    """

    sms_sender: str = "outbox"  # "outbox" | "telnyx"
    call_control: str = "recorded"  # "recorded" | "telnyx"
    # "local" (offline speech) | "openai_realtime"; None: no voice engine, calls go to staff
    voice: str | None = "local"
    brain: str = "local"  # "local" | "openai"
    embedder: str = "local"  # "local" | "openai"
    payments: str = "local"  # "local" | "stripe"
    calendar: str = "local"  # "local" | "google"


@dataclass(frozen=True)
class Settings:
    """Everything the running service needs to know, validated."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    public_base_url: str = "http://127.0.0.1:8080"
    database_url: str | None = None
    jwt_secret: str = ""
    telnyx_public_key: str = ""
    telnyx_api_key: str | None = None
    telnyx_api_base: str = "https://api.telnyx.com/v2"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str = "https://api.stripe.com"
    google_service_account_file: Path | None = None
    google_api_base: str = "https://www.googleapis.com"
    admin_port: int = 18080
    actor_host: str = "127.0.0.1"
    actor_system_base: str = "multiprocTCPBase"
    log_level: str = "INFO"
    sse_heartbeat_s: float = 15.0
    # SMS threads are spread over this many supervisors: Thespian's transport walks every open
    # connection on every message, so a supervisor's cost per text grows with its children.
    sms_supervisors: int = 4
    # Texts are understood (embedded, intents, best answer) by this many knowledge actors: the
    # local model costs ~6 ms of CPU per text, more than one process can keep up with at 100/s.
    knowledge_actors: int = 2
    # Conversation actors forked ahead of need (the SMS supervisors share this floor; their
    # pools grow past it with the bursts they see): a new texter waits for no fork.
    warm_threads: int = 40
    # Where the int8 build of the local embedding model is kept (kb/embedders/quantized.py).
    model_cache: Path = Path.home() / ".cache" / "vrai" / "models"
    # Browser origins allowed to call /api across origins (gateway/cors.py); empty: CORS off.
    cors_origins: tuple[str, ...] = ()
    backends: Backends = dataclasses.field(default_factory=Backends)
    supervision: Supervision = dataclasses.field(default_factory=Supervision)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "vrai.sqlite3"

    @property
    def dev_signing_key_path(self) -> Path:
        """Private half of the embedded-mode webhook key (used only by `simulate`)."""
        return self.data_dir / secrets.DEV_SIGNING_KEY_FILE

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


def _port(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    return _whole_number(env, name, default, 1, 65535, problems)


def _whole_number(
    env: Mapping[str, str], name: str, default: int, low: int, high: int, problems: list[str]
) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
        return default
    return value


def _origins(env: Mapping[str, str], name: str, problems: list[str]) -> tuple[str, ...]:
    """Comma-separated origins as a browser writes them in its ``Origin`` header."""
    origins = tuple(part.strip() for part in (env.get(name) or "").split(",") if part.strip())
    for origin in origins:
        problem = _origin_problem(origin)
        if problem:
            problems.append(f"{name}: {origin!r} {problem}")
    return origins


def _origin_problem(origin: str) -> str | None:
    """Why a browser would never send ``origin`` in that form, or None."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return "is not an origin"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be http(s)://host[:port]"
    if parts.path or parts.query or parts.fragment or parts.username is not None:
        return "must be only scheme, host and port (no path, not even a trailing /)"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    canonical = f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")
    if origin != canonical:
        return f"is written {canonical!r} by browsers"
    return None


SERVICE_ACCOUNT_FIELDS = ("client_email", "private_key", "token_uri")


def _service_account_problem(path: Path) -> str | None:
    """Why the file is not a Google service-account key (JSON of type service_account with
    the fields a token request needs), or None."""
    try:
        key = json.loads(path.read_text())
    except OSError:
        return "does not name a readable file"
    except ValueError:
        return "is not JSON (expected a service-account key file)"
    if not isinstance(key, dict) or key.get("type") != "service_account":
        return 'is not a service-account key (its "type" must be "service_account")'
    missing = [field for field in SERVICE_ACCOUNT_FIELDS if not key.get(field)]
    if missing:
        return f"lacks {', '.join(missing)}"
    return None


def _pair(env: Mapping[str, str], first: str, second: str, problems: list[str]) -> None:
    """Integrations that need two values fail when only one is set."""
    if bool(env.get(first)) != bool(env.get(second)):
        have, missing = (first, second) if env.get(first) else (second, first)
        problems.append(f"{missing} is required when {have} is set")


def load_settings(env: Mapping[str, str], **overrides) -> Settings:
    """Build and validate settings from an environment mapping (never ``os.environ`` itself).

    Embedded mode creates the data dir's generated JWT secret and dev ed25519 key pair on first
    use, so webhook verification and API auth are never switched off.
    """
    problems: list[str] = []
    data_dir = Path(overrides.pop("data_dir", None) or env.get("VRAI_DATA_DIR") or "data")
    host = overrides.pop("host", None) or env.get("HOST") or "127.0.0.1"
    port = overrides.pop("port", None) or _port(env, "PORT", 8080, problems)
    admin_port = _port(env, "VRAI_ADMIN_PORT", port + 10000 if port < 55536 else 18080, problems)
    _pair(env, "TELNYX_API_KEY", "TELNYX_PUBLIC_KEY", problems)
    _pair(env, "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", problems)
    database_url = env.get("DATABASE_URL") or None
    if database_url and not database_url.startswith(("postgres://", "postgresql://", "sqlite:")):
        problems.append("DATABASE_URL must be a postgresql:// or sqlite:/// URL")
    google_file = env.get("GOOGLE_SERVICE_ACCOUNT_FILE") or None
    if google_file:
        problem = _service_account_problem(Path(google_file))
        if problem:
            problems.append(f"GOOGLE_SERVICE_ACCOUNT_FILE {problem}: {google_file}")
    telnyx_public_key = env.get("TELNYX_PUBLIC_KEY") or ""
    if telnyx_public_key and not secrets.is_ed25519_public_key(telnyx_public_key):
        problems.append("TELNYX_PUBLIC_KEY must be a base64 ed25519 public key (32 bytes)")
    level = (env.get("VRAI_LOG_LEVEL") or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"VRAI_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    sms_supervisors = _whole_number(
        env, "VRAI_SMS_SUPERVISORS", Settings.sms_supervisors, 1, 16, problems
    )
    knowledge_actors = _whole_number(
        env, "VRAI_KNOWLEDGE_ACTORS", Settings.knowledge_actors, 1, 8, problems
    )
    warm_threads = _whole_number(env, "VRAI_WARM_THREADS", Settings.warm_threads, 0, 400, problems)
    cors_origins = _origins(env, "VRAI_CORS_ORIGINS", problems)
    model_cache = Path(
        env.get("VRAI_MODEL_CACHE")
        or Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vrai" / "models"
    )
    if problems:
        raise ConfigError(problems)

    data_dir.mkdir(parents=True, exist_ok=True)
    jwt_secret = env.get("JWT_SECRET") or secrets.ensure_jwt_secret(data_dir)
    if not env.get("TELNYX_API_KEY"):
        telnyx_public_key = secrets.ensure_dev_keypair(data_dir)
    return Settings(
        data_dir=data_dir.resolve(),
        host=host,
        port=port,
        public_base_url=(env.get("PUBLIC_BASE_URL") or f"http://{host}:{port}").rstrip("/"),
        database_url=database_url,
        jwt_secret=jwt_secret,
        telnyx_public_key=telnyx_public_key,
        telnyx_api_key=env.get("TELNYX_API_KEY") or None,
        telnyx_api_base=(env.get("TELNYX_API_BASE") or Settings.telnyx_api_base).rstrip("/"),
        openai_api_key=env.get("OPENAI_API_KEY") or None,
        openai_base_url=env.get("OPENAI_BASE_URL") or None,
        stripe_api_key=env.get("STRIPE_API_KEY") or None,
        stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
        stripe_api_base=(env.get("STRIPE_API_BASE") or Settings.stripe_api_base).rstrip("/"),
        google_service_account_file=Path(google_file) if google_file else None,
        google_api_base=(env.get("GOOGLE_API_BASE") or Settings.google_api_base).rstrip("/"),
        admin_port=admin_port,
        actor_host=env.get("VRAI_ACTOR_HOST") or "127.0.0.1",
        log_level=level,
        sms_supervisors=sms_supervisors,
        knowledge_actors=knowledge_actors,
        warm_threads=warm_threads,
        model_cache=model_cache,
        cors_origins=cors_origins,
        **overrides,
    )
