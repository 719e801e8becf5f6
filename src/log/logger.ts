/*
 * One pino logger for the process: JSON lines, pretty only when a person
 * watches a terminal (and pino-pretty, a dev dependency absent from the
 * production image, is installed).
 *
 * Log lines carry ids (request id, sub, job id), never credentials or
 * personal data. The request log writes no headers at all; redaction is the
 * second line of defence for anything that logs an object carrying them.
 */
import { pino, type DestinationStream, type Logger } from "pino";

function transport(): pino.LoggerOptions["transport"] {
  if (!process.stdout.isTTY || process.env.NODE_ENV === "production") return undefined;
  try {
    import.meta.resolve("pino-pretty");
    return { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } };
  } catch {
    return undefined;
  }
}

/** Keys whose values never reach a log line, wherever pino finds them (top level or one level down). */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "password",
  "secret",
  "clientSecret",
  "email",
  "phone",
];

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
  "metadata.authorization",
  ...SECRET_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`]),
];

export function createLogger(destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: process.env.LOG_LEVEL ?? "info",
    base: { service: "aquastream-event" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  if (destination) return pino(options, destination);
  return pino({ ...options, transport: transport() });
}

export const logger: Logger = createLogger();
