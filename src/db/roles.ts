/*
 * Database role names, read from the one place they are set: the placeholders
 * in .gmrc (the migrations use the same values).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import JSON5 from "json5";

export const gmrcPath = fileURLToPath(new URL("../../.gmrc", import.meta.url));

const gmrc = JSON5.parse(readFileSync(gmrcPath, "utf8")) as {
  placeholders: Record<string, string>;
};

export const roles = {
  authenticator: gmrc.placeholders[":DATABASE_AUTHENTICATOR"]!,
  anonymous: gmrc.placeholders[":DATABASE_ANONYMOUS"]!,
  member: gmrc.placeholders[":DATABASE_MEMBER"]!,
  /** Members who manage others' rows (organizers, admins, the payment gateway): member's grants, wider policies. */
  manager: gmrc.placeholders[":DATABASE_MANAGER"]!,
  analyst: gmrc.placeholders[":DATABASE_ANALYST"]!,
} as const;
