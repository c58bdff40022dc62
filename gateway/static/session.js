// The login and every API call. Tokens live in sessionStorage (this tab only, gone when it
// closes). The access token is renewed a minute before it expires, and once more on a 401;
// a refresh token works once, so only one refresh is ever in flight.

const KEY = "vrai.session";
const EARLY_S = 60; // renew this long before the access token expires

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let session = read();
let refreshing = null;
let timer = null;
const listeners = { renewed: new Set(), ended: new Set() };

function read() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return stored && stored.access_token && stored.refresh_token && stored.user ? stored : null;
  } catch {
    return null;
  }
}

function keep(tokens) {
  session = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
    user: tokens.user,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  schedule();
}

function forget() {
  session = null;
  sessionStorage.removeItem(KEY);
  clearTimeout(timer);
}

function schedule() {
  clearTimeout(timer);
  if (!session) return;
  const wait = Math.max(5_000, session.expires_at - Date.now() - EARLY_S * 1000);
  timer = setTimeout(() => renew().catch(() => {}), wait);
}

export const user = () => session?.user ?? null;
export const accessToken = () => session?.access_token ?? null;
export const on = (what, listener) => listeners[what].add(listener);

/** Resume a session kept in this tab (a reload); true when there is one. */
export function resume() {
  if (!session) return false;
  schedule();
  return true;
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "The server could not be reached.");
  }
  return answer(response);
}

async function answer(response) {
  let body = null;
  if (response.status !== 204) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (response.ok) return body;
  const error = body?.error ?? {};
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  throw new ApiError(
    response.status,
    error.code ?? "error",
    error.message ?? `HTTP ${response.status}`,
    retryAfter,
  );
}

export async function login(email, password, clinic) {
  const body = { email, password };
  if (clinic) body.clinic = clinic;
  keep(await post("/api/auth/login", body));
  return session.user;
}

/** The next tokens; a failure ends the session (the refresh token is spent or revoked). */
export function renew() {
  if (!session) return Promise.reject(new ApiError(401, "unauthorized", "Not signed in."));
  refreshing ??= post("/api/auth/refresh", { refresh_token: session.refresh_token })
    .then((tokens) => {
      keep(tokens);
      listeners.renewed.forEach((f) => f());
    })
    .catch((error) => {
      if (error.status === 401 || error.status === 400) end("Your session ended; sign in again.");
      throw error;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Renew now if the access token has expired or is about to. */
export async function fresh() {
  if (session && session.expires_at - Date.now() < EARLY_S * 1000) await renew();
}

function end(reason) {
  if (!session) return;
  forget();
  listeners.ended.forEach((f) => f(reason));
}

export async function logout() {
  const token = session?.refresh_token;
  forget();
  if (token) await post("/api/auth/logout", { refresh_token: token }).catch(() => {});
  listeners.ended.forEach((f) => f(""));
}

/** GET/POST an /api route as the signed-in user: the parsed JSON, or an ApiError. */
export async function api(path, { method = "GET", body, query } = {}) {
  const url = query ? `${path}?${new URLSearchParams(query)}` : path;
  const send = async () => {
    if (!session) throw new ApiError(401, "unauthorized", "Not signed in.");
    const headers = { Authorization: `Bearer ${session.access_token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      return await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "network", "The server could not be reached.");
    }
  };
  let response = await send();
  if (response.status === 401 && session) {
    await renew(); // ends the session itself when the refresh token is refused
    response = await send();
  }
  return answer(response);
}
