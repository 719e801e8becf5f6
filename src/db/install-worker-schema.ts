/*
 * graphile-migrate `afterReset` action: installs graphile-worker's schema into
 * the freshly created database (GM_DBURL is set by graphile-migrate).
 */
import { installWorkerSchema } from "./migrations.ts";

const url = process.env.GM_DBURL;
if (!url) {
  console.error("GM_DBURL is not set: this script is run by graphile-migrate");
  process.exit(2);
}
await installWorkerSchema(url);
