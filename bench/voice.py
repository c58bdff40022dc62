"""Offline voice benchmark: how well the recogniser hears callers, and how fast calls answer.

(a) Word error rate of the recogniser (Whisper tiny.en, with the demo clinic's words as its
    prompt) on the phrase set ``bench/voice_data/phrases.txt``: clinic utterances spoken by
    caller voices that are not the receptionist's, through a mu-law round trip, clean and with
    white noise at 15 dB SNR. The full run adds two espeak-ng (formant) voices, reported apart:
    robotic voices are a harsher test than people.
(b) Turn latency through the real service (``supervisor.py serve``, no keys): a simulated
    Telnyx line (``cli/phone_line.py``) says each turn in real-time 20 ms frames (it plays the
    replies at once rather than at a listener's pace: that changes nothing it measures); latency
    is the end of the caller's speech to the first frame of the reply arriving, so it includes the
    end-of-turn silence the detector waits for, recognition, the brain, and the first
    sentence's synthesis. The gateway's own figure (``vrai_call_turn_latency_seconds``: the
    detector's end of turn to the first frame sent) is printed beside it.
(c) The most concurrent offline calls one machine holds with p50 latency under 1.2 s (steps
    up until a step misses; the calls of a step ring within 3 s of each other and talk at a
    listener's pace, questions with pauses), with the gateway's event-loop lag at 5 calls.
(d) Memory per offline call: the gateway's peak RSS in the largest step over the smallest's,
    per call between them (``--quick`` has one step: its peak over the RSS before it, per call);
    and its RSS idle after a whole call (the shared models).

    python bench/voice.py --quick   # under a minute: half the phrases per voice, clean only,
                                    # one 3-turn call, one step of 5 calls; the last line is JSON
    python bench/voice.py           # every voice, with noise, longer calls, the capacity search
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actors.call_brain import vocabulary_words  # noqa: E402
from bench._service import RealService  # noqa: E402
from cli.caller_speech import CALLER, piper_speak, speak  # noqa: E402
from gateway.media.mulaw import decode, encode  # noqa: E402
from gateway.media.speech.recognizer import Recognizer  # noqa: E402
from gateway.media.speech.synthesizer import Voice  # noqa: E402

PHRASES = ROOT / "bench" / "voice_data" / "phrases.txt"
CLINIC = "+15550100001"
VOCABULARY = vocabulary_words(
    "Glow Med Spa",
    ["Botox", "HydraFacial", "Chemical Peel", "Laser Hair Removal", "Consultation"],
    ["Dr. Maya Patel", "Jess Kim"],
)
VOICES = {"caller-low": CALLER, "caller-high": Voice(pitch=1.12, pace=1.0, noise=0.0)}
FORMANT_VOICES = ("en-us+m3", "en-us+f3")
NOISE_SNR_DB = 15.0
STEPS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24)  # concurrent calls per capacity step (full)
TARGETS = {"wer_clean": 0.10, "p50_ms": 800, "p99_ms": 1500, "capacity_p50_ms": 1200}
CALL_TURNS = [
    "I'd like to book a HydraFacial next Wednesday at 2pm",
    "Sarah Jones",
    "yes",
    "what time do you open on Saturday",
    "is there parking nearby",
    "how much is Botox",
    "do you take insurance",
    "thank you, goodbye",
]
QUESTION_TURNS = [
    "what time do you open on Saturday",
    "how much is Botox",
    "is there parking nearby",
    "how long does a HydraFacial take",
]

# ---------------------------------------------------------------------------- (a) accuracy

_NUMBERS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirty": "30",
    "fifteen": "15", "first": "1st", "second": "2nd", "fifteenth": "15th", "eighteenth": "18th",
}  # fmt: skip
_SAME = {"dr": "doctor", "ok": "okay", "p.m.": "pm", "a.m.": "am", "o'clock": ""}


def words(text: str) -> list[str]:
    """Lower case, no punctuation, numbers as digits, "2pm" as "2 pm", "3:30" as "3 30":
    a written "2 p.m." and a spoken "two pm" are the same words."""
    text = text.lower().replace("p.m.", "pm").replace("a.m.", "am")
    text = re.sub(r"(\d)(am|pm|st|nd|rd|th)\b", r"\1 \2", text)
    text = re.sub(r"(\d):(\d\d)", r"\1 \2", text).replace("-", " ")
    out = []
    for word in re.findall(r"[a-z0-9']+", text):
        word = _SAME.get(word, word)
        word = _NUMBERS.get(word, word)
        out += [w for w in re.sub(r"(\d)(st|nd|rd|th)$", r"\1", word).split() if w]
    return [w for w in out if w not in ("", "00")]


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        previous, row[0] = row[:], i
        for j, hyp in enumerate(hypothesis, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref != hyp))
    return row[-1]


def phrases() -> list[str]:
    lines = PHRASES.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def with_noise(pcmu: bytes, snr_db: float, seed: int) -> bytes:
    """White noise at ``snr_db`` below the speech's own power, then mu-law again."""
    samples = decode(pcmu).astype(np.float64)
    voiced = samples[np.abs(samples) > 300]
    power = float(np.mean(voiced**2)) if len(voiced) else 1.0
    noise = np.random.default_rng(seed).normal(
        0, np.sqrt(power / 10 ** (snr_db / 10)), len(samples)
    )
    return encode(np.clip(samples + noise, -32768, 32767).astype(np.int16))


def accuracy(quick: bool) -> dict:
    recognizer = Recognizer()
    texts = phrases()
    voices: dict[str, object] = dict(VOICES)
    if not quick:
        voices.update({name: name for name in FORMANT_VOICES})
    results: dict[str, dict] = {}
    unsure_errors = unsure_total = 0
    seconds: list[float] = []
    for v_index, (name, voice) in enumerate(voices.items()):
        chosen = texts[v_index % 2 :: 2] if quick else texts  # quick: half each, all covered
        for condition in ("clean",) if quick else ("clean", "noise15"):
            errors = total = 0
            for p_index, text in enumerate(chosen):
                audio = piper_speak(text, voice) if isinstance(voice, Voice) else speak(text, voice)
                if condition == "noise15":
                    audio = with_noise(audio, NOISE_SNR_DB, p_index)
                heard = recognizer.transcribe(decode(audio), vocabulary=VOCABULARY)
                seconds.append(heard.seconds)
                wrong = edit_distance(words(text), words(heard.text))
                errors, total = errors + wrong, total + len(words(text))
                if heard.unsure:
                    unsure_total += 1
                    unsure_errors += wrong > 0
            results[f"{name}/{condition}"] = {"wer": round(errors / total, 3), "words": total}
    human = [v for k, v in results.items() if k.split("/")[0] in VOICES]

    def pooled(condition: str) -> float | None:
        rows = [v for k, v in results.items() if k.split("/")[0] in VOICES and condition in k]
        if not rows:
            return None
        return round(sum(r["wer"] * r["words"] for r in rows) / sum(r["words"] for r in rows), 3)

    return {
        "phrases": len(texts),
        "wer_clean": pooled("clean"),
        "wer_noise15": pooled("noise15"),
        "wer_by_voice": {k: v["wer"] for k, v in results.items()},
        "voices": len(human) and len({k.split("/")[0] for k in results}),
        "unsure_marked": unsure_total,
        "unsure_that_were_wrong": unsure_errors,
        "recognition_p50_ms": round(statistics.median(seconds) * 1000),
    }


# ---------------------------------------------------------------------------- (b-d) calls


async def one_call(
    base: str, settings, turns: list[bytes], gap_s: float, real_time: bool = False
) -> list[float]:
    """Ring the service, hold a conversation of ``turns``; the reply latencies in ms. With
    ``real_time`` the replies play at a listener's pace, so a caller speaks only after the
    answer ended, as on a real call (what the capacity steps need: calls that overlap, not
    turns that all land at once)."""
    from websockets.asyncio.client import connect

    from cli.phone_line import PhoneLine
    from cli.simulate_call import call_event, initiated, media_stream_url, post

    ccid = f"v3:bench-{uuid.uuid4().hex[:16]}"
    sender = f"+1555{random.randrange(10**6, 10**7)}"
    status, answer = await asyncio.to_thread(post, settings, base, initiated(ccid, CLINIC, sender))
    if status != 200:
        raise RuntimeError(f"call webhook refused: {status} {answer}")
    await asyncio.to_thread(post, settings, base, call_event("call.answered", ccid))
    url = media_stream_url(base, answer)
    async with connect(url, compression=None, max_size=None) as ws:
        line = PhoneLine(ws, ccid, real_time_playback=real_time)
        await line.start()
        running = asyncio.create_task(line.run())
        await line.until_answered()  # the greeting
        for index, audio in enumerate(turns):
            await asyncio.sleep(gap_s * random.random())
            answered = len(line.latencies_ms)
            line.say(audio)
            if index < len(turns) - 1:
                await line.until_answered(quiet_s=0.8)
                continue
            deadline = time.monotonic() + 15.0  # the last answer: its first frame is enough
            while len(line.latencies_ms) == answered and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        await line.hang_up()
        await asyncio.wait_for(running, 5.0)
    await asyncio.to_thread(post, settings, base, call_event("call.hangup", ccid))
    return line.latencies_ms


async def staggered(base: str, settings, turns: list[bytes], index: int) -> list[float] | None:
    """One of a step's calls: rung up to 3 s after the others, at a listener's pace; None
    when it could not be placed or held (its media socket not answered within websockets'
    10 s, a webhook refused)."""
    await asyncio.sleep(3.0 * random.random())
    try:
        return await one_call(base, settings, turns, 1.5, real_time=True)
    except Exception as error:
        print(f"call {index} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def scrape(base: str) -> str:
    with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
        return response.read().decode()


def histogram(text: str, name: str) -> dict[float, float]:
    """Cumulative bucket counts of one unlabelled histogram."""
    found = {}
    for match in re.finditer(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', text, re.M):
        found[float(match.group(1))] = float(match.group(2))
    return found


def lag_figures(before: dict, after: dict) -> dict:
    """Share of loop-lag samples within 5 ms between two scrapes, and the p99's bucket."""
    diff = {le: after.get(le, 0) - before.get(le, 0) for le in after}
    total = diff.get(float("inf"), 0)
    if not total:
        return {"loop_lag_samples": 0}
    p99_bucket = next(le for le in sorted(diff) if diff[le] >= 0.99 * total)
    return {
        "loop_lag_samples": int(total),
        "loop_lag_within_5ms": round(diff.get(0.005, 0) / total, 4),
        "loop_lag_p99_at_most_ms": p99_bucket * 1000 if p99_bucket != float("inf") else None,
    }


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 1e6


async def calls(quick: bool, steps_of: tuple[int, ...] = STEPS) -> dict:
    service = RealService("voice")
    try:
        service.wait_ready()
        _phase("service ready")
        base, settings = service.base, service.settings
        gateway = service.gateway_pid()
        script = CALL_TURNS[:3] if quick else CALL_TURNS
        spoken = [speak(text) for text in script]
        questions = [speak(text) for text in QUESTION_TURNS]
        if not quick:  # warm: models loaded, the greeting cached (quick: its own greeting)
            await one_call(base, settings, [], 0)
        before = histogram(scrape(base), "vrai_call_turn_latency_seconds")
        single: list[float] = []
        for _ in range(1 if quick else 3):
            single += await one_call(base, settings, spoken, 0.3)
        after = histogram(scrape(base), "vrai_call_turn_latency_seconds")
        idle_rss = rss_mb(gateway)  # after a whole call: models loaded, arenas grown
        _phase("one call measured")
        figures = {
            "turns_measured": len(single),
            "turn_latency_p50_ms": percentile(single, 0.5),
            "turn_latency_p99_ms": percentile(single, 0.99),
            "turn_latency_max_ms": round(max(single), 1) if single else None,
            "gateway_turn_latency_within_800ms": _share(before, after, 0.8),
        }
        steps = []
        for count in (5,) if quick else steps_of:
            lag_before = histogram(scrape(base), "vrai_event_loop_lag_seconds")
            before_rss = rss_mb(gateway)
            peak = [before_rss]

            async def watch(peak=peak) -> None:
                while True:
                    peak.append(rss_mb(gateway))
                    await asyncio.sleep(0.5)

            watcher = asyncio.create_task(watch())
            turns = questions[:1] if quick else questions
            results = await asyncio.gather(
                *(staggered(base, settings, turns, index) for index in range(count))
            )
            watcher.cancel()
            lag = lag_figures(lag_before, histogram(scrape(base), "vrai_event_loop_lag_seconds"))
            latencies = [ms for one in results if one is not None for ms in one]
            failed = sum(one is None for one in results)
            step = {
                "calls": count,
                "p50_ms": percentile(latencies, 0.5),
                "p99_ms": percentile(latencies, 0.99),
                "failed_calls": failed,
                # growth while the step's calls were up, per call; the first step also pays
                # the allocator's one-off growth (ONNX Runtime and CTranslate2 arenas)
                "rss_per_call_mb": round((max(peak) - before_rss) / count, 1),
                "rss_peak_mb": round(max(peak)),
                **lag,
            }
            steps.append(step)
            print(json.dumps(step), file=sys.stderr)
            if not _held(step):
                break
        held = [step["calls"] for step in steps if _held(step)]
        five = next((s for s in steps if s["calls"] == 5), {})
        figures.update(
            {
                "max_calls": max(held) if held else 0,
                "max_calls_tested": steps[-1]["calls"],
                "capacity_steps": steps,
                "loop_lag_within_5ms_at_5_calls": five.get("loop_lag_within_5ms"),
                "loop_lag_p99_at_most_ms_at_5_calls": five.get("loop_lag_p99_at_most_ms"),
                "memory_per_call_mb": _per_call(steps),
                "gateway_idle_rss_mb": round(idle_rss),
            }
        )
        return figures
    finally:
        _phase("measured; stopping the service")
        service.stop()


def _per_call(steps: list[dict]) -> float:
    """What one more call costs: peak RSS of the largest step over the smallest's, per call
    between them (the models are shared; one step alone also holds the allocator's growth)."""
    first, last = steps[0], steps[-1]
    if last["calls"] == first["calls"]:
        return last["rss_per_call_mb"]
    return round((last["rss_peak_mb"] - first["rss_peak_mb"]) / (last["calls"] - first["calls"]), 1)


def _held(step: dict) -> bool:
    """Every call of the step placed and held, with p50 within the target."""
    p50 = step["p50_ms"]
    return not step["failed_calls"] and p50 is not None and p50 <= TARGETS["capacity_p50_ms"]


def _share(before: dict, after: dict, le: float) -> float | None:
    total = after.get(float("inf"), 0) - before.get(float("inf"), 0)
    return round((after.get(le, 0) - before.get(le, 0)) / total, 3) if total else None


_STARTED = time.perf_counter()


def _phase(what: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:5.1f} s] {what}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer phrases and calls (~1 min)")
    parser.add_argument(
        "--steps", help="calls per capacity step, e.g. 12,16,20 (full run; default %(default)s)",
        default=",".join(map(str, STEPS)),
    )  # fmt: skip
    args = parser.parse_args()
    started = time.perf_counter()
    random.seed(7)
    figures = accuracy(args.quick)
    _phase("word error rate measured")
    steps = tuple(int(n) for n in args.steps.split(",") if n.strip())
    figures.update(asyncio.run(calls(args.quick, steps)))
    _phase("service stopped")
    figures["targets"] = TARGETS
    figures["wall_s"] = round(time.perf_counter() - started, 1)
    for key, value in figures.items():
        print(f"{key:>36}: {value}")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
