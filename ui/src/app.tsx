// The console's shell: sign-in gate, header (who, navigation, notifications, sign out),
// the lost-connection banner and one route per screen.
import { LocationProvider, Route, Router } from "preact-iso";
import { api, run } from "./api/client";
import { CallerContext } from "./caller";
import { useLoad } from "./components/load";
import { ProblemMessage } from "./components/problem";
import { Header } from "./components/header";
import { ConnectionBanner } from "./components/banner";
import { useToken } from "./session";
import { SignIn } from "./screens/sign-in";
import { Tenants } from "./screens/tenants";
import { TenantForm } from "./screens/tenant-form";
import { Tenant } from "./screens/tenant";
import { ScheduleForm } from "./screens/schedule-form";
import { Schedule } from "./screens/schedule";
import { RunScreen } from "./screens/run";
import { BackupSets } from "./screens/backup-sets";
import { BackupSet } from "./screens/backup-set";
import { BackupItem } from "./screens/backup-item";
import { BackupSetDiff } from "./screens/backup-set-diff";
import { Policies } from "./screens/policies";
import { PolicyHistory } from "./screens/policy-history";
import { RestoreForm } from "./screens/restore-form";
import { RestoreScreen } from "./screens/restore";
import { Restores } from "./screens/restores";
import { Notifications } from "./screens/notifications";
import { History } from "./screens/history";
import { Audit } from "./screens/audit";
import { Webhooks } from "./screens/webhooks";
import { Webhook } from "./screens/webhook";
import { Tokens } from "./screens/tokens";
import { NotFound } from "./screens/not-found";

export function App() {
  return (
    <LocationProvider>
      <ConnectionBanner />
      <Gate />
    </LocationProvider>
  );
}

function Gate() {
  const token = useToken();
  if (!token) return <SignIn />;
  return <SignedIn token={token} />;
}

function SignedIn({ token }: { token: string }) {
  const me = useLoad(() => run(api.GET("/api/v1/me")), [token]);
  if (!me.data) {
    return (
      <main id="main" class="narrow">
        {me.problem ? <ProblemMessage problem={me.problem} /> : <p aria-live="polite">Signing in…</p>}
      </main>
    );
  }
  return (
    <CallerContext.Provider value={me.data}>
      <Header />
      <main id="main">
        <Router>
          <Route path="/" component={Tenants} />
          <Route path="/tenants" component={Tenants} />
          <Route path="/tenants/new" component={TenantForm} />
          <Route path="/tenants/:tenant" component={Tenant} />
          <Route path="/tenants/:tenant/edit" component={TenantForm} />
          <Route path="/tenants/:tenant/history" component={History} />
          <Route path="/tenants/:tenant/schedules/new" component={ScheduleForm} />
          <Route path="/tenants/:tenant/schedules/:schedule" component={Schedule} />
          <Route path="/tenants/:tenant/schedules/:schedule/edit" component={ScheduleForm} />
          <Route path="/tenants/:tenant/schedules/:schedule/history" component={History} />
          <Route path="/tenants/:tenant/runs/:run" component={RunScreen} />
          <Route path="/tenants/:tenant/backup-sets" component={BackupSets} />
          <Route path="/tenants/:tenant/backup-sets/:set" component={BackupSet} />
          <Route path="/tenants/:tenant/backup-sets/:set/diff" component={BackupSetDiff} />
          <Route path="/tenants/:tenant/backup-sets/:set/items/:item" component={BackupItem} />
          <Route path="/tenants/:tenant/backup-sets/:set/restore" component={RestoreForm} />
          <Route path="/tenants/:tenant/restores" component={Restores} />
          <Route path="/tenants/:tenant/restores/:restore" component={RestoreScreen} />
          <Route path="/tenants/:tenant/policies" component={Policies} />
          <Route path="/tenants/:tenant/policies/:policy" component={PolicyHistory} />
          <Route path="/notifications" component={Notifications} />
          <Route path="/audit" component={Audit} />
          <Route path="/webhooks" component={Webhooks} />
          <Route path="/webhooks/:webhook" component={Webhook} />
          <Route path="/tokens" component={Tokens} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </CallerContext.Provider>
  );
}
