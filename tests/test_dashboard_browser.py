"""The dashboard in a real browser: headless Chromium driven by Selenium against the real
gateway and actor system. Staff sign in through the form and watch a customer's texts and
the booking they make arrive live (SSE), with no reload; ops see the machine and no patient;
a wrong password is told as such. Screenshots of each are kept (see ``shots``).

Skipped only where Chromium or its driver is missing and this is not CI: in CI (``CI`` set,
as ``.ci/run`` does) a missing browser fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from store.demo import seed_demo_users
from tests.conftest import make_settings, running_gateway
from tests.sms_helpers import text

pytestmark = pytest.mark.multiproc

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]
ANA = "+15555550123"
BO = "+15555550124"
PATIENT_VIEWS = ("appointments", "threads", "calls", "customers", "kb", "analytics", "users")
WAIT_S = 20


def require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        reason = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The gateway with the demo clinics and the logins seed-demo makes for them."""
    require_browser()  # before starting anything
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
        with running_gateway(make_settings(tmp_path_factory.mktemp("desk"))) as gateway:
            logins = {
                (email.split("@")[1], role): (email, pw) for _, email, role, pw in seed_demo_users()
            }
            gateway.logins = {
                role: logins[("glowmedspa.example", role)] for role in ("staff", "admin", "ops")
            }
            yield gateway


@pytest.fixture(scope="module")
def chromium(desk, tmp_path_factory):
    """One headless Chromium for the module (it closes before the gateway stops)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,800",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def viewport(driver, width: int, height: int) -> None:
    """Size the window so that the page itself gets width x height (the window has edges)."""
    driver.set_window_size(width, height)
    inner_width, inner_height = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(2 * width - inner_width, 2 * height - inner_height)


@pytest.fixture
def browser(chromium, desk):
    """The page, freshly opened and signed out, at laptop size."""
    viewport(chromium, 1280, 800)
    chromium.get(desk.url + "/")
    chromium.execute_script("window.sessionStorage.clear()")
    chromium.refresh()
    WebDriverWait(chromium, WAIT_S).until(seen.visibility_of_element_located((By.ID, "login-form")))
    chromium.get_log("browser")  # what earlier tests left
    return chromium


@pytest.fixture
def shots(tmp_path):
    """save(driver, name): a PNG under tmp_path, copied to ./test-artifacts when
    VRAI_TEST_ARTIFACTS is set (CI keeps them)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    keep = ROOT / "test-artifacts" if os.environ.get("VRAI_TEST_ARTIFACTS") else None

    def save(driver, name: str) -> Path:
        path = folder / f"{name}.png"
        assert driver.save_screenshot(str(path)), name
        if keep is not None:
            keep.mkdir(exist_ok=True)
            shutil.copy(path, keep / path.name)
        return path

    return save


def wait(driver, timeout: float = WAIT_S) -> WebDriverWait:
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def texts_of(driver, selector: str) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]


def shows(selector: str, *needles: str):
    """An expected condition: some element matching ``selector`` contains every needle."""

    def check(driver):
        return any(all(n in t for n in needles) for t in texts_of(driver, selector))

    return check


def log_in(driver, who: tuple[str, str]) -> None:
    email, password = who
    driver.find_element(By.ID, "login-email").clear()
    driver.find_element(By.ID, "login-email").send_keys(email)
    driver.find_element(By.ID, "login-password").clear()
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()


def open_tab(driver, name: str) -> None:
    driver.find_element(By.ID, f"tab-{name}").click()
    wait(driver).until(seen.visibility_of_element_located((By.ID, f"view-{name}")))


def visible_tabs(driver) -> list[str]:
    return [t.text for t in driver.find_elements(By.CSS_SELECTOR, "[role=tab]") if t.is_displayed()]


def severe_logs(driver, allowed: str | None = None) -> list[str]:
    entries = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return [m for m in entries if not (allowed and re.search(allowed, m))]


def test_staff_watch_a_text_booking_arrive_live(desk, browser, shots):
    log_in(browser, desk.logins["staff"])
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    assert visible_tabs(browser) == [
        "Appointments",
        "Texts",
        "Calls",
        "Customers",
        "Knowledge base",
    ]
    wait(browser).until(shows("#view-appointments [data-status]", "0 appointments"))
    browser.execute_script("window.stillTheSamePage = true")  # a reload would forget it

    open_tab(browser, "threads")
    wait(browser).until(shows("#thread-list", "No texts yet."))
    (offer,) = text(desk, "Hi, can I book a facial next Tuesday afternoon?")
    wait(browser).until(shows("#thread-list .pick", ANA))
    browser.find_element(By.CSS_SELECTOR, "#thread-list .pick").click()
    wait(browser).until(shows("#thread-detail .msg.out", offer.splitlines()[0]))
    assert texts_of(browser, "#thread-detail .msg-text") == [
        "Hi, can I book a facial next Tuesday afternoon?",
        offer,
    ]
    for line in ("1", "Ana Lopez"):
        replies = text(desk, line)
        wait(browser).until(shows("#thread-detail .msg.out", replies[-1].splitlines()[0]))

    open_tab(browser, "appointments")  # the booking lands while the calendar is on screen
    (done,) = text(desk, "yes")
    assert "booked" in done.lower()
    wait(browser).until(shows("#appointments-list .appointment", "HydraFacial", "Ana Lopez"))
    assert texts_of(browser, "#appointments-list .provider h3")[0].endswith("(1)")
    wait(browser).until(shows("#view-appointments [data-status]", "1 appointment "))
    browser.find_element(By.CSS_SELECTOR, "#appointments-list .reminder-details summary").click()
    wait(browser).until(shows("#appointments-list .reminders", "thank-you", "scheduled"))
    shots(browser, "desk-appointments-1280x800")

    open_tab(browser, "threads")
    wait(browser).until(shows("#thread-detail .msg.out", done.splitlines()[0]))
    assert len(texts_of(browser, "#thread-detail .msg")) == 8  # four texts, four replies
    assert browser.find_element(By.ID, "reply-text").is_enabled()
    shots(browser, "desk-texts-1280x800")

    viewport(browser, 820, 1180)  # a tablet, upright
    shots(browser, "desk-texts-820x1180")
    open_tab(browser, "appointments")
    shots(browser, "desk-appointments-820x1180")
    assert browser.execute_script("return window.stillTheSamePage") is True
    assert severe_logs(browser) == []  # no script error, nothing the CSP refused


def thread_of(driver, phone: str):
    (button,) = [
        b for b in driver.find_elements(By.CSS_SELECTOR, "#thread-list .pick") if phone in b.text
    ]
    return button


def test_a_staff_reply_pauses_the_ai_until_handed_back_and_stop_locks_the_box(desk, browser, shots):
    text(desk, "HELP", customer=BO)
    log_in(browser, desk.logins["staff"])
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    open_tab(browser, "threads")
    wait(browser).until(shows("#thread-list .pick", BO))
    thread_of(browser, BO).click()
    box = wait(browser).until(seen.element_to_be_clickable((By.ID, "reply-text")))
    box.send_keys("Hi Bo, this is the front desk.")
    browser.find_element(By.ID, "reply-send").click()
    wait(browser).until(shows("#thread-detail .msg.out", "Hi Bo, this is the front desk."))
    wait(browser).until(shows("#thread-list .pick", BO, "AI paused"))
    wait(browser).until(seen.visibility_of_element_located((By.ID, "handback")))
    assert "AI is paused" in browser.find_element(By.ID, "reply-hint").text
    assert box.get_attribute("value") == ""
    shots(browser, "desk-texts-ai-paused-1280x800")

    # New tokens (as a minute before expiry): the event stream is opened again with them,
    # from the last event it saw, and what follows still arrives.
    kept = "return JSON.parse(sessionStorage.getItem('vrai.session')).refresh_token"
    first = browser.execute_script(kept)
    renewed = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/static/session.js').then((s) => s.renew()).then(() => done('ok'), done);"
    )
    assert renewed == "ok" and browser.execute_script(kept) != first
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    browser.find_element(By.ID, "handback").click()
    wait(browser).until(seen.invisibility_of_element_located((By.ID, "handback")))
    assert "AI paused" not in thread_of(browser, BO).text

    text(desk, "STOP", customer=BO)
    wait(browser).until(shows("#thread-list .pick", BO, "opted out"))
    wait(browser).until(lambda d: not d.find_element(By.ID, "reply-text").is_enabled())
    assert not browser.find_element(By.ID, "reply-send").is_enabled()
    assert "opted out" in browser.find_element(By.ID, "reply-hint").text
    shots(browser, "desk-texts-opted-out-1280x800")
    assert severe_logs(browser) == []


def test_ops_see_the_actors_and_no_patient_view(desk, browser, shots):
    log_in(browser, desk.logins["ops"])
    wait(browser).until(shows("#actors-table td", "calendar"))
    assert visible_tabs(browser) == ["System"]
    for name in PATIENT_VIEWS:
        assert not browser.find_element(By.ID, f"view-{name}").is_displayed(), name
        assert not browser.find_element(By.ID, f"tab-{name}").is_displayed(), name
    assert browser.find_elements(By.CSS_SELECTOR, "#appointments-list *, #thread-list *") == []
    wait(browser).until(shows("#health", "ready"))
    page = browser.find_element(By.TAG_NAME, "body").text
    assert not re.search(r"\+1\d{10}", page)  # no clinic's or customer's number, anywhere
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "live"), "live"))
    shots(browser, "desk-ops-1280x800")
    browser.find_element(By.ID, "logout").click()
    wait(browser).until(seen.visibility_of_element_located((By.ID, "login-form")))
    assert severe_logs(browser) == []


def test_a_wrong_password_is_told_and_signs_no_one_in(desk, browser, shots):
    """Last in the file: its failed logins count against this address (the login limit)."""
    email, password = desk.logins["admin"]
    log_in(browser, (email, password + "-not"))
    error = browser.find_element(By.ID, "login-error")
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "login-error"), "Wrong"))
    assert error.text == "Wrong email or password."
    assert error.get_attribute("role") == "alert"
    assert not browser.find_element(By.ID, "desk").is_displayed()
    assert browser.execute_script("return sessionStorage.length") == 0
    shots(browser, "desk-wrong-password")
    for _ in range(4):  # five failures in all: the next attempt is refused, even the right one
        log_in(browser, (email, password + "-not"))
        wait(browser).until(seen.element_to_be_clickable((By.ID, "login-submit")))
    log_in(browser, (email, password))
    wait(browser).until(seen.text_to_be_present_in_element((By.ID, "login-error"), "Too many"))
    assert "try again in" in error.text
    assert severe_logs(browser, allowed=r"status of (401|429)") == []
