// One item of a backup set: its content as Graph served it, as readable JSON.
import { useRoute } from "preact-iso";
import { api, run } from "../api/client";
import { useLoad } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { useBackupSetCrumb, useTenantCrumb } from "../components/crumb-names";

export function BackupItem() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const setId = params.set!;
  const setCrumb = useBackupSetCrumb(tenantId, setId);
  const item = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}/items/{item_id}", {
          params: { path: { tenant_id: tenantId, backup_set_id: setId, item_id: params.item! } },
        }),
      ),
    [tenantId, setId, params.item],
  );
  const i = item.data;
  return (
    <Screen
      title={i?.display_name ?? "Item"}
      crumbs={[
        { href: "/", label: "Tenants" },
        tenantCrumb,
        { href: `/tenants/${tenantId}/backup-sets`, label: "Backup sets" },
        setCrumb,
      ]}
    >
      <ProblemMessage problem={item.problem} />
      {!i ? (
        item.problem ? null : <Loading what="the item" />
      ) : (
        <>
          <dl class="facts">
            <dt>Policy type</dt>
            <dd>{i.policy_type}</dd>
            <dt>Graph id</dt>
            <dd>
              <code>{i.graph_id}</code>
            </dd>
            <dt>Last modified in Intune</dt>
            <dd>
              <Time iso={i.last_modified} />
            </dd>
            <dt>Content hash</dt>
            <dd>
              <code class="hash">{i.content_hash}</code>
            </dd>
          </dl>
          <h2>Content</h2>
          <pre class="json" tabIndex={0} aria-label="The item's content as JSON">
            {JSON.stringify(i.content, null, 2)}
          </pre>
        </>
      )}
    </Screen>
  );
}
