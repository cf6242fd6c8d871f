// A backup set's admin actions: soft delete, and undelete (which only undoes the soft
// delete; nothing is written to the tenant). Both are idempotent and take no If-Match, so
// there is no stale state to explain. Hidden for roles that may not (manage_tenants).
import { api, run, type Schemas } from "../api/client";
import { useCan } from "../caller";
import { ActionButton } from "./action";

type BackupSet = Schemas["BackupSetResponse"];

export function BackupSetActions({ set, reload }: { set: BackupSet; reload: () => Promise<unknown> }) {
  const canManage = useCan("manage_tenants");
  if (!canManage) return null;
  const path = { tenant_id: set.tenant_id, backup_set_id: set.id };
  return set.deleted_at ? (
    <ActionButton
      label="Undelete"
      action={() => run(api.POST("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}/undelete", { params: { path } }))}
      onDone={() => void reload()}
    />
  ) : (
    <ActionButton
      label="Delete"
      danger
      confirm={`Delete ${set.name}? Only admins see it then, and they can undelete it until it is purged.`}
      action={() => run(api.DELETE("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}", { params: { path } }))}
      onDone={() => void reload()}
    />
  );
}
