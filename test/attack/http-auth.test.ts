/*
 * Attack: Authorization header edge cases on the real HTTP server. Two
 * Authorization headers (a valid token first, anything second) used to run
 * as the first; they are refused with 401 and the reason. An empty bearer
 * token is refused too (never anonymous).
 */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { committingUser } from "../db/factories.ts";
import { post } from "./helpers.ts";

/** POST /graphql with these raw header lines (node:http sends repeated names as separate lines). */
function rawPost(url: string, headers: [string, string][], body: string): Promise<{ status: number; text: string }> {
  const target = new URL(`${url}/graphql`);
  const flat: string[] = [
    ["content-type", "application/json"],
    ["host", target.host],
    ["accept", "application/json"],
    ["content-length", String(Buffer.byteLength(body))],
    ...headers,
  ].flat();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: flat },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("attack: Authorization header edge cases (HTTP)", () => {
  const api = useTestApi();
  const WHO = JSON.stringify({ query: "{ currentUserId }" });

  it("one valid header is served as that user (control)", async () => {
    const user = committingUser("user");
    const answer = await rawPost(api.url, [["authorization", `Bearer ${await api.token(user)}`]], WHO);
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ data: { currentUserId: user.sub } });
  });

  it("two Authorization headers → 401 with the reason, whichever comes first", async () => {
    const user = committingUser("user");
    const token = await api.token(user);
    for (const headers of [
      [["authorization", `Bearer ${token}`], ["authorization", "Bearer forged"]],
      [["authorization", "Bearer forged"], ["authorization", `Bearer ${token}`]],
      [["authorization", `Bearer ${token}`], ["authorization", `Bearer ${token}`]],
    ] as [string, string][][]) {
      const answer = await rawPost(api.url, headers, WHO);
      expect(answer.status, answer.text).toBe(401);
      expect(JSON.parse(answer.text).errors[0]).toMatchObject({
        message: expect.stringMatching(/one authorization header/),
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
  });

  it("an empty bearer token → 401, never anonymous", async () => {
    for (const value of ["Bearer ", "Bearer", ""]) {
      const answer = await post(api.url, { query: "{ currentUserId }" }, { authorization: value });
      expect(answer.status, JSON.stringify(value)).toBe(401);
    }
  });
});
