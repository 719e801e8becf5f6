/*
 * GET /tickets/public-key: the key scanner apps verify ticket tokens with,
 * public (no token needed), as a JWK set without any private part.
 */
import { describe, expect, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";

const api = useTestApi();

describe("ticket token public key", () => {
  it("is served unauthenticated as an Ed25519 JWK set", async () => {
    const res = await fetch(`${api.url}/tickets/public-key`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(typeof body.keys[0]!.x).toBe("string");
    expect(body.keys[0]).not.toHaveProperty("d");
  });
});
