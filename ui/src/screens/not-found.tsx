import { Screen } from "../components/screen";

export function NotFound() {
  return (
    <Screen title="No such page">
      <p>
        Nothing here. <a href="/">Go to the tenants</a>.
      </p>
    </Screen>
  );
}
