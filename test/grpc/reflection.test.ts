/*
 * Server reflection, as grpcurl uses it (`grpcurl list`, `describe`): the
 * reflection client speaks grpc.reflection.v1alpha over a real connection,
 * lists the services, and gets the descriptor of EventService with every
 * RPC the contract declares.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { fromBinary } from "@bufbuild/protobuf";
import { EventServiceService } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const require = createRequire(import.meta.url);
const protoRoot = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto");

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_message: string };
}

/** One request on the reflection stream, its one answer. */
async function reflect(request: Record<string, string>): Promise<ReflectionResponse> {
  const definition = protoLoader.loadSync("grpc/reflection/v1alpha/reflection.proto", { includeDirs: [protoRoot], keepCase: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1alpha: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1alpha.ServerReflection(`127.0.0.1:${api.port}`, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => {
      const stream = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, ReflectionResponse> }).ServerReflectionInfo();
      stream.on("data", (response) => {
        resolve(response);
        stream.end();
      });
      stream.on("error", reject);
      stream.write({ host: "", ...request });
    });
  } finally {
    client.close();
  }
}

describe("server reflection (what grpcurl uses)", () => {
  it("lists EventService and the health service", async () => {
    const response = await reflect({ list_services: "" });
    expect(response.list_services_response!.service.map((s) => s.name)).toEqual(
      expect.arrayContaining(["aquastream.event.v1.EventService", "grpc.health.v1.Health"]),
    );
  });

  it("describes EventService with every RPC of the generated contract", async () => {
    const response = await reflect({ file_containing_symbol: "aquastream.event.v1.EventService" });
    const files = response.file_descriptor_response!.file_descriptor_proto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    const service = files.flatMap((f) => f.service).find((s) => s.name === "EventService");
    const served = service!.method.map((m) => m.name).sort();
    const contract = Object.values(EventServiceService).map((m) => m.path.split("/").pop()!).sort();
    expect(served).toEqual(contract);
    expect(served).toEqual(expect.arrayContaining(["CreateBooking", "ListReviews", "RetryCrewAssignment"]));
  });
});
