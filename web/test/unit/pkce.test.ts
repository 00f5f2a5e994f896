// PKCE and the Cognito callback, offline: RFC 7636's own example, the authorize URL, the
// callback's state check and error reporting, the token request and answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  authorizeUrl,
  base64Url,
  challengeS256,
  parseCallback,
  parseTokenResponse,
  randomVerifier,
  tokenRequestBody,
  type CognitoAuth,
} from "../../src/auth/pkce.ts";

const auth: CognitoAuth = {
  kind: "cognito",
  domain: "https://craftbean-test.auth.eu-west-1.amazoncognito.com",
  clientId: "client123",
  redirectPath: "/auth/callback",
  scopes: ["openid", "email", "profile"],
};

test("the S256 challenge matches RFC 7636 appendix B", async () => {
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  assert.equal(await challengeS256(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
});

test("verifiers are long enough, unreserved characters only, and differ", () => {
  const a = randomVerifier();
  const b = randomVerifier();
  assert.equal(a.length, 64);
  assert.match(a, /^[A-Za-z0-9\-._~]+$/);
  assert.notEqual(a, b);
  assert.equal(randomVerifier(43).length, 43);
  assert.throws(() => randomVerifier(42));
  assert.throws(() => randomVerifier(129));
});

test("base64url has no padding or URL-unsafe characters", () => {
  assert.equal(base64Url(new Uint8Array([0xfb, 0xff, 0xfe])), "-__-");
  assert.equal(base64Url(new Uint8Array([1])), "AQ");
});

test("the authorize URL asks for a code with the S256 challenge", () => {
  const url = new URL(authorizeUrl(auth, "https://app.example/auth/callback", "CHAL", "STATE"));
  assert.equal(url.origin + url.pathname, `${auth.domain}/oauth2/authorize`);
  assert.equal(url.searchParams.get("response_type"), "code");
  assert.equal(url.searchParams.get("client_id"), "client123");
  assert.equal(url.searchParams.get("redirect_uri"), "https://app.example/auth/callback");
  assert.equal(url.searchParams.get("scope"), "openid email profile");
  assert.equal(url.searchParams.get("state"), "STATE");
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("code_challenge"), "CHAL");
});

test("a callback yields the code only with the state this tab sent", () => {
  assert.deepEqual(parseCallback("?code=abc&state=s1", "s1"), { ok: true, code: "abc" });
  assert.equal(parseCallback("?code=abc&state=s2", "s1").ok, false);
  assert.equal(parseCallback("?code=abc&state=s1", null).ok, false);
  assert.equal(parseCallback("?state=s1", "s1").ok, false);
  const denied = parseCallback("?error=access_denied&error_description=User+cancelled&state=s1", "s1");
  assert.deepEqual(denied, { ok: false, reason: "access_denied: User cancelled" });
});

test("the token request carries the code, the redirect URI and the verifier", () => {
  const body = tokenRequestBody(auth, "abc", "https://app.example/auth/callback", "VER");
  assert.equal(body.get("grant_type"), "authorization_code");
  assert.equal(body.get("client_id"), "client123");
  assert.equal(body.get("code"), "abc");
  assert.equal(body.get("redirect_uri"), "https://app.example/auth/callback");
  assert.equal(body.get("code_verifier"), "VER");
});

test("a token answer becomes an access token with its expiry", () => {
  assert.deepEqual(parseTokenResponse({ access_token: "t", id_token: "i", expires_in: 3600, token_type: "Bearer" }, 1000), {
    accessToken: "t",
    expiresAt: 1000 + 3_600_000,
  });
  assert.throws(() => parseTokenResponse({ error: "invalid_grant" }, 0));
  assert.throws(() => parseTokenResponse(null, 0));
});
