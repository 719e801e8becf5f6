/*
 * The realm's signing keys, held as one set that is replaced whole on every
 * fetch, so a key Keycloak stops publishing stops being trusted at the next
 * fetch (jwks-rsa's own cache keeps each kid for its full max age, however
 * often the JWKS is fetched in between).
 *
 * When the set is fetched:
 *   - on first use, and when it is older than maxAgeMs: picks up added and
 *     removed keys; a failed fetch keeps the old set for staleGraceMs more, so
 *     a Keycloak restart does not turn into 503s;
 *   - for a kid the set lacks (a key rotation): at once, or, when the last
 *     fetch was less than minRefetchMs ago, as soon as that interval is over.
 *     Concurrent callers share one fetch, so a stream of made-up kids costs at
 *     most one JWKS request per interval, and a real new key is never refused
 *     for arriving right after another fetch: it waits at most minRefetchMs.
 *
 * Errors: AuthError("unknown signing key") when the fresh set lacks the kid
 * (401), AuthUnavailableError when keys cannot be had (503).
 */
import type { SigningKey } from "jwks-rsa";
import { logger } from "../log/logger.ts";
import { AuthError, AuthUnavailableError } from "./errors.ts";

export interface KeySetOptions {
  /** Fetches and parses the JWKS (signing keys only). */
  fetchKeys: () => Promise<SigningKey[]>;
  /** A set older than this is fetched again before use. */
  maxAgeMs: number;
  /** An unknown kid fetches again at most this often. */
  minRefetchMs: number;
  /** How long past maxAgeMs an old set stays usable while fetching fails. */
  staleGraceMs: number;
}

export interface KeySet {
  /** The key for a kid, fetching the JWKS when needed (see above). */
  get(kid: string): Promise<SigningKey>;
  /** How many JWKS fetches were started (for logs and tests). */
  readonly fetches: number;
}

export function createKeySet(options: KeySetOptions): KeySet {
  let keys: Map<string, SigningKey> | undefined;
  let fetchedAt = 0; // when the current set arrived
  let attemptedAt = -Infinity; // when the last fetch started
  let failedAt = -Infinity; // when the last fetch failed
  let failure: unknown;
  let pending: Promise<void> | undefined;
  let fetches = 0;

  /** One fetch at a time, started no earlier than minRefetchMs after the last one. */
  function refresh(): Promise<void> {
    pending ??= (async () => {
      const wait = attemptedAt + options.minRefetchMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      attemptedAt = Date.now();
      fetches += 1;
      try {
        const fetched = await options.fetchKeys();
        keys = new Map(fetched.map((key) => [key.kid, key]));
        fetchedAt = Date.now();
      } catch (err) {
        failedAt = Date.now();
        failure = err;
        throw err;
      }
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  function unavailable(err: unknown): AuthUnavailableError {
    logger.warn({ err }, "JWKS fetch failed; cannot verify tokens now");
    return new AuthUnavailableError("cannot verify token now: signing keys unavailable", { cause: err });
  }

  async function get(kid: string): Promise<SigningKey> {
    if (keys === undefined || Date.now() - fetchedAt >= options.maxAgeMs || !keys.has(kid)) {
      try {
        // Right after a failed fetch, answer from what we have instead of
        // queueing every request behind the retry interval.
        if (Date.now() - failedAt < options.minRefetchMs) throw failure;
        await refresh();
      } catch (err) {
        // Keycloak briefly unreachable: a key we already trust stays usable for the grace period.
        const usable = keys?.has(kid) === true && Date.now() - fetchedAt < options.maxAgeMs + options.staleGraceMs;
        if (!usable) throw unavailable(err);
        logger.warn({ err, ageMs: Date.now() - fetchedAt }, "JWKS refresh failed; using the previous keys for now");
      }
    }
    const key = keys?.get(kid);
    if (!key) throw new AuthError("unknown signing key");
    return key;
  }

  return {
    get,
    get fetches() {
      return fetches;
    },
  };
}
