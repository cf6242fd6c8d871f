// Who is signed in (GET /api/v1/me): the role and its permissions shape every screen (an
// auditor sees no action buttons; an operator sees only its tenants, which the API already
// filters).
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Schemas } from "./api/client";

export type Caller = Schemas["CallerResponse"];
export type Permission =
  | "read"
  | "manage_tenants"
  | "manage_schedules"
  | "operate_runs"
  | "read_events"
  | "manage_tokens"
  | "own_notifications"
  | "manage_webhooks"
  | "read_webhooks";

export const CallerContext = createContext<Caller | null>(null);

export function useCaller(): Caller {
  const caller = useContext(CallerContext);
  if (!caller) throw new Error("useCaller outside a signed-in screen");
  return caller;
}

export function useCan(permission: Permission): boolean {
  return useCaller().permissions.includes(permission);
}
