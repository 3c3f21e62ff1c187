/**
 * The one i18n layer: every user-visible string goes through t(). English is the source dictionary (its keys
 * are the type); other languages must define every key, checked by the compiler. `{name}` placeholders are
 * filled from params; keys with `_one`/`_other` variants pick one with Intl.PluralRules on params.count.
 */
import { en, type MessageKey } from "./en";
import { fr } from "./fr";
import { settings } from "../state/settings";

export type Lang = "en" | "fr";
export const LANGS: { code: Lang; label: string }[] = [
  { code: "en", label: "English" },
  { code: "fr", label: "Français" },
];
const DICTS: Record<Lang, Record<string, string>> = { en, fr };

export const lang = () => settings.lang;
const pluralRules = new Map<string, Intl.PluralRules>();
const plurals = () => {
  const l = lang();
  if (!pluralRules.has(l)) pluralRules.set(l, new Intl.PluralRules(l));
  return pluralRules.get(l)!;
};

export type Params = Record<string, string | number>;

export function t(key: MessageKey | PluralKey, params?: Params): string {
  const dict = DICTS[lang()] ?? en;
  let k: string = key;
  if (params && typeof params.count === "number") {
    const form = `${key}_${plurals().select(params.count)}`;
    k = form in dict ? form : `${key}_other`;
  }
  const text = dict[k] ?? (en as Record<string, string>)[k] ?? k;
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}

/** Keys that exist only as `_one`/`_other` variants. */
type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}_other` ? Base : never) : never;
