/*
 * Identity in psql comes from the database login (issue #14), proven with
 * real logins that connect with their own passwords, exactly as a colleague
 * would with psql after docs/database-access.md:
 *
 * - a staff login mapped in app_private.staff_login acts as its mapped user
 *   with its mapped roles, and sees exactly what RLS gives that user;
 * - claims a session sets itself (jwt.claims.*) change nothing, even after
 *   `set local role aquastream_member` (the forged-claims session of #14);
 * - a login without a mapping is nobody; removing the mapping revokes;
 * - an analyst login reads the app_analytics views, which answer as
 *   documented, and nothing else.
 *
 * The fixtures are committed (the logins have their own connections) by
 * committingUser()s, which the db tests' row counts leave out.
 */
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withLogin } from "../../src/db/authenticator.ts";
import { roles } from "../../src/db/roles.ts";
import { becomeUser, expectPgError, type TestUser } from "../helpers/db.ts";
import { committingUser, createBooking, createPublishedEvent, firstTier, gateway } from "../db/factories.ts";

const databaseUrl = inject("databaseUrl");
const owner = new pg.Pool({ connectionString: databaseUrl, max: 2 });
const prefix = `aq_staff_${randomBytes(4).toString("hex")}`;
const logins = {
  admin: `${prefix}_admin`,
  support: `${prefix}_support`,
  nobody: `${prefix}_nobody`,
  revoked: `${prefix}_revoked`,
  analyst: `${prefix}_analyst`,
};
const password = randomBytes(12).toString("hex");
const clients: pg.Client[] = [];

/** A real session of `login`, with its password. */
async function connect(login: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: withLogin(databaseUrl, login, password) });
  await client.connect();
  clients.push(client);
  return client;
}

const adminSub = randomUUID();
const organizer = committingUser("organizer");
const ann = committingUser("user");
const bob = committingUser("user");
let eventId = "";
let capacity = 0;
let annPayment = { id: "", amount: "" };
let bobPayment = { id: "" };

beforeAll(async () => {
  const tx = await owner.connect();
  try {
    await tx.query("begin");
    const event = await createPublishedEvent(tx, organizer);
    eventId = event.id;
    capacity = event.capacity;
    const tier = await firstTier(tx, eventId);
    const annBooking = await createBooking(tx, ann, eventId, tier.id, 2);
    const bobBooking = await createBooking(tx, bob, eventId, tier.id, 1);
    await becomeUser(tx, ann);
    const initiated = (await tx.query("select * from app_public.initiate_payment($1, 'card')", [annBooking.id])).rows[0];
    await becomeUser(tx, gateway);
    annPayment = (await tx.query("select id, amount::text from app_public.confirm_payment($1, $2)", [`gw-${initiated.id}`, initiated.id])).rows[0];
    await becomeUser(tx, organizer);
    await tx.query("select app_public.refund_payment($1, 'rain', 10)", [annPayment.id]);
    await becomeUser(tx, bob);
    bobPayment = (await tx.query("select id from app_public.initiate_payment($1, 'card')", [bobBooking.id])).rows[0];
    await tx.query("reset role");
    await tx.query("commit");
  } finally {
    tx.release();
  }

  // What a DBA does (docs/database-access.md), with the owner's connection
  // (here a superuser, which may create roles).
  const quoted = (login: string) => pg.escapeIdentifier(login);
  // Staff who manage others' rows (here the admin) are managers; the others members.
  await owner.query(`create role ${quoted(logins.admin)} login password '${password}' in role ${roles.manager}`);
  for (const login of [logins.support, logins.nobody, logins.revoked]) {
    await owner.query(`create role ${quoted(login)} login password '${password}' in role ${roles.member}`);
  }
  await owner.query(`create role ${quoted(logins.analyst)} login password '${password}' in role ${roles.analyst}`);
  await owner.query(`alter role ${quoted(logins.analyst)} set statement_timeout = '30s'`);
  await owner.query(`alter role ${quoted(logins.analyst)} set default_transaction_read_only = on`);
  await owner.query(
    `insert into app_private.staff_login (login, user_id, roles, note) values
       ($1, $2, '{admin}', 'on-call DBA'), ($3, $4, '{user}', 'support, acting as Ann'), ($5, $4, '{user}', 'to be revoked')`,
    [logins.admin, adminSub, logins.support, ann.sub, logins.revoked],
  );
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end().catch(() => {})));
  await owner.query("delete from app_private.staff_login where login like $1", [`${prefix}%`]);
  for (const login of Object.values(logins)) await owner.query(`drop role if exists ${pg.escapeIdentifier(login)}`);
  await owner.end();
});

/** The error of a statement expected to fail (outside a transaction: nothing to roll back). */
async function refusal(client: pg.Client, sql: string, params: unknown[] = []): Promise<{ code: string; message: string }> {
  try {
    await client.query(sql, params);
  } catch (error) {
    return { code: (error as pg.DatabaseError).code ?? "", message: (error as Error).message };
  }
  throw new Error(`expected an error from: ${sql}`);
}

async function identity(client: pg.Client) {
  const { rows } = await client.query(
    "select app_public.current_user_id() as id, app_public.current_user_roles() as roles, session_user::text as login",
  );
  return rows[0];
}

async function bookingsSeen(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query("select user_id from app_public.booking where event_id = $1 order by user_id", [eventId]);
  return rows.map((row) => row.user_id);
}

async function forgeClaims(client: pg.Client, who: TestUser) {
  await client.query("select set_config('jwt.claims.sub', $1, true), set_config('jwt.claims.roles', $2, true)", [
    who.sub,
    who.roles.join(","),
  ]);
}

describe("staff logins in psql", () => {
  it("a login mapped as admin acts as its mapped user with the admin role and sees every booking", async () => {
    const admin = await connect(logins.admin);
    expect(await identity(admin)).toEqual({ id: adminSub, roles: ["admin"], login: logins.admin });
    expect(await bookingsSeen(admin)).toEqual([ann.sub, bob.sub].sort());
  });

  it("a support login mapped to Ann sees Ann's booking and payment, nobody else's", async () => {
    const support = await connect(logins.support);
    expect(await identity(support)).toEqual({ id: ann.sub, roles: ["user"], login: logins.support });
    expect(await bookingsSeen(support)).toEqual([ann.sub]);
    const payments = await support.query("select id from app_public.payment where id = any($1)", [[annPayment.id, bobPayment.id]]);
    expect(payments.rows).toEqual([{ id: annPayment.id }]);
  });

  it("forged claims change nothing: not as admin, not as another user, not as the payment gateway", async () => {
    const support = await connect(logins.support);
    await support.query("begin");
    try {
      // The session of the issue: become the member role, then claim to be someone else.
      await support.query(`set local role ${roles.member}`);
      await forgeClaims(support, { sub: bob.sub, roles: ["admin"] });
      expect(await identity(support)).toEqual({ id: ann.sub, roles: ["user"], login: logins.support });
      expect((await support.query("select app_public.has_role('admin') as admin")).rows[0].admin).toBe(false);
      expect(await bookingsSeen(support)).toEqual([ann.sub]);

      await forgeClaims(support, gateway);
      const confirm = await expectPgError(support as unknown as pg.PoolClient, "select app_public.confirm_payment($1, $2)", [
        "forged",
        bobPayment.id,
      ]);
      expect(confirm.code).toBe("42501");
    } finally {
      await support.query("rollback");
    }
    const { rows } = await owner.query("select status from app_public.payment where id = $1", [bobPayment.id]);
    expect(rows[0].status).toBe("pending");
  });

  it("a login without a mapping is nobody: forged admin claims see no booking and may not act", async () => {
    const nobody = await connect(logins.nobody);
    await forgeClaims(nobody, { sub: adminSub, roles: ["admin"] });
    expect(await identity(nobody)).toEqual({ id: null, roles: [], login: logins.nobody });
    expect(await bookingsSeen(nobody)).toEqual([]);
    const create = await refusal(nobody, "select app_public.add_favorite($1)", [eventId]);
    expect(create).toMatchObject({ code: "28000", message: "sign in first" });
  });

  it("removing the mapping revokes the identity from the login's next statement", async () => {
    const revoked = await connect(logins.revoked);
    expect(await bookingsSeen(revoked)).toEqual([ann.sub]);
    await owner.query("delete from app_private.staff_login where login = $1", [logins.revoked]);
    expect(await identity(revoked)).toEqual({ id: null, roles: [], login: logins.revoked });
    expect(await bookingsSeen(revoked)).toEqual([]);
  });

  it("staff logins cannot read or change the mapping itself", async () => {
    const support = await connect(logins.support);
    expect((await refusal(support, "select * from app_private.staff_login")).code).toBe("42501");
    const insert = "insert into app_private.staff_login (login, user_id, roles) values (session_user, gen_random_uuid(), '{admin}')";
    expect((await refusal(support, insert)).code).toBe("42501");
  });
});

describe("an analyst login", () => {
  it("reads the analytics views, which answer as documented for one event", async () => {
    const analyst = await connect(logins.analyst);
    const one = async (view: string) =>
      (await analyst.query(`select * from app_analytics.${view} where event_id = $1`, [eventId])).rows;

    const [bookings] = await one("booking_daily");
    expect(bookings).toMatchObject({ bookings: "2", seats: "3", confirmed: "1", pending: "1", canceled: "0", expired: "0" });
    const organizerPseudonym = bookings.organizer as string;
    expect(organizerPseudonym).toMatch(/^[0-9a-f]{16}$/);
    expect(organizerPseudonym).not.toContain(organizer.sub.replaceAll("-", "").slice(0, 16));

    expect(await one("conversion_daily")).toEqual([
      expect.objectContaining({ bookings: "2", paid: "1", conversion: "0.5000", organizer: organizerPseudonym }),
    ]);
    const [revenue] = await one("revenue_daily");
    expect(revenue).toMatchObject({ payments: "1", organizer: organizerPseudonym });
    expect(Number(revenue.gross)).toBe(Number(annPayment.amount));
    expect(Number(revenue.refunded)).toBe(10);
    expect(Number(revenue.net)).toBe(Number(annPayment.amount) - 10);
    const [refunds] = await one("refund_daily");
    expect(refunds).toMatchObject({ refunds: "1", organizer: organizerPseudonym });
    expect(Number(refunds.amount)).toBe(10);
    const [occupancy] = await one("event_occupancy");
    expect(occupancy).toMatchObject({ seats_confirmed: "2", seats_held: "1", capacity, organizer: organizerPseudonym });
    expect(Number(occupancy.occupancy)).toBeCloseTo(2 / capacity, 4);
  });

  it("reads nothing else, writes nothing, and runs under the timeout its login was given", async () => {
    const analyst = await connect(logins.analyst);
    for (const sql of ["select 1 from app_public.booking", "select 1 from app_private.staff_login", "select 1 from app_private.analytics_key"]) {
      expect((await refusal(analyst, sql)).code).toBe("42501");
    }
    expect((await analyst.query("show statement_timeout")).rows[0].statement_timeout).toBe("30s");
    expect((await refusal(analyst, "create temp table t (x int)")).code).toBe("25006"); // read-only transaction
  });
});
