/*
 * The realm's signing keys, held as one set that is replaced whole on every
 * fetch, so a key Keycloak stops publishing stops being trusted at the next
 * fetch (jwks-rsa's own cache keeps each kid for its full max age, however
 * often the JWKS is fetched in between).
 *
 * When the set is fetched:
 *   - on first use, and when it is older than maxAgeMs: picks up added and
 *     removed keys;
 *   - for a kid the set lacks (a key rotation): at once, or, when the last
 *     fetch started less than minRefetchMs ago, as soon as that interval is
 *     over. Concurrent callers share one fetch, so a stream of made-up kids
 *     costs at most one JWKS request per interval, and a real new key is never
 *     refused for arriving right after another fetch: it waits at most
 *     minRefetchMs, once.
 * A kid missing from a fetch that started after it was first asked for is
 * refused at once until minRefetchMs have passed since that fetch (then it may
 * fetch again), so tokens of a removed key, or made-up kids sent again, wait
 * for nothing; a proxy that served a stale JWKS delays a new key by one
 * interval, not one max age.
 *
 * Keycloak unreachable: a set older than maxAgeMs stays usable for
 * staleGraceMs more, so a Keycloak restart does not turn into 503s; right
 * after a failed fetch, callers are answered from what is held instead of
 * queueing behind the retry interval.
 *
 * Errors: AuthError("unknown signing key") when the kid is not in a set
 * fetched after it was asked for (401), AuthUnavailableError when keys
 * cannot be had (503).
 */
import type { SigningKey } from "jwks-rsa";
import { logger } from "../log/logger.ts";
import { AuthError, AuthUnavailableError } from "./errors.ts";

export interface KeySetOptions {
  /** Fetches and parses the JWKS (signing keys only). */
  fetchKeys: () => Promise<SigningKey[]>;
  /** A set older than this is fetched again before use. */
  maxAgeMs: number;
  /** A fetch starts at most this long after the previous one started. */
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

/** Kids looked for but not (yet) found; cleared when it grows past this (made-up kids). */
const maxAskedKids = 1000;

export function createKeySet(options: KeySetOptions): KeySet {
  let keys: Map<string, SigningKey> | undefined;
  let fetchedAt = 0; // when the current set arrived
  let setStartedAt = -Infinity; // when the fetch that brought the current set started
  let startedAt = -Infinity; // when the last fetch started
  let failedAt = -Infinity; // when the last fetch failed
  let failure: unknown;
  let pending: Promise<void> | undefined;
  let fetches = 0;
  const askedAt = new Map<string, number>(); // kid → when a fetch was first needed for it

  /** One fetch at a time, started no earlier than minRefetchMs after the last one. */
  function refresh(): Promise<void> {
    pending ??= (async () => {
      const wait = startedAt + options.minRefetchMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const started = Date.now();
      startedAt = started;
      fetches += 1;
      try {
        const fetched = await options.fetchKeys();
        keys = new Map(fetched.map((key) => [key.kid, key]));
        fetchedAt = Date.now();
        setStartedAt = started;
        for (const kid of keys.keys()) askedAt.delete(kid);
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

  /** True when the current set was fetched after this kid was first looked for. */
  const lookedFor = (kid: string) => setStartedAt >= (askedAt.get(kid) ?? Infinity);

  async function get(kid: string): Promise<SigningKey> {
    const fresh = keys !== undefined && Date.now() - fetchedAt < options.maxAgeMs;
    const known = keys?.has(kid) === true;
    if (fresh && known) return keys!.get(kid)!;
    // Looked for in a fetch this recent: refuse without waiting for the next one.
    if (!known && fresh && lookedFor(kid) && Date.now() - setStartedAt < options.minRefetchMs) {
      throw new AuthError("unknown signing key");
    }
    if (!askedAt.has(kid)) {
      if (askedAt.size >= maxAskedKids) askedAt.clear();
      askedAt.set(kid, Date.now()); // removed again by a fetch that has it
    }
    try {
      // Right after a failed fetch, answer from what we have instead of
      // queueing every request behind the retry interval.
      if (Date.now() - failedAt < options.minRefetchMs) throw failure;
      await refresh();
      // A fetch already under way may have started before this kid existed: look once more.
      if (!keys!.has(kid) && !lookedFor(kid)) await refresh();
    } catch (err) {
      // Keycloak briefly unreachable: a key we already trust stays usable for the grace period.
      const usable = keys?.has(kid) === true && Date.now() - fetchedAt < options.maxAgeMs + options.staleGraceMs;
      if (!usable) throw unavailable(err);
      logger.warn({ err, ageMs: Date.now() - fetchedAt }, "JWKS refresh failed; using the previous keys for now");
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
