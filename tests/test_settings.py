"""Configuration is validated at start and names every problem at once."""

from __future__ import annotations

import base64
import json
import stat

import pytest

from store.settings import Backends, ConfigError, load_settings
from supervisor import choose_backends


def test_embedded_defaults_need_no_keys(tmp_path):
    settings = load_settings({"VRAI_DATA_DIR": str(tmp_path)})
    assert settings.host == "127.0.0.1" and settings.actor_host == "127.0.0.1"
    assert settings.port == 8080 and settings.admin_port == 18080
    assert settings.public_base_url == "http://127.0.0.1:8080"
    assert settings.jwt_secret and settings.telnyx_public_key
    assert settings.backends == Backends()  # every integration embedded
    assert choose_backends(settings).backends == Backends()


def test_configured_integrations_choose_their_production_backends(tmp_path):
    env = {
        "VRAI_DATA_DIR": str(tmp_path),
        "TELNYX_API_KEY": "KEY",
        "TELNYX_PUBLIC_KEY": base64.b64encode(bytes(32)).decode(),
        "OPENAI_API_KEY": "sk-test",
    }
    backends = choose_backends(load_settings(env)).backends
    assert (backends.sms_sender, backends.call_control) == ("telnyx", "telnyx")
    assert (backends.voice, backends.brain, backends.embedder) == (
        "openai_realtime",
        "openai",
        "openai",
    )
    # Without Stripe keys or a Google key file, deposits and the calendar stay local.
    assert (backends.payments, backends.calendar) == ("local", "local")


def test_stripe_keys_choose_card_deposits(tmp_path):
    env = {
        "VRAI_DATA_DIR": str(tmp_path),
        "STRIPE_API_KEY": "sk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
    }
    assert choose_backends(load_settings(env)).backends.payments == "stripe"


def test_the_model_cache_is_a_setting(tmp_path):
    base = {"VRAI_DATA_DIR": str(tmp_path)}
    assert load_settings({**base, "VRAI_MODEL_CACHE": str(tmp_path / "m")}).model_cache == (
        tmp_path / "m"
    )
    xdg = load_settings({**base, "XDG_CACHE_HOME": str(tmp_path / "x")}).model_cache
    assert xdg == tmp_path / "x" / "vrai" / "models"


def test_generated_secrets_are_private_and_kept_across_starts(tmp_path):
    first = load_settings({"VRAI_DATA_DIR": str(tmp_path)})
    second = load_settings({"VRAI_DATA_DIR": str(tmp_path)})
    assert first.jwt_secret == second.jwt_secret
    assert first.telnyx_public_key == second.telnyx_public_key
    mode = stat.S_IMODE((tmp_path / "jwt_secret").stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(first.dev_signing_key_path.stat().st_mode) == 0o600


def test_half_configured_integrations_name_every_missing_variable(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings(
            {"VRAI_DATA_DIR": str(tmp_path), "TELNYX_API_KEY": "KEY", "STRIPE_WEBHOOK_SECRET": "w"}
        )
    assert "TELNYX_PUBLIC_KEY is required when TELNYX_API_KEY is set" in str(error.value)
    assert "STRIPE_API_KEY is required when STRIPE_WEBHOOK_SECRET is set" in str(error.value)
    assert len(error.value.problems) == 2


def test_malformed_values_are_named(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings(
            {
                "VRAI_DATA_DIR": str(tmp_path),
                "PORT": "eighty",
                "DATABASE_URL": "mysql://x",
                "GOOGLE_SERVICE_ACCOUNT_FILE": str(tmp_path / "missing.json"),
                "TELNYX_API_KEY": "k",
                "TELNYX_PUBLIC_KEY": "not-base64-key",
                "VRAI_SMS_SUPERVISORS": "0",
                "VRAI_KNOWLEDGE_ACTORS": "9",
            }
        )
    text = str(error.value)
    for name in (
        "PORT",
        "DATABASE_URL",
        "GOOGLE_SERVICE_ACCOUNT_FILE",
        "TELNYX_PUBLIC_KEY",
        "VRAI_SMS_SUPERVISORS",
        "VRAI_KNOWLEDGE_ACTORS",
    ):
        assert name in text


@pytest.mark.parametrize(("raw", "count"), [("", 4), ("1", 1), ("6", 6)])
def test_sms_supervisors_default_to_four_and_can_be_set(tmp_path, raw, count):
    env = {"VRAI_DATA_DIR": str(tmp_path), "VRAI_SMS_SUPERVISORS": raw}
    assert load_settings(env).sms_supervisors == count


@pytest.mark.parametrize(("raw", "count"), [("", 2), ("1", 1), ("3", 3)])
def test_knowledge_actors_default_to_two_and_can_be_set(tmp_path, raw, count):
    env = {"VRAI_DATA_DIR": str(tmp_path), "VRAI_KNOWLEDGE_ACTORS": raw}
    assert load_settings(env).knowledge_actors == count


def test_explicit_jwt_secret_wins_over_the_generated_one(tmp_path):
    settings = load_settings({"VRAI_DATA_DIR": str(tmp_path), "JWT_SECRET": "s" * 40})
    assert settings.jwt_secret == "s" * 40


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "is not JSON"),
        ('{"type": "authorized_user"}', "is not a service-account key"),
        ('{"type": "service_account", "client_email": "sa@x.iam"}', "lacks private_key, token_uri"),
    ],
)
def test_a_google_key_file_must_be_a_service_account_key(tmp_path, content, problem):
    key = tmp_path / "key.json"
    key.write_text(content)
    with pytest.raises(ConfigError) as error:
        load_settings({"VRAI_DATA_DIR": str(tmp_path), "GOOGLE_SERVICE_ACCOUNT_FILE": str(key)})
    assert problem in str(error.value) and "GOOGLE_SERVICE_ACCOUNT_FILE" in str(error.value)


def test_a_whole_service_account_key_file_is_accepted(tmp_path):
    key = tmp_path / "key.json"
    fields = {"type": "service_account", "client_email": "sa@x.iam", "private_key": "k"}
    key.write_text(json.dumps({**fields, "token_uri": "https://oauth2.googleapis.com/token"}))
    settings = load_settings(
        {"VRAI_DATA_DIR": str(tmp_path), "GOOGLE_SERVICE_ACCOUNT_FILE": str(key)}
    )
    assert settings.backends.calendar == "local"  # validated; no Google backend yet
