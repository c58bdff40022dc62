// Live dashboard events over Server-Sent Events. EventSource cannot send headers, so the token
// rides in ?token=. It resends Last-Event-ID itself when it reconnects; when the stream has to
// be opened anew (a renewed token, or the gateway refused a stale one) the last id seen goes
// in ?last_event_id= so that no event is missed in between.

import { accessToken, fresh } from "./session.js";

// EventSource delivers a named event only to a listener for that name: these are the names
// the gateway sends (store/events.py callers). Anything unnamed arrives as "message".
export const EVENT_TYPES = [
  "appointment.booked",
  "appointment.moved",
  "appointment.cancelled",
  "appointment.no_show",
  "appointment.updated",
  "appointment.confirmed",
  "deposit.paid",
  "deposit.refunded",
  "deposit.payment_failed",
  "message.received",
  "message.sent",
  "message.queued",
  "message.taken",
  "message.uncertain",
  "thread.paused",
  "thread.resumed",
  "thread.flagged",
  "thread.updated",
  "call.started",
  "call.transcript",
  "call.ended",
  "call.missed",
  "call.text_back",
  "conversation.transfer_requested",
  "reminder.sent",
  "waitlist.joined",
  "waitlist.offered",
  "waitlist.accepted",
  "waitlist.declined",
  "waitlist.expired",
  "waitlist.withdrawn",
  "waitlist.removed",
  "customer.created",
  "customer.updated",
  "actor.restarted",
  "actor.failed",
];

let source = null;
let started = false;
let lastId = null;
let retry = null;
let backoffMs = 1000;
let handlers = { event: () => {}, state: () => {} };

function setState(state) {
  handlers.state(state);
}

function deliver(message) {
  if (message.lastEventId) lastId = message.lastEventId;
  let event;
  try {
    event = JSON.parse(message.data);
  } catch {
    return;
  }
  handlers.event(event.type || message.type, event.data || {}, event);
}

function open() {
  close();
  if (!started) return;
  const token = accessToken();
  if (!token) return;
  const query = new URLSearchParams({ token });
  if (lastId) query.set("last_event_id", lastId);
  const stream = new EventSource(`/api/events?${query}`);
  source = stream;
  setState("connecting");
  stream.onopen = () => {
    backoffMs = 1000;
    setState("live");
  };
  stream.onerror = () => {
    if (stream !== source) return;
    setState("reconnecting");
    if (stream.readyState === EventSource.CLOSED) reopenLater(); // refused: not retried by itself
  };
  stream.onmessage = deliver;
  for (const type of EVENT_TYPES) stream.addEventListener(type, deliver);
}

function reopenLater() {
  clearTimeout(retry);
  retry = setTimeout(async () => {
    try {
      await fresh(); // a refusal is most often an expired token
    } catch {
      /* the session ended, or the gateway is down: open() below finds out */
    }
    open();
  }, backoffMs);
  backoffMs = Math.min(backoffMs * 2, 30_000);
}

function close() {
  clearTimeout(retry);
  if (source) {
    source.onerror = null;
    source.close();
    source = null;
  }
}

export function start(onEvent, onState) {
  handlers = { event: onEvent, state: onState };
  started = true;
  open();
}

/** Open the stream again with the current token, carrying on from the last event seen. */
export function restart() {
  if (started) open();
}

export function stop() {
  started = false;
  close();
  lastId = null;
  setState("offline");
}
