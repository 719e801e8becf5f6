/*
 * `npm run -s grpc -- [-H 'name: value']… [--address host:port] <Method> ['<json>']`
 *
 * Calls one EventService RPC and prints the answer as proto3 JSON, the same
 * JSON grpcurl reads and writes (snake_case or camelCase field names, enum
 * names, RFC 3339 timestamps), for machines without grpcurl. It encodes
 * with the generated code (src/gen), so it needs no reflection. A refusal
 * prints the status, message and the aquastream-error-* metadata and exits 1.
 *
 *   npm run -s grpc -- ListEvents '{"page_size": 5}'
 *   npm run -s grpc -- -H "authorization: Bearer $(npm run -s token -- --role user)" ListBookings
 */
import * as grpc from "@grpc/grpc-js";
import * as gen from "../gen/aquastream/event/v1/event_service.ts";

interface JsonCodec {
  fromJSON(object: unknown): unknown;
  toJSON(message: unknown): unknown;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run -s grpc -- [-H 'name: value']… [--address host:port] <Method> ['<json>']`);
  console.error(`methods: ${Object.values(gen.EventServiceService).map((m) => m.path.split("/").pop()).join(", ")}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const metadata = new grpc.Metadata();
let address = `127.0.0.1:${process.env.GRPC_PORT ?? "50051"}`;
while (args[0]?.startsWith("-")) {
  const flag = args.shift()!;
  const value = args.shift() ?? usage(`${flag} needs a value`);
  if (flag === "-H") {
    const colon = value.indexOf(":");
    if (colon < 1) usage(`-H wants "name: value", got "${value}"`);
    metadata.add(value.slice(0, colon).trim().toLowerCase(), value.slice(colon + 1).trim());
  } else if (flag === "--address") address = value;
  else usage(`unknown option ${flag}`);
}
const [methodName, body = "{}"] = args;
if (!methodName) usage("which method?");
const name = methodName.replace(/^.*\//, ""); // also accepts aquastream.event.v1.EventService/ListEvents
const key = (name[0]!.toLowerCase() + name.slice(1)) as keyof typeof gen.EventServiceService;
const definition = gen.EventServiceService[key];
if (!definition) usage(`no method ${name}`);
const codecs = gen as unknown as Record<string, JsonCodec>;
const requestCodec = codecs[`${name}Request`]!;
const responseCodec = codecs[`${name}Response`]!;

let request: unknown;
try {
  request = requestCodec.fromJSON(JSON.parse(body));
} catch (error) {
  usage(`the request is not JSON: ${(error as Error).message}`);
}

const client = new grpc.Client(address, grpc.credentials.createInsecure());
client.makeUnaryRequest(
  definition.path,
  definition.requestSerialize as (value: unknown) => Buffer,
  definition.responseDeserialize as (bytes: Buffer) => unknown,
  request,
  metadata,
  { deadline: Date.now() + 30_000 },
  (error, response) => {
    client.close();
    if (error) {
      const detail = {
        code: grpc.status[error.code],
        message: error.details,
        sqlstate: error.metadata?.get("aquastream-error-code")[0]?.toString(),
        field: error.metadata?.get("aquastream-error-field")[0]?.toString(),
      };
      console.error(JSON.stringify(detail, null, 2));
      process.exit(1);
    }
    console.log(JSON.stringify(responseCodec.toJSON(response), null, 2));
  },
);
