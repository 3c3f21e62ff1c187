import { A } from "@solidjs/router";
import { Empty } from "../components/States";
import { t } from "../i18n";

export default function NotFound() {
  return (
    <Empty icon="x" title={t("notfound.title")}>
      <A class="btn" href="/">
        {t("notfound.home")}
      </A>
    </Empty>
  );
}
