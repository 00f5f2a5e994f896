// Who is signed in: the access token kept in sessionStorage (this tab only, gone when it
// closes), and the two ways to get one: the local server's development sign-in, or Cognito's
// hosted UI with the authorization-code flow and PKCE.
import type { AppConfig } from "../config.ts";
import {
  authorizeUrl,
  challengeS256,
  parseCallback,
  parseTokenResponse,
  randomVerifier,
  tokenRequestBody,
  type CognitoAuth,
  type TokenSet,
} from "./pkce.ts";

const TOKEN_KEY = "craftbean.session";
const PENDING_KEY = "craftbean.pkce";

export interface Session extends TokenSet {
  /** The name typed at development sign-in (none for Cognito). */
  label: string | null;
}

type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(TOKEN_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return s.expiresAt > Date.now() + 10_000 ? s : null;
  } catch {
    return null;
  }
}

function store(s: Session | null): void {
  if (s) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(TOKEN_KEY);
  for (const l of listeners) l(s);
}

export function onSessionChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function signOut(): void {
  store(null);
}

/** Development sign-in (local server only): a token for the name typed. */
export async function devSignIn(sub: string): Promise<void> {
  const res = await fetch("/_dev/sign-in", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    const params = (body.invalidParams as { name: string; reason: string }[] | undefined) ?? [];
    throw new Error(
      params.length
        ? `The name ${params.map((p) => p.reason).join("; ")}.`
        : String(body.detail ?? "Sign-in failed."),
    );
  }
  store({
    accessToken: String(body.accessToken),
    expiresAt: Date.now() + Number(body.expiresIn) * 1000,
    label: sub,
  });
}

function redirectUri(auth: CognitoAuth): string {
  return new URL(auth.redirectPath, location.origin).toString();
}

/** Cognito: to the hosted UI, back at `auth.redirectPath` with a code. */
export async function startCognitoSignIn(auth: CognitoAuth, returnTo: string): Promise<void> {
  const verifier = randomVerifier();
  const state = randomVerifier(43);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  location.assign(authorizeUrl(auth, redirectUri(auth), await challengeS256(verifier), state));
}

/** Cognito: the redirect's code exchanged for tokens; answers where to go next. */
export async function finishCognitoSignIn(auth: CognitoAuth, search: string): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as {
    verifier: string;
    state: string;
    returnTo: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  const callback = parseCallback(search, pending?.state ?? null);
  if (!callback.ok || !pending) throw new Error(callback.ok ? "No sign-in was started here." : callback.reason);
  const res = await fetch(new URL("/oauth2/token", auth.domain), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: tokenRequestBody(auth, callback.code, redirectUri(auth), pending.verifier),
  });
  if (!res.ok) throw new Error(`Sign-in failed (${res.status}).`);
  store({ ...parseTokenResponse(await res.json(), Date.now()), label: null });
  return pending.returnTo || "/";
}

export function isCognito(config: AppConfig): config is AppConfig & { auth: CognitoAuth } {
  return config.auth.kind === "cognito";
}
