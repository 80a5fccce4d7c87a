// Facts: what the probes found, as plain data. Checks read only these.
// A fact that could not be gathered is absent (undefined) or a FileFact in a non-'ok' state;
// no fact ever holds a secret value (tokens and keys are reduced to their shape by the probes,
// except dotenv values, which are needed for ${VAR} expansion and never reach a reporter).

import type { Location } from './types.js';
import type { LiveFacts } from './live-facts.js';

/** A file the doctor read, or tried to read. */
export type FileFact<T> =
  | { state: 'ok'; path: string; value: T }
  /** Not there. `explicit` when the user named it with a flag (a usage error, exit 2). */
  | { state: 'missing'; path: string; explicit: boolean }
  /** There but not usable as a file: a directory, no permission, too large. */
  | { state: 'unreadable'; path: string; explicit: boolean; problem: string }
  /** Read, but its content is wrong: bad YAML, not a certificate, binary, empty. */
  | { state: 'invalid'; path: string; problem: string; location?: Location };

/** A YAML (or JSON) document: the data, and where each key sits. */
export interface YamlDocumentFacts {
  data: unknown;
  /** Dotted path (`routes.wiki`, `services.cloudflared.command.2`) -> position of the key or item. */
  positions: Record<string, { line: number; column: number }>;
  /** Non-fatal parser warnings. */
  warnings: string[];
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string; // ISO 8601
  notAfter: string; // ISO 8601
  fingerprint256: string; // lowercase hex, no separators
  /** DER of the whole certificate, base64: kept so a check can verify a signature (pure computation). */
  derBase64: string;
  basicConstraints: { critical: boolean; ca: boolean; pathLength: number | null } | null;
  subjectKeyId: string | null; // lowercase hex
  authorityKeyId: string | null; // lowercase hex (keyIdentifier field)
  keyUsage: { critical: boolean; usages: string[] } | null; // e.g. ['digitalSignature','keyCertSign']
  extKeyUsage: string[] | null; // names (serverAuth, clientAuth, ...) or dotted OIDs
  sanDns: string[];
  sanIp: string[];
  signatureAlgorithm: { oid: string; name: string; hash: string | null };
  publicKey: PublicKeyFacts;
  /** SHA-256 of the SubjectPublicKeyInfo DER: compared with the private key's public half. */
  spkiSha256: string;
  selfSigned: boolean;
}

export interface PublicKeyFacts {
  type: string; // 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'rsa-pss' | 'dsa' | ...
  bits: number | null; // RSA modulus length
  curve: string | null; // 'P-256' | 'P-384' | 'P-521' | other names
}

export interface CertificateFileFacts {
  encoding: 'pem' | 'der';
  sizeBytes: number;
  /** Labels of every PEM block in order ('CERTIFICATE', 'PRIVATE KEY', ...); empty for DER. */
  pemLabels: string[];
  certificates: CertificateFacts[];
  /** Blocks that claimed to be certificates but did not parse, with the parser's message. */
  unparsable: string[];
  /** True when a private-key block sits in the file. */
  containsPrivateKey: boolean;
}

export interface PrivateKeyFacts {
  encoding: 'pem' | 'der';
  pemLabels: string[];
  encrypted: boolean;
  /** Why the key could not be parsed (only when not encrypted). */
  parseError: string | null;
  publicKey: PublicKeyFacts | null;
  spkiSha256: string | null;
  /** File mode bits (e.g. 0o600), owner and group, from stat. */
  mode: number;
  uid: number;
  gid: number;
}

/** A file's mode and owner from stat alone (the doctor may not be allowed to read the file itself). */
export interface FileStatFacts {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/** The tunnel token reduced to its shape: never the token itself. */
export interface TokenFacts {
  source: string; // human description of where it came from
  location?: Location;
  length: number;
  /** Other places that also hold a token, and whether it is the same one. */
  alsoIn: { source: string; same: boolean }[];
  base64: boolean;
  json: boolean;
  jsonType: string | null; // 'object', 'array', ...
  keys: string[];
  accountTag: { present: boolean; nonEmpty: boolean; type: string };
  tunnelId: { present: boolean; value: string | null; type: string };
  secret: { present: boolean; nonEmpty: boolean; base64: boolean; type: string };
  endpoint: { present: boolean; value: string | null; type: string };
  /** The value looked like a placeholder or an unexpanded variable (`${TUNNEL_TOKEN}`, `changeme`). */
  placeholder: boolean;
  /** Which kind: empty, passed through from an unset shell variable, `${VAR}`, `<token>`, a word like `changeme`. */
  placeholderKind: 'empty' | 'unset' | 'variable' | 'template' | 'word' | null;
  /** The placeholder as written; only ever set when the whole value is a known placeholder shape. */
  placeholderText: string | null;
  /**
   * Defects around the value. cloudflared reads the value exactly as given; the decode fields
   * above describe the value after these were removed, so a check can say "otherwise fine".
   */
  quoted: boolean;
  envPrefix: boolean;
  /** 'line-breaks': only CR/LF inside (Go's base64 skips them); 'spaces': spaces or tabs (fatal). */
  whitespace: 'none' | 'line-breaks' | 'spaces';
  /** 'standard' is the only one cloudflared decodes; the others are decoded only to diagnose. */
  base64Variant: 'standard' | 'url-safe' | 'unpadded' | null;
  /** What a value that is not a tunnel token looks like instead. */
  looksLike: 'jwt' | 'api-key' | 'credentials-json' | 'token-json' | null;
  /** tokenFingerprint() of the value (src/model/tunnel-token.ts): compared with a running container's, never printed. */
  fingerprint?: string;
}

/** A JWT reduced to its decoded header and claims: never the signature or the raw token. */
export interface JwtFacts {
  sizeBytes: number;
  segments: number;
  header: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  problem: string | null;
  /** How the file wrapped the JWT, when it did: 'the JSON field "value"', 'quotes'. Null for a bare JWT. */
  wrappedIn: string | null;
}

export interface DeploymentFacts {
  dir: string;
  layout: 'compose' | 'helm' | 'none';
  /** Which name generation the files use, when it can be told. */
  generation: 'mcp-gateway' | 'mcp-proxy' | null;
}

export interface Facts {
  /** The clock, read once by the runner, so every check sees the same instant. */
  now: string; // ISO 8601
  offline: boolean;
  deployment: DeploymentFacts;
  /** Variables from `.env` beside the Compose file (values kept only for ${VAR} expansion). */
  dotenv?: FileFact<Record<string, string>>;
  compose?: FileFact<YamlDocumentFacts>;
  proxyConfig?: FileFact<YamlDocumentFacts>;
  /** Helm values, merged in order like `helm -f a -f b`; positions point at the file that set each key. */
  helmValues?: FileFact<YamlDocumentFacts & { files: string[]; positionFiles: Record<string, string> }>;
  token?: FileFact<TokenFacts>;
  caCert?: FileFact<CertificateFileFacts>;
  serverCert?: FileFact<CertificateFileFacts>;
  privateKey?: FileFact<PrivateKeyFacts>;
  /**
   * Mode and owner of the private key file, present when `privateKey` is 'unreadable' to the
   * doctor: the proxy's UID may still be able to read it, and that is what the check judges.
   */
  privateKeyStat?: FileStatFacts;
  /** The domain assigned to the tunnel (`--tunnel-domain` or `data/tunnel-domain`). */
  assignedDomain?: FileFact<string>;
  jwt?: FileFact<JwtFacts>;
  federationRule?: FileFact<YamlDocumentFacts>;
  oauthMetadata?: FileFact<YamlDocumentFacts>;
  resourceMetadata?: FileFact<YamlDocumentFacts>;
  /** Variables of the doctor's own environment that matter (TUNNEL_DOMAIN...), never secrets. */
  processEnv: Record<string, string>;
  /** What the network probes saw (absent with --offline). */
  live?: LiveFacts;
}

export type { Location } from './types.js';
