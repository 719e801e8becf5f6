/*
 * One pino logger for the process: JSON lines, pretty only when a person
 * watches a terminal (and pino-pretty, a dev dependency, is installed).
 */
import { pino, type Logger } from "pino";

function transport(): pino.LoggerOptions["transport"] {
  if (!process.stdout.isTTY || process.env.NODE_ENV === "production") return undefined;
  try {
    import.meta.resolve("pino-pretty");
    return { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } };
  } catch {
    return undefined;
  }
}

export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "aquastream-event" },
  // Never write credentials into logs, wherever they appear.
  redact: {
    paths: ["req.headers.authorization", "headers.authorization", "token", "password", "*.password"],
    censor: "[redacted]",
  },
  transport: transport(),
});
