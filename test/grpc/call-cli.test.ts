/*
 * `npm run grpc` (src/grpc/call-cli.ts), the grpcurl stand-in docs/grpc.md
 * uses: proto3 JSON in, proto3 JSON out, refusals with their status on
 * stderr and exit code 1, against a real server.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { committingUser } from "../db/factories.ts";
import { useGrpcApi } from "./helpers.ts";

const exec = promisify(execFile);
const api = useGrpcApi();

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec("tsx", ["src/grpc/call-cli.ts", "--address", `127.0.0.1:${api.port}`, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe("npm run grpc", () => {
  it("sends snake_case JSON with RFC 3339 times and prints the answer as camelCase JSON", async () => {
    const organizer = committingUser("organizer");
    const token = (await api.metadataFor(organizer)).get("authorization")[0]!.toString();
    const created = await cli(
      "-H",
      `authorization: ${token}`,
      "CreateEvent",
      JSON.stringify({
        title: "Diving at Cape Tarkhankut",
        category: "diving",
        location_name: "Tarkhankut",
        starts_at: "2033-07-10T05:00:00Z",
        ends_at: "2033-07-10T08:00:00Z",
        capacity: 4,
        price_tiers: [{ name: "Standard", price: "9000", currency: "RUB" }],
      }),
    );
    expect(created.code).toBe(0);
    const event = JSON.parse(created.stdout).event;
    expect(event).toMatchObject({
      title: "Diving at Cape Tarkhankut",
      locationName: "Tarkhankut",
      startsAt: "2033-07-10T05:00:00.000Z",
      status: "EVENT_STATUS_DRAFT",
      organizerId: organizer.sub,
      priceTiers: [expect.objectContaining({ price: "9000.00" })],
    });
  });

  it("a refusal: status, message, SQLSTATE and field on stderr, exit code 1", async () => {
    const refused = await cli("GetBooking", '{"id": "not-a-uuid"}');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toEqual({
      code: "INVALID_ARGUMENT",
      message: 'id must be a uuid, got "not-a-uuid"',
      sqlstate: "22023",
      field: "id",
    });
    const anonymous = await cli("ListBookings");
    expect(JSON.parse(anonymous.stderr)).toMatchObject({ code: "UNAUTHENTICATED", sqlstate: "28000" });
  });

  it("an unknown method is a usage error (exit 2)", async () => {
    const result = await cli("NoSuchMethod");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no method NoSuchMethod");
  });
});
