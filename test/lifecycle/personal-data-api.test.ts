/*
 * A person's export and erasure over both transports (GraphQL over HTTP,
 * gRPC over a real connection), the same SQL functions: the answers, the
 * refusals for someone else's data and for malformed ids, idempotency.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { committingUser, createPublishedEvent } from "../db/factories.ts";
import { becomeUser, testPool, withCommittedTx } from "../helpers/db.ts";
import { useTestApi } from "../helpers/api.ts";
import { errorCode, useGrpcApi } from "../grpc/helpers.ts";

const http = useTestApi();
const rpc = useGrpcApi();

/** A person with one favorite (committed, so both servers see it). */
async function personWithFavorite() {
  const person = committingUser("user");
  return withCommittedTx(testPool(), async (tx) => {
    const event = await createPublishedEvent(tx, committingUser("organizer"), { title: "Kayaks on the Katun" });
    await becomeUser(tx, person);
    await tx.query("select app_public.add_favorite($1)", [event.id]);
    return { person, event };
  });
}

describe("exportUserData / ExportUserData", () => {
  it("answers the person's data over GraphQL and gRPC, the same document", async () => {
    const { person, event } = await personWithFavorite();
    const viaGraphql = await http.graphql<{ exportUserData: Record<string, any> }>(
      "query($id: UUID!) { exportUserData(userId: $id) }",
      { id: person.sub },
      person,
    );
    expect(viaGraphql.errors).toBeUndefined();
    expect(viaGraphql.data!.exportUserData.favorites.map((f: any) => f.event_id)).toEqual([event.id]);

    const viaGrpc = await rpc.call(rpc.client.exportUserData, { userId: person.sub }, person);
    expect(viaGrpc.error).toBeUndefined();
    const doc = JSON.parse(viaGrpc.response!.json);
    expect({ ...doc, exportedAt: undefined }).toEqual({ ...viaGraphql.data!.exportUserData, exportedAt: undefined });
  });

  it("refuses someone else's data (42501 / PERMISSION_DENIED) and a malformed id (INVALID_ARGUMENT)", async () => {
    const { person } = await personWithFavorite();
    const stranger = committingUser("user");
    const viaGraphql = await http.graphql("query($id: UUID!) { exportUserData(userId: $id) }", { id: person.sub }, stranger);
    expect(viaGraphql.errors?.[0]?.extensions?.code).toBe("42501");
    const viaGrpc = await rpc.call(rpc.client.exportUserData, { userId: person.sub }, stranger);
    expect(viaGrpc.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const malformed = await rpc.call(rpc.client.exportUserData, { userId: "not-a-uuid" }, person);
    expect(malformed.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe("eraseUserData / EraseUserData", () => {
  it("erases over GraphQL, then gRPC finds nothing left (idempotent); both announce", async () => {
    const { person } = await personWithFavorite();
    const first = await http.graphql<{ eraseUserData: { result: { userId: string; erased: Record<string, number> } } }>(
      "mutation($id: UUID!) { eraseUserData(input: { userId: $id }) { result } }",
      { id: person.sub },
      person,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.eraseUserData.result).toMatchObject({ userId: person.sub, erased: { favorites: 1 } });

    const second = await rpc.call(rpc.client.eraseUserData, { userId: person.sub }, person);
    expect(second.error).toBeUndefined();
    expect(second.response!.userId).toBe(person.sub);
    expect(Object.values(second.response!.erased!).every((n) => n === 0)).toBe(true);

    const { rows } = await rpc.pool.query(
      "select count(*)::int as n from app_private.outbox where event_type = 'UserDataErased' and aggregate_id = $1",
      [person.sub],
    );
    expect(rows[0].n).toBe(2);
  });

  it("refuses another user's erasure over gRPC with PERMISSION_DENIED and the SQLSTATE, erasing nothing", async () => {
    const { person } = await personWithFavorite();
    const result = await rpc.call(rpc.client.eraseUserData, { userId: person.sub }, committingUser("user"));
    expect(result.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(errorCode(result.error!)).toBe("42501");
    const { rows } = await rpc.pool.query("select count(*)::int as n from app_public.favorite where user_id = $1", [person.sub]);
    expect(rows[0].n).toBe(1);
  });
});
