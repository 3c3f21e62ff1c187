/**
 * Device identity like /persist/comma/id_rsa(.pub) or id_ecdsa(.pub): RSA-2048 or P-256, public key exported as
 * PEM. Real keys (pycryptodome) export SPKI "BEGIN PUBLIC KEY"; PKCS#1 "BEGIN RSA PUBLIC KEY" is offered too,
 * because the server must accept both. Web Crypto only, so this runs in Node and inside workerd tests.
 */
export type KeyKind = "rsa" | "ecdsa";
export type PemFlavour = "spki" | "pkcs1";

export interface DeviceKeys {
  kind: KeyKind;
  algorithm: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicKeyPem: string;
}

function pem(label: string, der: Uint8Array): string {
  let bin = "";
  for (const b of der) bin += String.fromCharCode(b);
  const body = btoa(bin)
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Reads one DER TLV header at `at`: returns where its content starts and how long it is. */
function derItem(der: Uint8Array, at: number): { start: number; length: number } {
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = (length << 8) | der[at + 2 + i];
    start += n;
  }
  return { start, length };
}

/** SPKI → PKCS#1: the RSAPublicKey is the BIT STRING content after its leading "unused bits" byte. */
function spkiToPkcs1(spki: Uint8Array): Uint8Array {
  const outer = derItem(spki, 0);
  const algId = derItem(spki, outer.start);
  const bitString = derItem(spki, algId.start + algId.length);
  return spki.slice(bitString.start + 1, bitString.start + bitString.length);
}

export async function generateDeviceKeys(kind: KeyKind = "rsa", flavour: PemFlavour = "spki"): Promise<DeviceKeys> {
  const params =
    kind === "rsa"
      ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
      : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  const publicKeyPem =
    kind === "rsa" && flavour === "pkcs1" ? pem("RSA PUBLIC KEY", spkiToPkcs1(spki)) : pem("PUBLIC KEY", spki);
  return { kind, algorithm: kind === "rsa" ? "RS256" : "ES256", privateKey: pair.privateKey, publicKeyPem };
}
