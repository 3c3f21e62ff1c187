import { Navigate, useSearchParams } from "@solidjs/router";
import { Show } from "solid-js";
import { signedIn } from "../state/session";
import { AuthForm, nextPath } from "./AuthForm";

export default function SignUp() {
  const [search] = useSearchParams();
  return (
    <Show when={!signedIn()} fallback={<Navigate href={nextPath(search.next)} />}>
      <AuthForm mode="signup" invite={typeof search.invite === "string" ? search.invite : undefined} />
    </Show>
  );
}
