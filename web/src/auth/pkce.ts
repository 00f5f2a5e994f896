// Authorization-code flow with PKCE (RFC 7636, S256) against Cognito's hosted UI: the pure
// parts (verifier, challenge, authorize URL, callback parsing, token request), unit-tested in
// test/unit/pkce.test.ts. No DOM: `crypto` is the Web Crypto API (browsers and Node 20).

/** Cognito settings from /app-config.json (`auth.kind == "cognito"`). */
export interface CognitoAuth {
  kind: "cognito";
  domain: string;
  clientId: string;
  redirectPath: string;
  scopes: string[];
}

const UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/** A random string of `length` unreserved characters (RFC 7636 §4.1: 43 to 128). */
export function randomVerifier(length = 64): string {
  if (length < 43 || length > 128) throw new RangeError("a PKCE verifier is 43 to 128 characters");
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  // Bytes past the largest multiple of the alphabet size are dropped, so every character is
  // equally likely.
  const limit = 256 - (256 % UNRESERVED.length);
  for (let i = 0; out.length < length; i++) {
    if (i >= bytes.length) {
      crypto.getRandomValues(bytes);
      i = 0;
    }
    const b = bytes[i]!;
    if (b < limit) out += UNRESERVED[b % UNRESERVED.length];
  }
  return out;
}

/** base64url without padding. */
export function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The S256 challenge: base64url(SHA-256(ASCII(verifier))). */
export async function challengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** The hosted UI's authorize URL for this request. */
export function authorizeUrl(
  auth: CognitoAuth,
  redirectUri: string,
  challenge: string,
  state: string,
): string {
  const url = new URL("/oauth2/authorize", auth.domain);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", auth.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", auth.scopes.join(" "));
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("code_challenge", challenge);
  return url.toString();
}

/** What came back to the redirect path. */
export type Callback =
  | { ok: true; code: string }
  | { ok: false; reason: string };

/** Reads the redirect's query: the code when the state matches, else why not. */
export function parseCallback(search: string, expectedState: string | null): Callback {
  const params = new URLSearchParams(search);
  const error = params.get("error");
  if (error) {
    const description = params.get("error_description");
    return { ok: false, reason: description ? `${error}: ${description}` : error };
  }
  const state = params.get("state");
  if (!expectedState || state !== expectedState) {
    return { ok: false, reason: "the sign-in response does not belong to this browser tab" };
  }
  const code = params.get("code");
  if (!code) return { ok: false, reason: "the sign-in response has no code" };
  return { ok: true, code };
}

/** The token request body (application/x-www-form-urlencoded). */
export function tokenRequestBody(
  auth: CognitoAuth,
  code: string,
  redirectUri: string,
  verifier: string,
): URLSearchParams {
  return new URLSearchParams({
    grant_type: "authorization_code",
    client_id: auth.clientId,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

/** The token endpoint's answer, as much as the app uses. */
export interface TokenSet {
  accessToken: string;
  expiresAt: number;
}

/** Reads a token endpoint answer; `now` in epoch milliseconds. */
export function parseTokenResponse(body: unknown, now: number): TokenSet {
  if (typeof body !== "object" || body === null) throw new Error("the token answer is not JSON");
  const b = body as Record<string, unknown>;
  if (typeof b.access_token !== "string" || typeof b.expires_in !== "number") {
    throw new Error("the token answer lacks access_token or expires_in");
  }
  return { accessToken: b.access_token, expiresAt: now + b.expires_in * 1000 };
}
