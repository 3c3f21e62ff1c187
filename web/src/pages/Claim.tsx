/**
 * `/claim/<token>`: the one-time link `npm run setup` (or `npm run admin -- claim-link`) prints, and the link of an
 * admin invite. It creates the server's administrator account; it is the only way to one on a closed server.
 */
import { Navigate, useParams } from "@solidjs/router";
import { Show } from "solid-js";
import { signedIn } from "../state/session";
import { AuthForm } from "./AuthForm";

export default function Claim() {
  const params = useParams();
  return (
    <Show when={!signedIn()} fallback={<Navigate href="/settings" />}>
      <AuthForm mode="signup" invite={params.token} claim />
    </Show>
  );
}
