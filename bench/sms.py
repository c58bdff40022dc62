"""SMS benchmark: customers texting the real service concurrently, offline brain.

Starts ``supervisor.py serve`` on a temporary data dir (demo clinics and knowledge base seeded),
then, from this process (the load generator), posts correctly signed Telnyx webhooks at a fixed
open-loop rate spread over many customers, and listens to the clinic's dashboard event stream.
Turn latency is webhook POST sent -> the reply's ``message.sent`` event received, i.e. it
includes signature check, persistence, the actor hop, the brain (intent classification and
knowledge answers through the shared knowledge actor), the commit and the SSE push.

Figures: throughput of answered texts, latency p50/p99 overall, per kind of text, for each
customer's first measured text (its thread's first brain turn: a forked process's first turn
costs more) and for the later ones, and p99 per 5 s of sending; the
carrier-keyword turn (``HELP``, no brain) is the baseline measured in the same run, and the
brain turns are reported as ratios to it. ``--quick`` (< 60 s) prints one JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import sys
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

import aiohttp  # noqa: E402

from bench._service import RealService  # noqa: E402
from cli.simulate import message_received  # noqa: E402
from gateway.auth import make_token  # noqa: E402
from gateway.telnyx_signature import sign  # noqa: E402
from store.secrets import load_signing_key  # noqa: E402

CLINIC = "+15550100001"
RECENT = 256  # kb.embedders.local.RECENT_QUERIES: texts it embedded lately are not embedded again
TEXTS = {  # --texts fixed: one text per kind, every time
    "keyword": "HELP",
    "question": "What are your hours?",
    "price": "How much is Botox?",
    "booking": "Can I book a HydraFacial next Tuesday afternoon?",
}
# --texts varied (the default): customers word things their own way, so the knowledge actor
# embeds nearly every text instead of finding it among the last few hundred it embedded.
TEMPLATES = {
    "keyword": ["HELP"],
    "question": [
        "What are your hours {day}?",
        "Are you open {day}?",
        "what time do you close {day}",
        "Hi, this is {name}. When do you open {day}?",
        "Where are you? Is there parking near you, {name} here",
        "{greeting} do you take walk-ins {day}?",
    ],
    "price": [
        "How much is {service}?",
        "what does {service} cost",
        "Hi it's {name}, how much do you charge for {service}?",
        "{greeting} price for {service} please",
        "is {service} expensive? what's the price",
    ],
    "booking": [
        "Can I book {service} {day} {part}?",
        "Hi, this is {name}. I'd like a {service} {day} {part}",
        "{greeting} do you have anything for {service} {day} {part}?",
        "I want to come in for {service} {day} {part}",
        "can you fit me in for {service} {day} {part}? thanks, {name}",
    ],
}
FILLERS = {
    "name": [
        "Ana",
        "Ben",
        "Cara",
        "Dev",
        "Eli",
        "Fay",
        "Gus",
        "Hana",
        "Ivan",
        "Jo",
        "Kai",
        "Lena",
        "Mo",
        "Nia",
        "Omar",
        "Pia",
        "Raj",
        "Sol",
        "Tess",
        "Uma",
        "Vic",
        "Wen",
        "Yara",
        "Zed",
        "Amir",
        "Bea",
        "Cole",
        "Dina",
        "Ezra",
        "Gia",
    ],
    "day": [
        "tomorrow",
        "Monday",
        "next Tuesday",
        "this Wednesday",
        "Thursday",
        "Friday",
        "next week",
        "the 14th",
        "Saturday",
        "today",
    ],
    "part": ["morning", "afternoon", "at 3", "around 11am", "after 4", "at noon", "early"],
    "service": [
        "Botox",
        "a facial",
        "HydraFacial",
        "a chemical peel",
        "laser hair removal",
        "a consultation",
        "tox",
        "a peel",
    ],
    "greeting": ["Hi!", "Hello,", "hey", "Good morning,", "Hi there,", ""],
}


def text_for(kind: str, customer: int, n: int, varied: bool) -> str:
    """The text customer ``customer`` sends as their ``n``-th message of ``kind``."""
    if not varied:
        return TEXTS[kind]
    pick = random.Random(f"{kind}:{customer}:{n}")
    template = pick.choice(TEMPLATES[kind])
    return template.format(**{k: pick.choice(v) for k, v in FILLERS.items()}).strip()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


class Load:
    def __init__(self, settings, base: str, customers: int, varied: bool = True, first: int = 0):
        self.settings, self.base, self.varied = settings, base, varied
        self.key = load_signing_key(settings.dev_signing_key_path)
        self.phones = [f"+1555{7000000 + first + n}" for n in range(customers)]
        self.customer_of = {phone: n for n, phone in enumerate(self.phones)}
        self.thread_of: dict[int, str] = {}
        self.waiting: dict[str, tuple[float, str]] = {}  # phone -> (sent at, kind)
        self.latencies: dict[str, list[float]] = {k: [] for k in TEXTS}
        self.started = 0.0  # when the measured load began
        self.timeline: list[tuple[float, float]] = []  # (sent, s after start; latency, ms)
        # A thread actor's first brain turn costs more (a forked process copies the pages it
        # writes): each customer's first measured text is reported apart from the rest.
        self.first_turns: list[float] = []
        self.later_turns: list[float] = []
        self.answered_once: set[str] = set()
        self.sent = 0
        self.acks: list[float] = []  # webhook POST -> 200 (stored, acknowledged), ms
        self.dropped = 0
        self.counts: dict[tuple[int, str], int] = {}
        self.recent: deque[str] = deque(maxlen=RECENT)  # what the embedder may still hold
        self.brain_texts = 0
        self.repeats = 0

    def next_text(self, phone: str, kind: str) -> str:
        customer = self.customer_of[phone] if self.varied else 0
        n = self.counts[customer, kind] = self.counts.get((customer, kind), 0) + 1
        text = text_for(kind, customer, n, self.varied)
        if kind != "keyword":
            self.brain_texts += 1
            self.repeats += text in self.recent
        self.recent.append(text)
        return text

    async def post(self, session, phone: str, kind: str) -> None:
        text = self.next_text(phone, kind)
        raw = json.dumps(message_received(CLINIC, phone, text)).encode()
        headers = sign(raw, self.key)
        self.waiting[phone] = (time.perf_counter(), kind)
        posted = time.perf_counter()
        async with session.post(self.base + "/webhooks/telnyx/sms", data=raw, headers=headers) as r:
            if r.status != 200:
                raise RuntimeError(f"webhook refused: {r.status}")
        self.acks.append((time.perf_counter() - posted) * 1e3)
        self.sent += 1

    async def listen(self, session, token: str, ready: asyncio.Event) -> None:
        url = f"{self.base}/api/events?token={token}"
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
            ready.set()
            event: dict = {}
            async for line in response.content:
                line = line.decode().rstrip("\n")
                if line.startswith("data: "):
                    event = json.loads(line[6:])
                elif line == "" and event:
                    self.on_event(event)
                    event = {}

    def on_event(self, event: dict) -> None:
        if event["type"] != "message.sent":
            return
        phone = self.thread_of.get(event["data"]["thread_id"])
        if phone is None:
            self.thread_of.update(self._threads())
            phone = self.thread_of.get(event["data"]["thread_id"])
        started = self.waiting.pop(phone, None) if phone else None
        if started is not None:
            sent_at, kind = started
            latency = (time.perf_counter() - sent_at) * 1e3
            self.latencies[kind].append(latency)
            self.timeline.append((sent_at - self.started, latency))
            first = phone not in self.answered_once
            (self.first_turns if first else self.later_turns).append(latency)
            self.answered_once.add(phone)

    def _threads(self) -> dict[int, str]:
        from store.db import open_for
        from store.models import SmsThread

        open_for(self.settings)
        return {t.id: t.customer_phone for t in SmsThread.select()}


async def burst(
    settings,
    base: str,
    customers: int,
    kinds: list[str],
    pool_ready,
    within_s: float = 1.0,
    first: int = 0,
):
    """``customers`` brand-new customers each send their first text within ``within_s``: every
    reply needs a conversation actor that did not exist a moment before (a pooled one, or a
    fork). One customer texts first so the model and the knowledge actor are warm, then
    ``pool_ready()`` blocks until the warm pools are full again. ``first`` numbers the
    customers, so a later burst is new customers again."""
    load = Load(settings, base, customers + 1, first=first)
    token = make_token(settings.jwt_secret, 1, "staff", 3600)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400)) as session:
        ready = asyncio.Event()
        listener = asyncio.create_task(load.listen(session, token, ready))
        await ready.wait()
        warm = load.phones[-1]
        await load.post(session, warm, "booking")
        await _drain(load, 60)
        await asyncio.to_thread(pool_ready)  # the pool refills after the warm-up text took one
        load.latencies = {k: [] for k in TEXTS}
        load.first_turns, load.timeline = [], []
        started = load.started = time.perf_counter()
        tasks = []
        for n, phone in enumerate(load.phones[:customers]):
            delay = started + n * within_s / customers - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(load.post(session, phone, kinds[n % len(kinds)])))
        await asyncio.gather(*tasks)
        await _drain(load, 60)
        elapsed = time.perf_counter() - started
        listener.cancel()
    answered = [x for values in load.latencies.values() for x in values]
    return {
        "burst_customers": customers,
        "within_s": within_s,
        "texts_answered": len(answered),
        "unanswered": len(load.waiting),
        "seconds": round(elapsed, 2),
        "msgs_per_s": round(len(answered) / elapsed, 1),
        "p50_ms": round(percentile(answered, 50), 1),
        "p99_ms": round(percentile(answered, 99), 1),
        "max_ms": round(max(answered, default=0.0), 1),
        "webhook_ack_p50_ms": round(percentile(load.acks[-customers:], 50), 1),
        "webhook_ack_p99_ms": round(percentile(load.acks[-customers:], 99), 1),
    }


def _wait_warm_into(service: RealService, seen: dict) -> None:
    seen.update(service.wait_warm())


def bursts(service: RealService, customers: int, kinds: list[str], count: int) -> dict:
    """``count`` bursts of new customers. The first meets the warm pools at their floor; each
    later one meets them at the size they chose from the bursts before (docs/ARCHITECTURE.md,
    the warm pool). The last burst is the headline; every burst is listed, with how many of
    its conversations had to wait for a fork."""
    runs = []
    for n in range(count):
        seen: dict = {}
        pool_ready = functools.partial(_wait_warm_into, service, seen)
        result = asyncio.run(
            burst(
                service.settings,
                service.base,
                customers,
                kinds,
                pool_ready,
                first=n * (customers + 1),
            )
        )
        after = service.pools()
        result["forked"] = sum(after[k]["cold"] - seen[k]["cold"] for k in after)
        result["warm_before"] = sum(len(seen[k]["pids"]) for k in seen)
        runs.append(result)
    summary = ("p50_ms", "p99_ms", "webhook_ack_p99_ms", "forked", "warm_before")
    return {**runs[-1], "bursts": [{k: r[k] for k in summary} for r in runs]}


async def _drain(load: Load, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while load.waiting and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


async def run(
    settings,
    base: str,
    rate: float,
    seconds: float,
    customers: int,
    kinds: list[str],
    pool_ready,
    varied: bool = True,
    cold: bool = False,
) -> dict:
    load = Load(settings, base, customers, varied)
    token = make_token(settings.jwt_secret, 1, "staff", 3600)
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as session:
        ready = asyncio.Event()
        listener = asyncio.create_task(load.listen(session, token, ready))
        await ready.wait()
        if cold:  # the start is measured too: every customer's first text is in the run
            warm = "+15559999999"  # one text that is not measured loads the model
            load.customer_of[warm] = customers
            await load.post(session, warm, "booking")
            await _drain(load, 60)
            await asyncio.to_thread(pool_ready)  # the pool refills after the text took one
        else:  # warm-up: one text per customer creates the threads (and loads the model)
            await asyncio.gather(*(load.post(session, p, "keyword") for p in load.phones))
            await _drain(load, 60)
        load.thread_of.update(load._threads())
        load.latencies = {k: [] for k in TEXTS}
        load.brain_texts = load.repeats = 0
        load.timeline, load.first_turns, load.later_turns = [], [], []
        load.answered_once = set()
        started = load.started = time.perf_counter()
        total = int(rate * seconds)
        tasks = []
        for n in range(total):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            phone = load.phones[n % customers]
            if phone in load.waiting:  # this customer's last text is unanswered: skip a beat
                load.dropped += 1
                continue
            tasks.append(asyncio.create_task(load.post(session, phone, kinds[n % len(kinds)])))
        await asyncio.gather(*tasks)
        drain = time.monotonic() + 30
        while load.waiting and time.monotonic() < drain:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        listener.cancel()
    answered = [x for values in load.latencies.values() for x in values]
    keyword_p50 = percentile(load.latencies["keyword"], 50) or 1.0
    result = {
        "offered_rate_per_s": rate,
        "customers": customers,
        "seconds": round(elapsed, 1),
        "texts_sent": load.sent,
        "texts_answered": len(answered),
        "unanswered": len(load.waiting),
        "skipped_busy_customer": load.dropped,
        "msgs_per_s": round(len(answered) / elapsed, 1),
        "p50_ms": round(percentile(answered, 50), 1),
        "p99_ms": round(percentile(answered, 99), 1),
        "max_ms": round(max(answered, default=0.0), 1),
        "texts": "varied" if varied else "fixed",
        "brain_texts_repeating_a_recent_one_pct": round(
            100 * load.repeats / max(load.brain_texts, 1), 1
        ),
    }
    result["first_text_p99_ms"] = round(percentile(load.first_turns, 99), 1)
    result["later_texts_p99_ms"] = round(percentile(load.later_turns, 99), 1)
    # Is the tail a few episodes or everywhere? p99 of each 5 s of sending.
    windows: dict[int, list[float]] = {}
    for sent, latency in load.timeline:
        windows.setdefault(int(sent // 5), []).append(latency)
    result["p99_ms_by_5s"] = [round(percentile(windows[w], 99)) for w in sorted(windows)]
    for kind, values in load.latencies.items():
        result[f"{kind}_p50_ms"] = round(percentile(values, 50), 1)
        result[f"{kind}_p99_ms"] = round(percentile(values, 99), 1)
        if kind != "keyword":
            result[f"{kind}_p50_vs_keyword"] = round(percentile(values, 50) / keyword_p50, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run, < 60 s")
    parser.add_argument("--rate", type=float, default=None, help="texts per second offered")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--kinds", default=",".join(TEXTS), help="which texts to send")
    parser.add_argument(
        "--texts",
        choices=("varied", "fixed"),
        default="varied",
        help="customers' own wording (default), or one text per kind",
    )
    parser.add_argument(
        "--sms-supervisors", type=int, default=None, help="VRAI_SMS_SUPERVISORS for the service"
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=None,
        metavar="N",
        help="N brand-new customers text within one second (first replies measured)",
    )
    parser.add_argument(
        "--bursts",
        type=int,
        default=1,
        metavar="K",
        help="with --burst: K bursts of new customers, each once the pools refilled to the size "
        "they chose from the bursts before (the first meets the pool at its floor)",
    )
    parser.add_argument(
        "--warm",
        type=int,
        default=None,
        metavar="N",
        help="VRAI_WARM_THREADS for the service: the pools' floor (default: the service's)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="measure the start too: no warm-up text per customer before the timed load",
    )
    args = parser.parse_args()
    rate = args.rate or (50.0 if args.quick else 100.0)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    customers = args.customers or (100 if args.quick else 300)

    extra = {"VRAI_SMS_SUPERVISORS": str(args.sms_supervisors)} if args.sms_supervisors else {}
    if args.warm is not None:
        extra["VRAI_WARM_THREADS"] = str(args.warm)
    service = RealService("sms", **extra)
    try:
        service.wait_ready()
        if args.burst:
            kinds = [k for k in args.kinds.split(",") if k != "keyword"] or ["booking"]
            result = bursts(service, args.burst, kinds, args.bursts)
        else:
            result = asyncio.run(
                run(
                    service.settings,
                    service.base,
                    rate,
                    seconds,
                    customers,
                    args.kinds.split(","),
                    service.wait_warm,
                    varied=args.texts == "varied",
                    cold=args.cold,
                )
            )
    finally:
        service.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
