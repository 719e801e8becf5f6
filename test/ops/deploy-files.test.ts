/*
 * The operations files no engine runs here (no Docker, no Prometheus, no
 * Grafana on the project's machines), checked as far as parsing and
 * cross-references go: docker-compose.yml, ops/prometheus.yml and its
 * targets, ops/alerts.yml (every alert with a runbook entry), the Grafana
 * provisioning and dashboard, and the GitHub workflow. Every metric an alert
 * or a panel queries must be one the service exports.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/db/migrations.ts";
import { loadConfig } from "../../src/config/env.ts";
import { loadTransport } from "../../src/config/transport.ts";
import { registry } from "../../src/metrics/registry.ts";
import "../../src/metrics/pools.ts";
import { registerDatabaseMetrics } from "../../src/metrics/database.ts";

const read = (path: string) => readFileSync(join(projectRoot, path), "utf8");
const yaml = (path: string) => YAML.parse(read(path), { merge: true, prettyErrors: true }) as Record<string, any>;

/** Every series name the service can export (histograms with their _bucket/_sum/_count). */
async function exportedNames(): Promise<Set<string>> {
  // Registers the database-wide series too; the pool never connects here.
  const database = registerDatabaseMetrics("postgres://nobody@127.0.0.1:1/none");
  try {
    const names = new Set<string>();
    for (const { name, type } of await registry.getMetricsAsJSON()) {
      names.add(name);
      if (String(type) === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    }
    return names;
  } finally {
    await database.close();
  }
}

const metricNames = (expr: string) => [...expr.matchAll(/\baquastream_[a-z0-9_]+/g)].map((m) => m[0]);

describe("docker-compose.yml", () => {
  const compose = yaml("docker-compose.yml");

  it("runs Prometheus, Grafana and Jaeger beside the service, with their files", () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["postgres", "kafka", "api", "worker", "prometheus", "grafana", "jaeger"]));
    for (const service of ["prometheus", "grafana"]) {
      for (const volume of compose.services[service].volumes as string[]) {
        const [source] = volume.split(":");
        if (source!.startsWith("./")) expect(existsSync(join(projectRoot, source!)), volume).toBe(true);
      }
    }
  });

  it("serves the API as aquastream_authenticator, whose login the postgres container creates", () => {
    expect(new URL(compose.services.api.environment.DATABASE_API_URL).username).toBe("aquastream_authenticator");
    const init = (compose.services.postgres.volumes as string[]).find((v) => v.includes("docker-entrypoint-initdb.d"))!;
    const sql = readFileSync(join(projectRoot, init.split(":")[0]!), "utf8");
    expect(sql).toMatch(/create role aquastream_authenticator login noinherit password/);
  });

  it("opts out of TLS explicitly (production mode on one machine's network), never silently", () => {
    for (const name of ["api", "worker"]) {
      const env = compose.services[name].environment;
      expect(env.GRPC_ALLOW_PLAINTEXT).toBe("true");
      expect(env.CREW_ALLOW_PLAINTEXT).toBe("true");
      expect(env.KAFKA_ALLOW_PLAINTEXT).toBe("true");
      // No token goes to the crew stub in plaintext (config would refuse it anyway).
      expect(env.CREW_SERVICE_TOKEN ?? env.CREW_TOKEN_CLIENT_ID).toBeUndefined();
    }
  });

  it("keeps the shared service environment on api and worker and adds tracing and the worker's metrics port", () => {
    for (const name of ["api", "worker"]) {
      const env = compose.services[name].environment;
      expect(env.NODE_ENV).toBe("production");
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\//);
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toContain("http://jaeger:4318");
    }
    expect(compose.services.worker.environment.WORKER_METRICS_PORT).toBe("9464");
    expect(compose.services.worker.healthcheck.test.join(" ")).toContain("9464/healthz");
    // A crashed worker comes back by itself (docs/runbooks.md "Worker recovery").
    expect(compose.services.worker.restart).toBe("unless-stopped");
  });
});

describe("Prometheus", () => {
  const prometheus = yaml("ops/prometheus.yml");
  const compose = yaml("docker-compose.yml");

  it("scrapes the api on its admin port (ADMIN_PORT) and the worker on WORKER_METRICS_PORT", () => {
    const targets = Object.fromEntries(
      (prometheus.scrape_configs as any[]).map((c) => [c.job_name, c.dns_sd_configs[0]]),
    );
    expect(targets["aquastream-api"]).toMatchObject({ names: ["api"], port: Number(compose.services.api.environment.ADMIN_PORT) });
    // The admin port is not published to the host; GraphQL's is.
    expect(compose.services.api.ports.join(" ")).not.toContain(compose.services.api.environment.ADMIN_PORT);
    expect(targets["aquastream-worker"]).toMatchObject({
      names: ["worker"],
      port: Number(compose.services.worker.environment.WORKER_METRICS_PORT),
    });
    expect(prometheus.rule_files).toEqual(["/etc/prometheus/alerts.yml"]);
  });

  it("alerts on exported series only, each with a runbook entry", async () => {
    const names = await exportedNames();
    const runbooks = read("docs/runbooks.md");
    const rules = (yaml("ops/alerts.yml").groups as any[]).flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "AquastreamApiDown",
        "AquastreamHighErrorRatio",
        "AquastreamSlowRequests",
        "AquastreamOutboxBacklogOld",
        "AquastreamExpiryNotRunning",
        "AquastreamCrewFailures",
      ]),
    );
    for (const rule of rules) {
      for (const name of metricNames(rule.expr)) expect(names, `${rule.alert}: ${name}`).toContain(name);
      expect(rule.annotations.runbook).toBe(`docs/runbooks.md#${rule.alert.toLowerCase()}`);
      expect(runbooks).toContain(`\n## ${rule.alert}\n`);
    }
  });
});

describe("Grafana", () => {
  it("provisions the Prometheus datasource and the dashboard folder", () => {
    const datasource = yaml("ops/grafana/provisioning/datasources/prometheus.yml").datasources[0];
    expect(datasource).toMatchObject({ type: "prometheus", uid: "prometheus", url: "http://prometheus:9090" });
    const provider = yaml("ops/grafana/provisioning/dashboards/aquastream.yml").providers[0];
    expect(provider.options.path).toBe("/var/lib/grafana/dashboards");
  });

  it("has a dashboard whose panels query exported series on that datasource", async () => {
    const dashboard = JSON.parse(read("ops/grafana/dashboards/aquastream-event.json")) as { uid: string; panels: any[] };
    expect(dashboard.uid).toBe("aquastream-event");
    const names = await exportedNames();
    const targets = dashboard.panels.flatMap((p) => p.targets ?? []);
    expect(targets.length).toBeGreaterThan(20);
    for (const target of targets) {
      expect(target.datasource.uid).toBe("prometheus");
      const used = metricNames(target.expr);
      expect(used.length, target.expr).toBeGreaterThan(0);
      for (const name of used) expect(names, target.expr).toContain(name);
    }
    const titles = dashboard.panels.map((p) => p.title as string).join("\n");
    for (const topic of [/requests/i, /error/i, /latency/i, /outbox backlog/i, /jobs/i, /bookings/i]) expect(titles).toMatch(topic);
  });
});

describe("k8s/", () => {
  it("parses, and the worker exposes its metrics port with a liveness probe on it", () => {
    const documents = readdirSync(join(projectRoot, "k8s"))
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => YAML.parseAllDocuments(read(`k8s/${f}`)).map((d) => ({ file: f, d })));
    for (const { file, d } of documents) expect(d.errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
    const worker = documents.map(({ d }) => d.toJS()).find((m) => m?.kind === "Deployment" && m.metadata.name === "aquastream-event-worker");
    const container = worker.spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: "metrics", containerPort: loadConfig({}).workerMetricsPort }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
  });
});

describe("k8s/ objects", () => {
  const objects = readdirSync(join(projectRoot, "k8s"))
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => YAML.parseAllDocuments(read(`k8s/${f}`)).map((d) => d.toJS() as Record<string, any>))
    .filter(Boolean);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const apiVersions: Record<string, string> = {
    Namespace: "v1",
    ConfigMap: "v1",
    Secret: "v1",
    Service: "v1",
    Deployment: "apps/v1",
    Job: "batch/v1",
    CronJob: "batch/v1",
    PersistentVolumeClaim: "v1",
    HorizontalPodAutoscaler: "autoscaling/v2",
    PodDisruptionBudget: "policy/v1",
    ServiceMonitor: "monitoring.coreos.com/v1",
    NetworkPolicy: "networking.k8s.io/v1",
    Ingress: "networking.k8s.io/v1",
    Certificate: "cert-manager.io/v1",
    PodMonitor: "monitoring.coreos.com/v1",
    PrometheusRule: "monitoring.coreos.com/v1",
  };

  it("are known kinds at their API version, with DNS-1123 names", () => {
    for (const o of objects) {
      expect(apiVersions[o.kind], `${o.kind} ${o.metadata?.name}`).toBe(o.apiVersion);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(find("Namespace", "aquastream")).toBeDefined();
  });

  it("deployments: selectors match their pods, non-root, resources, config from the ConfigMap and Secret", () => {
    for (const name of ["aquastream-event-api", "aquastream-event-worker"]) {
      const d = find("Deployment", name)!;
      expect(d, name).toBeDefined();
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of d.spec.template.spec.containers) {
        expect(c.resources.requests.cpu, name).toBeTruthy();
        expect(c.resources.requests.memory, name).toBeTruthy();
        expect(c.resources.limits.memory, name).toBeTruthy();
        for (const ref of c.envFrom) {
          if (ref.configMapRef) expect(find("ConfigMap", ref.configMapRef.name)).toBeDefined();
          if (ref.secretRef) expect(find("Secret", ref.secretRef.name)).toBeDefined();
        }
      }
      const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.spec.scaleTargetRef.name === name);
      expect(hpa?.spec.metrics[0].resource.name, `HPA of ${name}`).toBe("cpu");
      const pdb = objects.find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === name);
      expect(d.spec.template.metadata.labels).toMatchObject(pdb!.spec.selector.matchLabels);
    }
  });

  it("api: rolling update without unavailability, probes, a preStop delay before the drain", () => {
    const api = find("Deployment", "aquastream-event-api")!;
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const c = api.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    // Liveness on the admin port: a flood that fills the public port's connection cap does not restart the pod.
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "admin" });
    // The admin server starts after GraphQL and gRPC: its /healthz says both listen.
    expect(c.startupProbe.httpGet).toEqual({ path: "/healthz", port: "admin" });
    expect(c.lifecycle.preStop.exec.command).toEqual(["sleep", "5"]);
    // The drain (SHUTDOWN_TIMEOUT_MS, 10 s by default) plus the preStop delay fits the grace period.
    expect(api.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5 + loadConfig({}).shutdownTimeoutMs / 1000);
    const service = find("Service", "aquastream-event")!;
    expect(api.spec.template.metadata.labels).toMatchObject(service.spec.selector);
  });

  it("api ports: http and grpc as configured, admin on ADMIN_PORT from the ConfigMap", () => {
    const api = find("Deployment", "aquastream-event-api")!;
    const transport = loadTransport(find("ConfigMap", "aquastream-event")!.data);
    const ports = Object.fromEntries(api.spec.template.spec.containers[0].ports.map((p: any) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: 8080, grpc: 50051, admin: transport.adminPort });
    expect(api.spec.template.metadata.annotations["prometheus.io/port"]).toBe(String(transport.adminPort));
  });

  it("network policies: api http from the ingress controller, grpc from the gateway, admin and worker metrics from Prometheus only", () => {
    const policy = find("NetworkPolicy", "aquastream-event-api")!;
    const api = find("Deployment", "aquastream-event-api")!;
    expect(api.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    const byPort = Object.fromEntries(
      (policy.spec.ingress as any[]).map((rule) => {
        expect(rule.ports, "a rule for one port").toHaveLength(1);
        expect(rule.from?.length, "every rule names its sources").toBeGreaterThan(0);
        return [rule.ports[0].port, rule.from];
      }),
    );
    // Exactly the container's ports, each with its own sources: nothing is open to every pod.
    expect(Object.keys(byPort).sort()).toEqual(["admin", "grpc", "http"]);
    const ns = (from: any[]) => from.map((f) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]);
    expect(ns(byPort.http)).toEqual(["ingress-nginx"]);
    expect(ns(byPort.grpc)).toEqual(["aquastream-gateway"]);
    expect(byPort.grpc[0].podSelector.matchLabels).toBeDefined();
    expect(ns(byPort.admin)).toEqual(["monitoring"]);
    expect(byPort.admin[0].podSelector.matchLabels["app.kubernetes.io/name"]).toBe("prometheus");

    const workerPolicy = find("NetworkPolicy", "aquastream-event-worker")!;
    const worker = find("Deployment", "aquastream-event-worker")!;
    expect(worker.spec.template.metadata.labels).toMatchObject(workerPolicy.spec.podSelector.matchLabels);
    expect(workerPolicy.spec.ingress).toHaveLength(1);
    expect(workerPolicy.spec.ingress[0].ports).toEqual([{ port: "metrics" }]);
    expect(ns(workerPolicy.spec.ingress[0].from)).toEqual(["monitoring"]);
  });

  it("gRPC TLS: the api mounts cert-manager's Secret where GRPC_TLS_* point; the worker trusts the same CA for the crew service", () => {
    const data = find("ConfigMap", "aquastream-event")!.data;
    const transport = loadTransport(data);
    const api = find("Deployment", "aquastream-event-api")!;
    const certificate = find("Certificate", "aquastream-event-grpc")!;
    const volume = api.spec.template.spec.volumes.find((v: any) => v.secret?.secretName === certificate.spec.secretName);
    expect(volume, "the api mounts the Certificate's Secret").toBeDefined();
    const mount = api.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
    // cert-manager's keys in that Secret: tls.crt, tls.key, ca.crt.
    expect(transport.grpcTls).toEqual({
      certFile: `${mount.mountPath}/tls.crt`,
      keyFile: `${mount.mountPath}/tls.key`,
      clientCaFile: `${mount.mountPath}/ca.crt`,
    });
    expect(certificate.spec.usages).toContain("server auth");
    const service = find("Service", "aquastream-event")!;
    expect(certificate.spec.dnsNames).toContain(`${service.metadata.name}.aquastream.svc`);

    const worker = find("Deployment", "aquastream-event-worker")!;
    const crewVolume = worker.spec.template.spec.volumes[0];
    const crewMount = worker.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === crewVolume.name);
    expect(data.CREW_TLS_CA_FILE).toBe(`${crewMount.mountPath}/${crewVolume.secret.items[0].path}`);
    const mountOf = (volumeName: string) => {
      const v = worker.spec.template.spec.volumes.find((x: any) => x.name === volumeName);
      const m = worker.spec.template.spec.containers[0].volumeMounts.find((x: any) => x.name === volumeName);
      return `${m.mountPath}/${v.secret.items[0].path}`;
    };
    expect(data.KAFKA_SSL_CA_FILE).toBe(mountOf("kafka-ca"));
    // The Kafka password is a secret: in the Secret, never the ConfigMap.
    expect(data.KAFKA_SASL_PASSWORD).toBeUndefined();
    expect(Object.keys(find("Secret", "aquastream-event")!.stringData)).toContain("KAFKA_SASL_PASSWORD");
  });

  it("every *_FILE path of the ConfigMap is mounted where start-up reads it (api: all of them; worker: all but gRPC's)", () => {
    const data = find("ConfigMap", "aquastream-event")!.data as Record<string, string>;
    const files = Object.entries(data).filter(([k]) => k.endsWith("_FILE"));
    expect(files.length).toBeGreaterThan(0);
    for (const name of ["aquastream-event-api", "aquastream-event-worker"]) {
      const pod = find("Deployment", name)!.spec.template.spec;
      const mounted = new Set<string>();
      for (const m of pod.containers[0].volumeMounts ?? []) {
        const v = pod.volumes.find((x: any) => x.name === m.name);
        const keys: string[] = v.secret.items ? v.secret.items.map((i: any) => i.path) : ["tls.crt", "tls.key", "ca.crt"];
        for (const key of keys) mounted.add(`${m.mountPath}/${key}`);
      }
      for (const [variable, path] of files) {
        // The worker serves no gRPC and never reads GRPC_TLS_* (main.ts checks them for api and all).
        if (name === "aquastream-event-worker" && variable.startsWith("GRPC_")) continue;
        expect(mounted, `${name}: ${variable}=${path}`).toContain(path);
      }
    }
  });

  it("ingress: HTTPS for the host, /graphql only, to the Service's http port", () => {
    const ingress = find("Ingress", "aquastream-event")!;
    const service = find("Service", "aquastream-event")!;
    const host = ingress.spec.rules[0].host;
    expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: expect.any(String) }]);
    const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths);
    expect(paths.map((p: any) => p.path)).toEqual(["/graphql"]);
    expect(paths[0].backend.service.name).toBe(service.metadata.name);
    expect(service.spec.ports.map((p: any) => p.name)).toContain(paths[0].backend.service.port.name);
    expect(paths[0].backend.service.port.name).toBe("http");
    // Behind the ingress (HTTP_TRUST_PROXY) the api does not cap connections per client: the ingress must.
    expect(Number(ingress.metadata.annotations["nginx.ingress.kubernetes.io/limit-connections"])).toBeGreaterThan(0);
    expect(ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe("100k");
  });

  it("monitoring: the monitors scrape existing ports, and the PrometheusRule is ops/alerts.yml", () => {
    const service = find("Service", "aquastream-event")!;
    const serviceMonitor = find("ServiceMonitor", "aquastream-event-api")!;
    // The api's /metrics is on its admin port, not the public one.
    expect(serviceMonitor.spec.endpoints[0].port).toBe("admin");
    expect(service.metadata.labels).toMatchObject(serviceMonitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: any) => p.name)).toContain(serviceMonitor.spec.endpoints[0].port);
    const worker = find("Deployment", "aquastream-event-worker")!;
    const podMonitor = find("PodMonitor", "aquastream-event-worker")!;
    expect(worker.spec.template.metadata.labels).toMatchObject(podMonitor.spec.selector.matchLabels);
    expect(worker.spec.template.spec.containers[0].ports.map((p: any) => p.name)).toContain(podMonitor.spec.podMetricsEndpoints[0].port);
    // The job labels the alert rules select on.
    const jobs = [serviceMonitor.spec.endpoints[0], podMonitor.spec.podMetricsEndpoints[0]].map((e) => e.relabelings[0].replacement);
    expect(jobs).toEqual(yaml("ops/prometheus.yml").scrape_configs.map((c: any) => c.job_name));
    expect(find("PrometheusRule", "aquastream-event")!.spec.groups).toEqual(yaml("ops/alerts.yml").groups);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"));
  const finalStage = instructions.slice(instructions.map((l) => l.startsWith("FROM")).lastIndexOf(true));

  it("pins its base images (no latest), installs production dependencies only, runs as non-root with a HEALTHCHECK", () => {
    for (const from of instructions.filter((l) => l.startsWith("FROM"))) {
      expect(from).toMatch(/^FROM node:24[-.\w]*( AS \w+)?$/);
      expect(from).not.toMatch(/:latest/);
    }
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const user = finalStage.filter((l) => l.startsWith("USER")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(finalStage.some((l) => l.startsWith("HEALTHCHECK"))).toBe(true);
    expect(finalStage.at(-2)).toMatch(/^ENTRYPOINT \["entrypoint"\]$/);
  });

  it("the entry point knows every role the manifests and compose ask for", () => {
    const entrypoint = read("docker/entrypoint.sh");
    for (const role of ["api", "worker", "migrate", "all"]) expect(entrypoint).toMatch(new RegExp(`^\\s+${role}\\)`, "m"));
  });
});

describe("GitHub workflow", () => {
  it("runs the project's one test entry point and builds the image", () => {
    const workflow = yaml(".github/workflows/ci.yml");
    const steps = (job: string) => (workflow.jobs[job].steps as any[]).map((s) => s.run ?? s.uses).join("\n");
    expect(steps("test")).toContain("bash .ci/run");
    expect(steps("image")).toContain("docker/build-push-action");
    expect(workflow.jobs.image.needs).toBe("test");
  });
});
