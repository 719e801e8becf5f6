/*
 * `npm run -s token -- --role organizer [--role user] [--sub <uuid>] [--ttl 3600]`
 *
 * Prints a development token (and nothing else) on stdout, so
 * `TOKEN=$(npm run -s token -- --role organizer)` works. Only for the embedded
 * default: with KEYCLOAK_ISSUER set the service would refuse these tokens, so
 * this refuses to make them. Usage errors exit with code 2.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config/env.ts";
import { isRole, isUuid, knownRoles, type Role } from "./claims.ts";
import { DEV_DEFAULT_TTL_SECONDS, loadDevIssuer } from "./dev-issuer.ts";

const usage = `Usage: npm run -s token -- --role <role> [--role <role>…] [--sub <uuid>] [--ttl <seconds>]
  --role  one of ${knownRoles.join(", ")} (repeat for several roles)
  --sub   user id (uuid); default: a fixed id per role, so tokens act as the same person
  --ttl   lifetime in seconds; default ${DEV_DEFAULT_TTL_SECONDS} (12 h)`;

function fail(message: string, code = 2): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { role?: string[]; sub?: string; ttl?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: "string", multiple: true },
        sub: { type: "string" },
        ttl: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }

  const roles = values.role ?? [];
  if (roles.length === 0) fail(`--role is required\n${usage}`);
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0) fail(`unknown role "${unknown.join('", "')}"; expected one of ${knownRoles.join(", ")}`);
  if (values.sub !== undefined && !isUuid(values.sub)) fail(`--sub must be a uuid, got "${values.sub}"`);
  let ttlSeconds: number | undefined;
  if (values.ttl !== undefined) {
    if (!/^\d+$/.test(values.ttl) || Number(values.ttl) === 0) fail(`--ttl must be a positive whole number of seconds, got "${values.ttl}"`);
    ttlSeconds = Number(values.ttl);
  }

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (!config.devIssuer) {
    fail("KEYCLOAK_ISSUER is set, so the service accepts only Keycloak tokens and would refuse a development token; get one from Keycloak instead (or unset KEYCLOAK_ISSUER)");
  }
  if (config.nodeEnv === "production") fail("refused: NODE_ENV=production (the development issuer is never used there)");

  try {
    const issuer = loadDevIssuer(config);
    const token = await issuer.signDevToken({ role: roles as Role[], sub: values.sub, ttlSeconds });
    process.stdout.write(`${token}\n`);
  } catch (err) {
    fail((err as Error).message);
  }
}

await main();
